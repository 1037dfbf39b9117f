export { hash53, hex, networkPrefix } from "./keys.ts";
export {
  CampaignLinker,
  defaultLinkerConfig,
  type Evaluation,
  type LinkEvent,
  type LinkerConfig,
} from "./linker.ts";
export { type Baseline, baselineOf, robustZ, UnionFind } from "./stats.ts";
