export { hash53, hex, ipv4Prefix24, networkPrefix, prefix24String } from "./keys.ts";
export {
  CampaignLinker,
  defaultLinkerConfig,
  type Evaluation,
  type LinkEvent,
  type LinkerConfig,
} from "./linker.ts";
export { type Baseline, baselineOf, robustZ, UnionFind } from "./stats.ts";
