export { type DemoCampaign, type DemoResult, demoSettings, runDemo } from "./demo-run.ts";
export { startLocalServices } from "./local-services.ts";
export { type Pipeline, type PipelineSettings, parsePipelineSettings, startPipeline } from "./pipeline.ts";
export { pipelineSettings, runScopedEnv } from "./settings.ts";
