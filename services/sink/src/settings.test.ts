import { ConfigError, parseConfig } from "@distillguard/config";
import { describe, expect, it } from "vitest";
import { checkResultSinkSettings, resultSinkSettings } from "./settings.ts";

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
