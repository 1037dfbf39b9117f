export { type Calibration, defaultTracePath, loadAzureTrace, parseAzureTrace } from "./calibration.ts";
export { type Corpora, defaultCorporaDir, loadCorpora } from "./corpora.ts";
export { CorpusTextRenderer } from "./corpus-text.ts";
export { type Draft, newDraft, type PromptSpec } from "./draft.ts";
export { type RunStats, Simulation } from "./engine.ts";
export { kafkaSink } from "./kafka-sink.ts";
export { buildLabels, type Labels } from "./labels.ts";
export { asGatewayLogs, litellmSink, toExchange } from "./litellm-sink.ts";
export { OcfWriter } from "./ocf.ts";
export { parseDuration, toScenarioOptions } from "./options.ts";
export { produceApiRequests } from "./produce.ts";
export { encodedSink, type Mode, ocfSink, type RequestSink, simulate } from "./run.ts";
export {
  archetypes,
  buildScenario,
  campaignTypes,
  type ProxyPool,
  proxyPools,
  type ScenarioOptions,
  scenarios,
} from "./scenario.ts";
