import {
  ConfigError,
  type ConfigIssue,
  duration,
  type Field,
  integer,
  type Parsed,
  parseConfig,
  string,
} from "@distillguard/config";
import { clickhouseSettings, connectionSettings } from "@distillguard/runtime";
import { Command, CommanderError } from "commander";

/** The environment the report reads: where ClickHouse is, who it is there, and how loud to log. */
export const reportEnvSettings = {
  ...clickhouseSettings,
  logLevel: connectionSettings.logLevel,
  logFormat: connectionSettings.logFormat,
};

/**
 * Start of the report's time range. `relative` counts back from the newest campaign update in
 * the database, not from the wall clock: a replay of last month's logs has last month's event
 * times, and in live operation the newest update is minutes old, so both read the same way.
 */
export type Since = { kind: "all" } | { kind: "relative"; ms: number } | { kind: "absolute"; ms: number };

const relative = duration({
  env: "--since",
  doc: "",
  default: 86_400_000,
  minMs: 60_000,
  maxMs: 3_650 * 86_400_000,
});

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** `24h`, `all`, or an ISO time (UTC unless it carries an offset). */
function since(opts: { env: string; doc: string; default: Since }): Field<Since> {
  return {
    env: opts.env,
    doc: opts.doc,
    default: opts.default,
    secret: false,
    shownDefault: "24h",
    parse(raw) {
      const v = raw.trim();
      if (v === "all") return { kind: "all" };
      if (ISO_DATE.test(v)) {
        const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(v) || !v.includes(":") ? v : `${v}Z`;
        const ms = Date.parse(zoned.replace(" ", "T"));
        if (Number.isFinite(ms) && ms >= 0) return { kind: "absolute", ms };
      }
      try {
        return { kind: "relative", ms: relative.parse(v) };
      } catch {
        throw "must be a duration back from the newest campaign update (1m to 3650d, e.g. 30m, 6h, 7d), an ISO time such as 2026-03-02T00:00Z, or 'all'";
      }
    },
  };
}

/** Flags, validated by the same builders as environment settings so messages read alike. */
function flagSpec(defaultDatabase: string) {
  return {
    database: string({
      env: "--database",
      doc: "ClickHouse database to read",
      default: defaultDatabase,
      pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
      hint: "an identifier: letters, digits, underscore",
    }),
    out: string({ env: "--out", doc: "HTML file to write", default: "reports/campaigns.html" }),
    since: since({
      env: "--since",
      doc: "start of the time range",
      default: { kind: "relative", ms: 86_400_000 },
    }),
    limit: integer({ env: "--limit", doc: "most campaigns to report", default: 50, min: 1, max: 1_000 }),
  };
}

export type ReportOptions = Parsed<typeof reportEnvSettings> &
  Parsed<ReturnType<typeof flagSpec>> & {
    /** Include campaigns whose alert resolved (merged, faded) or whose status is closed. */
    all: boolean;
  };

export type ReportArgs = { kind: "help"; text: string } | { kind: "run"; options: ReportOptions };

function program(out: { text: string }): Command {
  return new Command("npm run report --")
    .description(
      "Print the current campaigns in ClickHouse as a table and write a self-contained HTML summary with a timeline per campaign.",
    )
    .option("--database <name>", "ClickHouse database (default: CLICKHOUSE_DATABASE, else distillguard)")
    .option("--out <path>", "HTML file to write", "reports/campaigns.html")
    .option(
      "--since <range>",
      "campaigns updated since: a duration back from the newest update (30m, 6h, 7d), an ISO time, or 'all'",
      "24h",
    )
    .option("--limit <n>", "most campaigns to report, highest severity first", "50")
    .option("--all", "include campaigns whose alert is resolved or whose status is closed", false)
    .addHelpText(
      "after",
      "\nEnvironment: CLICKHOUSE_URL (default http://127.0.0.1:8123), CLICKHOUSE_DATABASE, DG_CLICKHOUSE_USER, DG_CLICKHOUSE_PASSWORD (or _FILE), DG_CLICKHOUSE_CA_FILE, LOG_LEVEL, LOG_FORMAT.\nExit codes: 0 report written (also when no campaign is in range), 2 bad flags or settings, 1 ClickHouse or file error.",
    )
    .helpOption("-h, --help", "show this help")
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        out.text += s;
      },
      writeErr: () => {},
    });
}

/**
 * Flags and environment to options, every problem collected before failing (ConfigError, each
 * issue naming the flag or variable, the value and what would do).
 */
export function parseReportArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ReportArgs {
  const help = { text: "" };
  const cmd = program(help);
  try {
    cmd.parse([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.help") {
        return { kind: "help", text: help.text };
      }
      throw new ConfigError([{ key: "arguments", message: e.message.replace(/^error: /, "") }]);
    }
    throw e;
  }
  const issues: ConfigIssue[] = [];
  const collect = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues);
      return undefined;
    }
  };
  const fromEnv = collect(() => parseConfig(reportEnvSettings, env));
  const o = cmd.opts<{ database?: string; out: string; since: string; limit: string; all: boolean }>();
  const flags = collect(() =>
    parseConfig(flagSpec(fromEnv?.clickhouseDatabase ?? "distillguard"), {
      "--database": o.database,
      "--out": o.out,
      "--since": o.since,
      "--limit": o.limit,
    }),
  );
  if (!fromEnv || !flags) throw new ConfigError(issues);
  return { kind: "run", options: { ...fromEnv, ...flags, all: o.all } };
}

/** Where `since` starts, given the newest campaign update (ms); 0 for the whole history. */
export function sinceMs(s: Since, newestUpdateMs: number): number {
  if (s.kind === "all") return 0;
  if (s.kind === "absolute") return s.ms;
  return Math.max(0, newestUpdateMs - s.ms);
}
