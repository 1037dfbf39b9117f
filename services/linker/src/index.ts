export { type LinkerMetrics, linkerMetrics } from "./metrics.ts";
export { type LinkerTask, linkerProcessor } from "./processor.ts";
export { createLinkerService, ensureLinkerTopics, type LinkerService } from "./service.ts";
export { type LinkerSettings, linkerSettings } from "./settings.ts";
