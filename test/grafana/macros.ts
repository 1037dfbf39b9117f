// The macros of the Grafana ClickHouse datasource plugin (grafana-clickhouse-datasource v4,
// pkg/macros/macros.go), expanded as its backend does before a query reaches ClickHouse, so
// tests can run a panel's or an alert rule's SQL for a fixed time range.
//
// Matching follows the plugin's engine (grafana/sqlds): `$__name\b(?:\((.*?)\))?`, arguments
// split on commas and trimmed. The argument list ends at the first `)`, so a macro argument
// cannot contain parentheses (`$__timeFilter(toDateTime(t))` breaks in Grafana too): pass a
// column. Any other `$__…` (Grafana's own `$__interval`, `$__range`, a typo) is refused rather
// than passed through.

export interface MacroContext {
  from: Date;
  to: Date;
  /** The query interval Grafana derives from the range and the panel width (or min interval). */
  intervalMs: number;
}

export class MacroError extends Error {
  override readonly name = "MacroError";
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const dateTime = (d: Date) => `toDateTime(${seconds(d)})`;
const dateTime64 = (d: Date) => `fromUnixTimestamp64Milli(${d.getTime()})`;
const date = (d: Date) => `toDate('${d.toISOString().slice(0, 10)}')`;
const intervalSeconds = (c: MacroContext) => Math.max(Math.floor(c.intervalMs / 1000), 1);

type Macro = (c: MacroContext, args: string[]) => string;

function arity(name: string, n: number, args: string[]): void {
  if (args.length !== n) {
    throw new MacroError(`$__${name}: expected ${n} argument(s), received ${args.length}`);
  }
}

const range =
  (name: string, fmt: (d: Date) => string): Macro =>
  (c, args) => {
    arity(name, 1, args);
    const col = args[0];
    return `${col} >= ${fmt(c.from)} AND ${col} <= ${fmt(c.to)}`;
  };

/** The plugin's macros and their expansions (pkg/macros/macros.go). */
export const MACROS: Record<string, Macro> = {
  fromTime: (c) => dateTime(c.from),
  toTime: (c) => dateTime(c.to),
  fromTime_ms: (c) => dateTime64(c.from),
  toTime_ms: (c) => dateTime64(c.to),
  timeFilter: range("timeFilter", dateTime),
  timeFilter_ms: range("timeFilter_ms", dateTime64),
  dateFilter: range("dateFilter", date),
  dateTimeFilter: (c, args) => {
    arity("dateTimeFilter", 2, args);
    const [d, t] = args;
    return `(${d} >= ${date(c.from)} AND ${d} <= ${date(c.to)}) AND (${t} >= ${dateTime(c.from)} AND ${t} <= ${dateTime(c.to)})`;
  },
  dt: (c, args) => MACROS.dateTimeFilter?.(c, args) ?? "",
  timeInterval: (c, args) => {
    arity("timeInterval", 1, args);
    return `toStartOfInterval(toDateTime(${args[0]}), INTERVAL ${intervalSeconds(c)} second)`;
  },
  timeInterval_ms: (c, args) => {
    arity("timeInterval_ms", 1, args);
    return `toStartOfInterval(toDateTime64(${args[0]}, 3), INTERVAL ${Math.max(c.intervalMs, 1)} millisecond)`;
  },
  interval_s: (c) => String(intervalSeconds(c)),
};

/** `sql` with every plugin macro expanded for `c`. */
export function expandMacros(sql: string, c: MacroContext): string {
  let out = sql;
  for (const [name, macro] of Object.entries(MACROS)) {
    const re = new RegExp(`\\$__${name}\\b(?:\\((.*?)\\))?`, "g");
    out = out.replace(re, (_whole, inner: string | undefined) => {
      const args = inner === undefined ? [] : inner.split(",").map((a) => a.trim());
      return macro(c, args);
    });
  }
  const left = /\$__[A-Za-z_]+/.exec(out);
  if (left) throw new MacroError(`${left[0]} is not a macro of the ClickHouse plugin`);
  return out;
}

/** The names of the plugin macros `sql` uses. */
export function macrosUsed(sql: string): string[] {
  return Object.keys(MACROS).filter((name) => new RegExp(`\\$__${name}\\b`).test(sql));
}
