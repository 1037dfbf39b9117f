import { duration, integer, oneOf, type Parsed, string } from "@distillguard/config";
import { connectionSettings, topicName, topicSettings } from "@distillguard/runtime";

export const linkerSettings = {
  ...connectionSettings,
  ...topicSettings,
  changelogTopic: string({
    env: "DG_LINKER_CHANGELOG_TOPIC",
    doc: "Compacted topic holding the linker's checkpoint",
    default: "dg-linker-changelog",
    ...topicName,
  }),
  role: oneOf({
    env: "DG_LINKER_ROLE",
    doc: "all: one linker over the links topic (one partition). A linker split by account: 'accounts' members (a consumer group over the links topic's partitions) keep per-account totals and send link records; one 'link' member groups, scores and alerts (README)",
    default: "all",
    values: ["all", "accounts", "link"] as const,
  }),
  groupId: string({
    env: "DG_LINKER_GROUP",
    doc: "Consumer group of the linker, or of a split linker's link stage (one active member)",
    default: "dg-linker",
  }),
  accountsGroupId: string({
    env: "DG_LINKER_ACCOUNTS_GROUP",
    doc: "Consumer group of a split linker's account stages (DG_LINKER_ROLE=accounts): its members share the links topic's partitions",
    default: "dg-linker-accounts",
  }),
  evaluateEvery: duration({
    env: "DG_LINKER_EVALUATE_EVERY",
    doc: "Event time between re-linking, campaign scoring and campaign alerts",
    default: 5 * 60_000,
    minMs: 10_000,
    maxMs: 6 * 3_600_000,
  }),
  checkpointEvery: duration({
    env: "DG_LINKER_CHECKPOINT_EVERY",
    doc: "Wall time between checkpoints: a restart replays at most about this much processing",
    default: 30_000,
    minMs: 1_000,
    maxMs: 3_600_000,
  }),
  sourceIdle: duration({
    env: "DG_LINKER_SOURCE_IDLE",
    doc: "Wall time after which a source partition that sent nothing stops holding campaigns back (rejoins with its next record); 0s waits for every partition, which keeps results independent of timing",
    default: 0,
    minMs: 0,
    maxMs: 24 * 3_600_000,
  }),
  transactionTimeout: duration({
    env: "DG_LINKER_TRANSACTION_TIMEOUT",
    doc: "Longest a batch's transaction, with its checkpoint, may stay open before the broker aborts it: a partition's first (full) checkpoint must fit; a member stopped mid-batch holds read-committed readers back this long unless its successor fences it first. At most the broker's transaction.max.timeout.ms (15 min by default)",
    default: 60_000,
    minMs: 1_000,
    maxMs: 900_000,
  }),
  metricsPort: integer({
    env: "DG_LINKER_METRICS_PORT",
    doc: "Port of the Prometheus /metrics endpoint; 0 turns it off",
    default: 9465,
    min: 0,
    max: 65535,
  }),
};

export type LinkerSettings = Parsed<typeof linkerSettings>;
