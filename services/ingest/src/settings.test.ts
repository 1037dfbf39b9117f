import { ConfigError, parseConfig } from "@distillguard/config";
import { describe, expect, it } from "vitest";
import { ingestSettings } from "./settings.ts";

describe("ingestSettings", () => {
  it("defaults to the documented topics and group", () => {
    expect(parseConfig(ingestSettings, {}, { prefix: "DG_INGEST_" })).toMatchObject({
      kafkaBrokers: ["127.0.0.1:9092"],
      inputTopic: "litellm-logs",
      outputTopic: "api-requests",
      dlqTopic: "api-requests.dlq",
      groupId: "dg-ingest",
      recordBudget: 2_000,
    });
  });

  it("reads overrides", () => {
    const s = parseConfig(
      ingestSettings,
      { DG_INGEST_INPUT_TOPIC: "gw.logs", DG_INGEST_GROUP: "ingest-eu", KAFKA_BROKERS: "k1:9092,k2:9092" },
      { prefix: "DG_INGEST_" },
    );
    expect([s.inputTopic, s.groupId, s.kafkaBrokers]).toEqual([
      "gw.logs",
      "ingest-eu",
      ["k1:9092", "k2:9092"],
    ]);
  });

  it("reads IP table files, and off", () => {
    const s = parseConfig(
      ingestSettings,
      { DG_INGEST_ASN_FILES: "/data/asn-v4.csv, /data/asn-v6.csv", DG_INGEST_COUNTRY_FILES: "off" },
      { prefix: "DG_INGEST_" },
    );
    expect([s.asnFiles, s.countryFiles]).toEqual([["/data/asn-v4.csv", "/data/asn-v6.csv"], []]);
    const defaults = parseConfig(ingestSettings, {}, { prefix: "DG_INGEST_" });
    expect(defaults.asnFiles.every((f) => f.includes("@ip-location-db/asn"))).toBe(true);
    expect(() =>
      parseConfig(ingestSettings, { DG_INGEST_ASN_FILES: " , " }, { prefix: "DG_INGEST_" }),
    ).toThrow("DG_INGEST_ASN_FILES");
  });

  it("names a bad topic and a misspelt setting", () => {
    const e = (() => {
      try {
        parseConfig(
          ingestSettings,
          { DG_INGEST_OUTPUT_TOPIC: "api requests", DG_INGEST_TOPIC: "x" },
          { prefix: "DG_INGEST_" },
        );
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(ConfigError);
    const message = (e as ConfigError).message;
    expect(message).toContain("DG_INGEST_OUTPUT_TOPIC");
    expect(message).toContain("a Kafka topic name");
    expect(message).toContain("DG_INGEST_TOPIC");
  });

  it("chooses the elicitation scorer, keywords by default, and names the choices on a typo", () => {
    expect(parseConfig(ingestSettings, {}, { prefix: "DG_INGEST_" }).elicitation).toBe("keywords");
    expect(
      parseConfig(ingestSettings, { DG_INGEST_ELICITATION: "either" }, { prefix: "DG_INGEST_" }).elicitation,
    ).toBe("either");
    expect(() =>
      parseConfig(ingestSettings, { DG_INGEST_ELICITATION: "modle" }, { prefix: "DG_INGEST_" }),
    ).toThrow(/DG_INGEST_ELICITATION[\s\S]*keywords, model, either/);
  });
});
