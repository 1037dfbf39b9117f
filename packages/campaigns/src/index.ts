export { defaultLinkerConfig, type LinkerConfig } from "./config.ts";
export {
  hash53,
  hex,
  net,
  networkKey,
  networkName,
  networkPrefix,
  prefix24String,
  scanNetwork,
} from "./keys.ts";
export { CampaignLinker, type Evaluation, type LinkEvent } from "./linker.ts";
export { QuestionTable } from "./questions.ts";
export { type Baseline, baselineOf, robustZ, UnionFind } from "./stats.ts";
