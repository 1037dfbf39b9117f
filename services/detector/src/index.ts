export { type DetectorTask, detectorProcessor } from "./processor.ts";
export {
  createDetectorService,
  type DetectorService,
  ensureDetectorTopics,
  LINK_TICK_MS,
} from "./service.ts";
export { type DetectorSettings, detectorSettings } from "./settings.ts";
