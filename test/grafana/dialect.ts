// Which functions a ClickHouse server lacks for a query: the functions it calls, checked against
// the server's own system.functions and system.aggregate_function_combinators. Used to tell SQL
// that runs on the test server (18.16 locally) from SQL that needs a current release, by asking
// the server instead of keeping a list.
import type { ClickHouseClient } from "@distillguard/runtime";

export interface ServerFunctions {
  /** Lower-cased names of every function and aggregate function. */
  functions: Set<string>;
  aggregates: Set<string>;
  combinators: string[];
}

export async function serverFunctions(client: ClickHouseClient): Promise<ServerFunctions> {
  const rs = await client.query({
    query: "SELECT name, is_aggregate FROM system.functions",
    format: "JSONEachRow",
  });
  const fns = await rs.json<{ name: string; is_aggregate: number | string }>();
  const cs = await client.query({
    query: "SELECT name FROM system.aggregate_function_combinators",
    format: "JSONEachRow",
  });
  return {
    functions: new Set(fns.map((f) => f.name.toLowerCase())),
    aggregates: new Set(fns.filter((f) => Number(f.is_aggregate) === 1).map((f) => f.name.toLowerCase())),
    combinators: (await cs.json<{ name: string }>()).map((c) => c.name.toLowerCase()),
  };
}

/** Words that precede a parenthesis in SQL without being function calls. */
const KEYWORDS = new Set([
  "and",
  "as",
  "by",
  "exists",
  "from",
  "having",
  "in",
  "join",
  "not",
  "on",
  "or",
  "over",
  "select",
  "using",
  "values",
  "where",
  "with",
  "interval",
  "then",
  "else",
  "when",
  "all",
  "distinct",
]);

/** SQL with string literals and comments blanked, so their text is not read as calls. */
function code(sql: string): string {
  return sql
    .replace(/'(?:\\.|''|[^'\\])*'/g, "''")
    .replace(/--[^\n]*/g, "")
    .replace(/\/\*[\s\S]*?\*\//g, "");
}

/** Names of the functions `sql` calls (identifiers followed by a parenthesis), in order, once each. */
export function functionsCalled(sql: string): string[] {
  const names = [...code(sql).matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => m[1] as string);
  return [...new Set(names.filter((n) => !KEYWORDS.has(n.toLowerCase())))];
}

/** An aggregate function, possibly with combinators: uniqMerge, uniqStateIf, quantilesMerge… */
function knownAggregate(n: string, s: ServerFunctions): boolean {
  if (s.aggregates.has(n)) return true;
  return s.combinators.some(
    (c) => n.length > c.length && n.endsWith(c) && knownAggregate(n.slice(0, -c.length), s),
  );
}

function known(name: string, s: ServerFunctions): boolean {
  const n = name.toLowerCase();
  return s.functions.has(n) || knownAggregate(n, s);
}

/** The functions `sql` calls that the server does not have. */
export function missingFunctions(sql: string, s: ServerFunctions): string[] {
  return functionsCalled(sql).filter((f) => !known(f, s));
}
