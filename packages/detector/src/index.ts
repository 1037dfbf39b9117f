export { accountSpec } from "./account-spec.ts";
export {
  CheckpointLayoutError,
  Detector,
  type DetectorChanges,
  type DetectorConfig,
  type DetectorEvent,
  type DetectorMark,
  type DetectorOutput,
  defaultDetectorConfig,
  type KeyedChanges,
} from "./detector.ts";
export {
  type EntityEvent,
  EntityFeatures,
  type EntityKind,
  type EntityReading,
  entityKinds,
  entitySpec,
  networkEntityKinds,
} from "./entities.ts";
export { AccountFeatures, type FeatureEvent, type SignalName, signalIndex, signalNames } from "./features.ts";
export { AccountScorer, defaultScorerConfig, type ScorerConfig, type SignalRule } from "./scorer.ts";
export { defaultStreamConfig, HarvestStreams, type StreamConfig } from "./streams.ts";
