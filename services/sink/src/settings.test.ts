import { ConfigError, parseConfig } from "@distillguard/config";
import { describe, expect, it } from "vitest";
import { checkResultSinkSettings, resultSinkSettings, retentionDaysOf } from "./settings.ts";

const parse = (env: Record<string, string>) =>
  checkResultSinkSettings(parseConfig(resultSinkSettings, env, { prefix: "DG_SINK_" }));

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("resultSinkSettings", () => {
  it("defaults to the documented topics, group and limits", () => {
    expect(parse({})).toMatchObject({
      scoresTopic: "account-scores",
      alertsTopic: "alerts",
      campaignsTopic: "campaign-updates",
      requestsTopic: "api-requests",
      requestSampleRate: 0.01,
      dlqTopic: "api-requests.dlq",
      groupId: "dg-result-sink",
      flushRows: 10_000,
      flushBytes: 8 << 20,
      flushInterval: 1_000,
      retryMax: 10_000,
      metricsPort: 9466,
    });
  });

  it("reads the topics the detector and the linker read, and durations with units", () => {
    const s = parse({
      DG_SCORES_TOPIC: "eu.scores",
      DG_SINK_FLUSH_INTERVAL: "250ms",
      DG_SINK_RETRY_MAX: "1m",
    });
    expect([s.scoresTopic, s.flushInterval, s.retryMax]).toEqual(["eu.scores", 250, 60_000]);
  });

  it("reads a sampling rate between 0 and 1 and names the key when it is not one", () => {
    expect(parse({ DG_SINK_REQUEST_SAMPLE_RATE: "0.25" }).requestSampleRate).toBe(0.25);
    expect(parse({ DG_SINK_REQUEST_SAMPLE_RATE: "1" }).requestSampleRate).toBe(1);
    expect(parse({ DG_SINK_REQUEST_SAMPLE_RATE: "0" }).requestSampleRate).toBe(0);
    const m = messageOf(() => parse({ DG_SINK_REQUEST_SAMPLE_RATE: "5%" }));
    expect(m).toContain("DG_SINK_REQUEST_SAMPLE_RATE");
    expect(m).toContain("between 0 and 1");
    expect(m).toContain("'5%'");
  });

  it("reports a topic used twice, a buffer smaller than one flush and a misspelt setting", () => {
    const m = messageOf(() =>
      parse({
        DG_ALERTS_TOPIC: "account-scores",
        DG_SINK_FLUSH_BYTES: "1048576",
        DG_SINK_MAX_BUFFERED_BYTES: "4096",
      }),
    );
    expect(m).toContain("DG_ALERTS_TOPIC: 'account-scores' is also DG_SCORES_TOPIC");
    expect(m).toContain("DG_SINK_MAX_BUFFERED_BYTES: 4096 is below DG_SINK_FLUSH_BYTES");
    expect(messageOf(() => parse({ DG_SINK_FLUSH_ROW: "5" }))).toContain("DG_SINK_FLUSH_ROWS");
  });

  it("ignores the requests topic when sampling is off", () => {
    expect(parse({ DG_SINK_REQUEST_SAMPLE_RATE: "0", DG_REQUESTS_TOPIC: "alerts" }).requestsTopic).toBe(
      "alerts",
    );
  });
});

describe("retention settings", () => {
  it("defaults to hourly passes and the documented days per class", () => {
    const s = parse({});
    expect(s.retentionInterval).toBe(3_600_000);
    expect(retentionDaysOf(s)).toEqual({
      requests: 14,
      scores: 90,
      alerts: 400,
      campaigns: 400,
      rollups: 90,
    });
  });

  it("reads days per class and an interval, and 0 turns retention off", () => {
    const s = parse({
      DG_SINK_RETENTION_REQUESTS_DAYS: "3",
      DG_SINK_RETENTION_ROLLUPS_DAYS: "365",
      DG_SINK_RETENTION_INTERVAL: "15m",
    });
    expect([s.retentionRequestsDays, s.retentionRollupsDays, s.retentionInterval]).toEqual([3, 365, 900_000]);
    expect(parse({ DG_SINK_RETENTION_INTERVAL: "0" }).retentionInterval).toBe(0);
    expect(parse({ DG_SINK_RETENTION_INTERVAL: "off" }).retentionInterval).toBe(0);
  });

  it("names the key and what to set when a value is wrong", () => {
    const days = messageOf(() => parse({ DG_SINK_RETENTION_SCORES_DAYS: "0" }));
    expect(days).toContain("DG_SINK_RETENTION_SCORES_DAYS: must be between 1 and 36500 (got '0')");
    const every = messageOf(() => parse({ DG_SINK_RETENTION_INTERVAL: "5s" }));
    expect(every).toContain("DG_SINK_RETENTION_INTERVAL: must be a duration between 1m and 7d");
    expect(every).toContain("or 0 to turn it off");
    expect(messageOf(() => parse({ DG_SINK_RETENTION_DAYS: "5" }))).toContain(
      "DG_SINK_RETENTION_REQUESTS_DAYS",
    );
  });
});
