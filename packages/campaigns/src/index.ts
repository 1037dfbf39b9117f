export { defaultLinkerConfig, type LinkerConfig } from "./config.ts";
export { hash53, hex, ipv4Prefix24, networkPrefix, prefix24String } from "./keys.ts";
export { CampaignLinker, type Evaluation, type LinkEvent } from "./linker.ts";
export { type Baseline, baselineOf, robustZ, UnionFind } from "./stats.ts";
