import { duration, integer, type Parsed, string } from "@distillguard/config";
import { connectionSettings, topicName, topicSettings } from "@distillguard/runtime";

export const detectorSettings = {
  ...connectionSettings,
  ...topicSettings,
  changelogTopic: string({
    env: "DG_DETECTOR_CHANGELOG_TOPIC",
    doc: "Compacted topic holding each partition's detector checkpoint",
    default: "dg-detector-changelog",
    ...topicName,
  }),
  clocksTopic: string({
    env: "DG_DETECTOR_CLOCKS_TOPIC",
    doc: "Compacted topic where the detectors share their partitions' event-time clocks, to hold back partitions that run ahead of a slower member's (alignment)",
    default: "dg-detector-clocks",
    ...topicName,
  }),
  groupId: string({
    env: "DG_DETECTOR_GROUP",
    doc: "Consumer group of the detectors",
    default: "dg-detector",
  }),
  evaluateEvery: duration({
    env: "DG_DETECTOR_EVALUATE_EVERY",
    doc: "Event time between evaluations (account scores, alerts)",
    default: 5 * 60_000,
    minMs: 10_000,
    maxMs: 6 * 3_600_000,
  }),
  checkpointEvery: duration({
    env: "DG_DETECTOR_CHECKPOINT_EVERY",
    doc: "Wall time between checkpoints: a restart replays at most about this much processing",
    default: 30_000,
    minMs: 100,
    maxMs: 3_600_000,
  }),
  fetchMaxBytes: integer({
    env: "DG_DETECTOR_FETCH_MAX_BYTES",
    doc: "Largest fetch per partition in bytes: bounds a batch's size, latency and memory",
    default: 1_048_576,
    min: 1_024,
    max: 64 * 1_048_576,
  }),
  maxDrift: duration({
    env: "DG_DETECTOR_MAX_DRIFT",
    doc: "Event time a member's partition may run ahead of its slowest partition with input waiting before it is paused (watermark alignment): bounds what the linker buffers while the detectors work off a backlog; 0s turns it off",
    default: 10 * 60_000,
    minMs: 0,
    maxMs: 7 * 86_400_000,
  }),
  transactionTimeout: duration({
    env: "DG_DETECTOR_TRANSACTION_TIMEOUT",
    doc: "Longest a batch's transaction, with its checkpoint, may stay open before the broker aborts it: a partition's first (full) checkpoint must fit; a member stopped mid-batch holds read-committed readers back this long unless its successor fences it first. At most the broker's transaction.max.timeout.ms (15 min by default)",
    default: 60_000,
    minMs: 1_000,
    maxMs: 900_000,
  }),
  metricsPort: integer({
    env: "DG_DETECTOR_METRICS_PORT",
    doc: "Port of the Prometheus /metrics endpoint; 0 turns it off",
    default: 9464,
    min: 0,
    max: 65535,
  }),
};

export type DetectorSettings = Parsed<typeof detectorSettings>;
