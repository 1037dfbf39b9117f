import {
  ConfigError,
  type ConfigIssue,
  duration,
  type Field,
  integer,
  type Parsed,
  string,
} from "@distillguard/config";
import { connectionSettings, topicSettings } from "@distillguard/runtime";
import { DEFAULT_RETENTION_DAYS, type RetentionClass } from "./retention-policy.ts";

/** A share between 0 and 1; @distillguard/config has whole numbers only. */
function fraction(opts: { env: string; doc: string; default: number }): Field<number> {
  return {
    env: opts.env,
    doc: opts.doc,
    default: opts.default,
    secret: false,
    shownDefault: String(opts.default),
    parse(raw) {
      const v = raw.trim();
      if (!/^(0|1|0?\.\d+|1\.0*)$/.test(v)) throw "must be a decimal number between 0 and 1 (example: 0.01)";
      return Number(v);
    },
  };
}

/** A duration, or 0 (also `0s`, `off`) for "never". */
function durationOrOff(opts: { env: string; doc: string; default: number; minMs: number; maxMs: number }) {
  const d = duration(opts);
  return {
    ...d,
    parse(raw: string) {
      const v = raw.trim();
      if (v === "off" || /^0(ms|s|m|h|d)?$/.test(v)) return 0;
      try {
        return d.parse(v);
      } catch (why) {
        throw `${String(why)}; or 0 to turn it off`;
      }
    },
  } satisfies Field<number>;
}

function retentionDays(retention: RetentionClass, env: string, what: string): Field<number> {
  return integer({
    env,
    doc: `Days ${what} are kept (by event time) before retention removes them`,
    default: DEFAULT_RETENTION_DAYS[retention],
    min: 1,
    max: 36_500,
  });
}

/**
 * What `services/sink/src/main.ts` reads from the environment. The topic variables and defaults
 * are shared with the detector and the linker (runtime's `topicSettings`), so one environment
 * configures all three.
 */
export const resultSinkSettings = {
  ...connectionSettings,
  scoresTopic: topicSettings.scoresTopic,
  alertsTopic: topicSettings.alertsTopic,
  campaignsTopic: topicSettings.campaignsTopic,
  requestsTopic: topicSettings.requestsTopic,
  dlqTopic: topicSettings.dlqTopic,
  requestSampleRate: fraction({
    env: "DG_SINK_REQUEST_SAMPLE_RATE",
    doc: "Share of raw requests stored in api_requests, chosen by request id; 0 does not read the topic",
    default: 0.01,
  }),
  groupId: string({
    env: "DG_SINK_GROUP",
    doc: "Consumer group of the result sink",
    default: "dg-result-sink",
  }),
  flushRows: integer({
    env: "DG_SINK_FLUSH_ROWS",
    doc: "Insert a table's buffered rows once this many are waiting",
    default: 10_000,
    min: 1,
    max: 1_000_000,
  }),
  flushBytes: integer({
    env: "DG_SINK_FLUSH_BYTES",
    doc: "Insert a table's buffered rows once their JSON reaches this many bytes",
    default: 8 << 20,
    min: 1_024,
    max: 256 << 20,
  }),
  flushInterval: duration({
    env: "DG_SINK_FLUSH_INTERVAL",
    doc: "Insert a table's buffered rows this long after the first of them arrived",
    default: 1_000,
    minMs: 10,
    maxMs: 600_000,
  }),
  alertsFlushInterval: duration({
    env: "DG_SINK_ALERTS_FLUSH_INTERVAL",
    doc: "Insert buffered alerts this long after the first of them arrived (alerts are few; on-call waits for them)",
    default: 200,
    minMs: 10,
    maxMs: 600_000,
  }),
  maxBufferedBytes: integer({
    env: "DG_SINK_MAX_BUFFERED_BYTES",
    doc: "Pause consuming while this many bytes wait for ClickHouse",
    default: 64 << 20,
    min: 1_024,
    max: 4 * 2 ** 30,
  }),
  retryMax: duration({
    env: "DG_SINK_RETRY_MAX",
    doc: "Longest wait between insert attempts while ClickHouse is down",
    default: 10_000,
    minMs: 100,
    maxMs: 300_000,
  }),
  retentionInterval: durationOrOff({
    env: "DG_SINK_RETENTION_INTERVAL",
    doc: "Wall time between retention passes (the first runs at start); 0 turns retention off",
    default: 3_600_000,
    minMs: 60_000,
    maxMs: 7 * 86_400_000,
  }),
  retentionRequestsDays: retentionDays("requests", "DG_SINK_RETENTION_REQUESTS_DAYS", "sampled raw requests"),
  retentionScoresDays: retentionDays("scores", "DG_SINK_RETENTION_SCORES_DAYS", "account scores"),
  retentionAlertsDays: retentionDays("alerts", "DG_SINK_RETENTION_ALERTS_DAYS", "alerts"),
  retentionCampaignsDays: retentionDays(
    "campaigns",
    "DG_SINK_RETENTION_CAMPAIGNS_DAYS",
    "campaign updates and memberships",
  ),
  retentionRollupsDays: retentionDays("rollups", "DG_SINK_RETENTION_ROLLUPS_DAYS", "per-minute rollups"),
  metricsPort: integer({
    env: "DG_SINK_METRICS_PORT",
    doc: "Port of the Prometheus /metrics endpoint; 0 turns it off",
    default: 9466,
    min: 0,
    max: 65535,
  }),
};

export type ResultSinkSettings = Parsed<typeof resultSinkSettings>;

/** Days per retention class, for retentionPolicy(). */
export function retentionDaysOf(s: ResultSinkSettings): Record<RetentionClass, number> {
  return {
    requests: s.retentionRequestsDays,
    scores: s.retentionScoresDays,
    alerts: s.retentionAlertsDays,
    campaigns: s.retentionCampaignsDays,
    rollups: s.retentionRollupsDays,
  };
}

/** Rules between settings, which one field's parser cannot see; messages name what to change. */
export function checkResultSinkSettings(s: ResultSinkSettings): ResultSinkSettings {
  const issues: ConfigIssue[] = [];
  const topics: Array<[string, string]> = [
    ["DG_SCORES_TOPIC", s.scoresTopic],
    ["DG_ALERTS_TOPIC", s.alertsTopic],
    ["DG_CAMPAIGNS_TOPIC", s.campaignsTopic],
    ["DG_DLQ_TOPIC", s.dlqTopic],
  ];
  if (s.requestSampleRate > 0) topics.push(["DG_REQUESTS_TOPIC", s.requestsTopic]);
  const seen = new Map<string, string>();
  for (const [key, topic] of topics) {
    const other = seen.get(topic);
    if (other) {
      issues.push({
        key,
        message: `'${topic}' is also ${other}; every topic the sink reads or writes must differ`,
      });
    } else {
      seen.set(topic, key);
    }
  }
  if (s.maxBufferedBytes < s.flushBytes) {
    issues.push({
      key: "DG_SINK_MAX_BUFFERED_BYTES",
      message: `${s.maxBufferedBytes} is below DG_SINK_FLUSH_BYTES (${s.flushBytes}); raise it or lower DG_SINK_FLUSH_BYTES`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return s;
}
