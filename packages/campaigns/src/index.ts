export { type AccountSink, AccountStage } from "./account-stage.ts";
export { ACCOUNT_LANES, AccountTable, laneOf } from "./accounts.ts";
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
export { applyLinkRecords, LinkRecordWriter } from "./link-records.ts";
export { CampaignLinker, type Evaluation, type LinkEvent } from "./linker.ts";
export { QuestionTable } from "./questions.ts";
export { SplitLinker } from "./split.ts";
export { type Baseline, baselineOf, robustZ, UnionFind } from "./stats.ts";
