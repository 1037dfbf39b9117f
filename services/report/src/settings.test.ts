import { ConfigError } from "@distillguard/config";
import { describe, expect, it } from "vitest";
import { parseReportArgs, type ReportOptions, sinceMs } from "./settings.ts";

function options(argv: string[], env: Record<string, string> = {}): ReportOptions {
  const r = parseReportArgs(argv, env);
  if (r.kind !== "run") throw new Error("expected options");
  return r.options;
}

function messageOf(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseReportArgs(argv, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("parseReportArgs", () => {
  it("defaults to the services' database, the last 24 h of updates, 50 open campaigns", () => {
    expect(options([])).toEqual({
      clickhouseUrl: "http://127.0.0.1:8123",
      clickhouseDatabase: "distillguard",
      logLevel: "info",
      logFormat: "auto",
      database: "distillguard",
      out: "reports/campaigns.html",
      since: { kind: "relative", ms: 86_400_000 },
      limit: 50,
      all: false,
    });
  });

  it("takes the database from CLICKHOUSE_DATABASE unless --database names one", () => {
    expect(options([], { CLICKHOUSE_DATABASE: "eu" }).database).toBe("eu");
    expect(options(["--database", "us"], { CLICKHOUSE_DATABASE: "eu" }).database).toBe("us");
  });

  it("reads every flag", () => {
    const o = options(["--out", "x/y.html", "--since", "90m", "--limit", "7", "--all"]);
    expect([o.out, o.since, o.limit, o.all]).toEqual([
      "x/y.html",
      { kind: "relative", ms: 5_400_000 },
      7,
      true,
    ]);
  });

  it("reads --since as a duration, an ISO time (UTC unless zoned) or all", () => {
    const since = (v: string) => options(["--since", v]).since;
    expect(since("all")).toEqual({ kind: "all" });
    expect(since("7d")).toEqual({ kind: "relative", ms: 7 * 86_400_000 });
    expect(since("2026-03-02")).toEqual({ kind: "absolute", ms: Date.parse("2026-03-02T00:00:00Z") });
    expect(since("2026-03-02T01:30")).toEqual({ kind: "absolute", ms: Date.parse("2026-03-02T01:30:00Z") });
    expect(since("2026-03-02T01:30+02:00")).toEqual({
      kind: "absolute",
      ms: Date.parse("2026-03-01T23:30:00Z"),
    });
  });

  it("reports every bad flag and setting at once, each with the value and what would do", () => {
    const m = messageOf(["--since", "yesterday", "--limit", "0", "--database", "my-db", "--out", ""], {
      CLICKHOUSE_URL: "ftp://ch:8123",
    });
    expect(m).toContain("CLICKHOUSE_URL: must use http: or https:, not ftp: (got 'ftp://ch:8123')");
    expect(m).toContain("--since: must be a duration back from the newest campaign update");
    expect(m).toContain("(got 'yesterday')");
    expect(m).toContain("--limit: must be between 1 and 1000 (got '0'); default 50");
    expect(m).toContain("--database: must match an identifier: letters, digits, underscore (got 'my-db')");
    expect(m).not.toContain("--out"); // empty means the default, as for environment settings
  });

  it("names an unknown flag or a missing value instead of ignoring it", () => {
    expect(messageOf(["--limt", "5"])).toContain("arguments: unknown option '--limt'");
    expect(messageOf(["--since"])).toContain("'--since <range>' argument missing");
    expect(messageOf(["extra"])).toContain("too many arguments");
  });

  it("returns the help text for --help", () => {
    const r = parseReportArgs(["--help"], {});
    expect(r.kind).toBe("help");
    if (r.kind === "help") {
      for (const flag of [
        "--database",
        "--out",
        "--since",
        "--limit",
        "--all",
        "CLICKHOUSE_URL",
        "Exit codes",
      ]) {
        expect(r.text).toContain(flag);
      }
    }
  });
});

describe("sinceMs", () => {
  it("counts a duration back from the newest update, not from the wall clock", () => {
    expect(sinceMs({ kind: "relative", ms: 3_600_000 }, 1_772_416_500_000)).toBe(1_772_412_900_000);
    expect(sinceMs({ kind: "relative", ms: 3_600_000 }, 0)).toBe(0);
    expect(sinceMs({ kind: "absolute", ms: 5 }, 1_772_416_500_000)).toBe(5);
    expect(sinceMs({ kind: "all" }, 1_772_416_500_000)).toBe(0);
  });
});
