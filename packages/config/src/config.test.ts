import { describe, expect, it } from "vitest";
import {
  boolean,
  brokerList,
  describeConfig,
  duration,
  integer,
  oneOf,
  optional,
  parseConfig,
  string,
  url,
  withoutUrlPassword,
} from "./config.ts";
import { ConfigError } from "./errors.ts";

const spec = {
  brokers: brokerList({ env: "KAFKA_BROKERS", doc: "Kafka bootstrap servers", default: ["127.0.0.1:9092"] }),
  clickhouse: url({
    env: "CLICKHOUSE_URL",
    doc: "ClickHouse HTTP URL",
    default: "http://127.0.0.1:8123",
    protocols: ["http:", "https:"],
  }),
  events: integer({ env: "DG_DEMO_EVENTS", doc: "events to produce", default: 20, min: 1, max: 1_000_000 }),
  verbose: boolean({ env: "DG_VERBOSE", doc: "debug logs", default: false }),
  level: oneOf({
    env: "LOG_LEVEL",
    doc: "pino level",
    default: "info",
    values: ["debug", "info", "warn"] as const,
  }),
  topic: string({
    env: "DG_TOPIC",
    doc: "topic",
    default: "api-requests",
    pattern: /^[A-Za-z0-9._-]+$/,
    hint: "Kafka topic characters [A-Za-z0-9._-]",
  }),
  password: string({ env: "CLICKHOUSE_PASSWORD", doc: "password", default: "", secret: true }),
};

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("applies defaults when nothing is set", () => {
    expect(parseConfig(spec, {})).toEqual({
      brokers: ["127.0.0.1:9092"],
      clickhouse: "http://127.0.0.1:8123",
      events: 20,
      verbose: false,
      level: "info",
      topic: "api-requests",
      password: "",
    });
  });

  it("parses every kind of value", () => {
    const c = parseConfig(spec, {
      KAFKA_BROKERS: "a:1, [::1]:9092",
      DG_DEMO_EVENTS: "7",
      DG_VERBOSE: "yes",
      LOG_LEVEL: "debug",
    });
    expect(c.brokers).toEqual(["a:1", "[::1]:9092"]);
    expect(c.events).toBe(7);
    expect(c.verbose).toBe(true);
    expect(c.level).toBe("debug");
  });

  it("reports every bad key with the value, the rule and the default", () => {
    const issues = issuesOf(() =>
      parseConfig(spec, {
        KAFKA_BROKERS: "localhost",
        CLICKHOUSE_URL: "ftp://x",
        DG_DEMO_EVENTS: "0",
        DG_VERBOSE: "maybe",
        LOG_LEVEL: "loud",
        DG_TOPIC: "a topic",
      }),
    );
    expect(issues.map((i) => i.key)).toEqual([
      "KAFKA_BROKERS",
      "CLICKHOUSE_URL",
      "DG_DEMO_EVENTS",
      "DG_VERBOSE",
      "LOG_LEVEL",
      "DG_TOPIC",
    ]);
    expect(issues[0]?.message).toBe(
      "'localhost' is not host:port (example: 127.0.0.1:9092) (got 'localhost'); default 127.0.0.1:9092",
    );
    expect(issues[2]?.message).toContain("must be between 1 and 1000000 (got '0')");
    expect(issues[4]?.message).toContain("must be one of debug, info, warn");
    expect(issues[5]?.message).toContain("Kafka topic characters");
  });

  it("never echoes a secret value", () => {
    const secretSpec = { pw: string({ env: "PW", doc: "pw", pattern: /^\S+$/, secret: true }) };
    const issues = issuesOf(() => parseConfig(secretSpec, { PW: "hunter 2" }));
    expect(issues[0]?.message).not.toContain("hunter");
  });

  it("never echoes the password inside a rejected URL", () => {
    const issues = issuesOf(() => parseConfig(spec, { CLICKHOUSE_URL: "ftp://dg:p@ss-w0rd@ch:8123" }));
    expect(issues[0]?.message).toContain("(got 'ftp://dg:***@ch:8123')");
    expect(issues[0]?.message).not.toContain("w0rd");
    expect(withoutUrlPassword("not a url //u:secret@h")).toBe("not a url //u:***@h");
    expect(withoutUrlPassword("http://ch:8123/a:b@c")).toBe("http://ch:8123/a:b@c");
  });

  it("leaves optional fields undefined when unset, and still checks them when set", () => {
    const opt = {
      user: optional(string({ env: "DG_USER", doc: "user", pattern: /^\w+$/ })),
      mech: optional(
        oneOf({ env: "DG_MECH", doc: "mechanism", values: ["PLAIN", "SCRAM-SHA-256"] as const }),
      ),
    };
    expect(parseConfig(opt, {})).toEqual({ user: undefined, mech: undefined });
    expect(parseConfig(opt, { DG_USER: "", DG_MECH: "PLAIN" })).toEqual({ user: undefined, mech: "PLAIN" });
    expect(issuesOf(() => parseConfig(opt, { DG_USER: "a b" }))[0]?.key).toBe("DG_USER");
    expect(opt.user.shownDefault).toBe("(unset)");
  });

  it("reads a case-insensitive choice as the value listed", () => {
    const proto = {
      p: oneOf({
        env: "P",
        doc: "p",
        default: "PLAINTEXT",
        values: ["PLAINTEXT", "SASL_SSL"],
        ignoreCase: true,
      }),
    };
    expect(parseConfig(proto, { P: "sasl_ssl" }).p).toBe("SASL_SSL");
    expect(issuesOf(() => parseConfig(proto, { P: "sasl" }))[0]?.message).toContain(
      "must be one of PLAINTEXT, SASL_SSL",
    );
    expect(() => parseConfig({ q: oneOf({ env: "Q", doc: "q", values: ["A"] }) }, { Q: "a" })).toThrow(
      ConfigError,
    );
  });

  it("requires fields without a default", () => {
    const req = { id: string({ env: "DG_ID", doc: "the run id" }) };
    expect(issuesOf(() => parseConfig(req, {}))[0]).toEqual({
      key: "DG_ID",
      message: "is required: the run id",
    });
  });

  it("reports unknown keys under the prefix instead of ignoring them", () => {
    const issues = issuesOf(() =>
      parseConfig(spec, { DG_DEMO_EVENT: "5", HOME: "/root" }, { prefix: "DG_" }),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]?.key).toBe("DG_DEMO_EVENT");
    expect(issues[0]?.message).toContain("DG_DEMO_EVENTS");
  });

  it("lists fields for the README table", () => {
    expect(describeConfig(spec)[0]).toEqual({
      env: "KAFKA_BROKERS",
      default: "127.0.0.1:9092",
      doc: "Kafka bootstrap servers",
    });
  });
});

describe("duration", () => {
  const spec = {
    every: duration({ env: "X_EVERY", doc: "d", default: 900_000, minMs: 1_000, maxMs: 86_400_000 }),
  };
  it("parses units to milliseconds and shows defaults in the largest whole unit", () => {
    expect(parseConfig(spec, {}).every).toBe(900_000);
    expect(parseConfig(spec, { X_EVERY: "30s" }).every).toBe(30_000);
    expect(parseConfig(spec, { X_EVERY: "1.5h" }).every).toBe(5_400_000);
    expect(parseConfig(spec, { X_EVERY: "2500ms" }).every).toBe(2_500);
    expect(spec.every.shownDefault).toBe("15m");
  });
  it("rejects what is not a duration or is out of range, saying what would do", () => {
    for (const bad of ["15", "m", "-5s", "0.5s", "2d"]) {
      expect(() => parseConfig(spec, { X_EVERY: bad })).toThrow(/X_EVERY.*between 1s and 1d/);
    }
  });
});
