// Reads docs/queries.sql: blocks that start with `-- name: <snake_case>`, a comment header
// (description, `-- param: <name> — <what>` lines), then one SQL statement. Parameters are
// literals marked in place as `/*param:<name>*/ <literal>` (ClickHouse 18.16 has no query
// parameters), where the literal is a quoted string, a number or a parenthesised expression.

export interface QueryParam {
  name: string;
  description: string;
}

export interface QueryBlock {
  name: string;
  /** The header's prose, without the name and param lines. */
  description: string;
  params: QueryParam[];
  /** The statement without its trailing semicolon. */
  sql: string;
  /** 1-based line of the `-- name:` line. */
  line: number;
}

export interface ParamUse {
  name: string;
  /** The literal as written. */
  literal: string;
  /** Offsets in the SQL of the marker's start and the literal's end. */
  start: number;
  end: number;
}

export class QueryFileError extends Error {
  override readonly name = "QueryFileError";
}

const NAME_LINE = /^-- name: (.*)$/;
const PARAM_LINE = /^-- param: ([a-z][a-z0-9_]*) — (.+)$/;
const SNAKE = /^[a-z][a-z0-9_]*$/;

export function parseQueryFile(text: string): QueryBlock[] {
  const lines = text.split("\n");
  const starts: number[] = [];
  lines.forEach((l, i) => {
    if (NAME_LINE.test(l)) starts.push(i);
  });
  const blocks: QueryBlock[] = [];
  const seen = new Set<string>();
  starts.forEach((start, b) => {
    const end = starts[b + 1] ?? lines.length;
    const name = (NAME_LINE.exec(lines[start] as string)?.[1] ?? "").trim();
    const where = `line ${start + 1} (${name})`;
    if (!SNAKE.test(name)) throw new QueryFileError(`${where}: query name '${name}' is not snake_case`);
    if (seen.has(name)) throw new QueryFileError(`${where}: query name '${name}' is used twice`);
    seen.add(name);
    let i = start + 1;
    const prose: string[] = [];
    const params: QueryParam[] = [];
    for (; i < end && (lines[i] as string).startsWith("--"); i++) {
      const l = lines[i] as string;
      const p = PARAM_LINE.exec(l);
      if (p) params.push({ name: p[1] as string, description: (p[2] as string).trim() });
      else if (l.startsWith("-- param:")) throw new QueryFileError(`${where}: malformed param line '${l}'`);
      else prose.push(l.replace(/^--\s?/, ""));
    }
    const description = prose.join(" ").replace(/\s+/g, " ").trim();
    if (description === "")
      throw new QueryFileError(`${where}: the comment block must say what the query answers`);
    const sql = stripTrailingSemicolon(lines.slice(i, end).join("\n").trim());
    if (sql === "") throw new QueryFileError(`${where}: no SQL after the comment block`);
    if (splitsStatements(sql)) throw new QueryFileError(`${where}: more than one statement`);
    blocks.push({ name, description, params, sql, line: start + 1 });
  });
  return blocks;
}

function stripTrailingSemicolon(sql: string): string {
  return sql.endsWith(";") ? sql.slice(0, -1).trimEnd() : sql;
}

/** Walks SQL skipping string literals and comments; calls `visit` for every other character. */
function scan(sql: string, visit: (i: number) => boolean | undefined): void {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === "`" || c === '"') {
      i = skipQuoted(sql, i);
    } else if (c === "-" && sql[i + 1] === "-") {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? sql.length : nl;
    } else if (c === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else {
      if (visit(i)) return;
      i++;
    }
  }
}

/** Index just past the quoted literal starting at `i` (backslash and doubled-quote escapes). */
function skipQuoted(sql: string, i: number): number {
  const q = sql[i];
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] === "\\") j += 2;
    else if (sql[j] === q && sql[j + 1] === q) j += 2;
    else if (sql[j] === q) return j + 1;
    else j++;
  }
  throw new QueryFileError(`unterminated quoted literal at offset ${i}`);
}

function splitsStatements(sql: string): boolean {
  let found = false;
  scan(sql, (i) => {
    found = sql[i] === ";";
    return found;
  });
  return found;
}

const MARKER = /\/\*param:([a-z][a-z0-9_]*)\*\//g;

/** Every marked parameter literal in `sql`, in order. */
export function paramUses(sql: string): ParamUse[] {
  const out: ParamUse[] = [];
  for (const m of sql.matchAll(MARKER)) {
    const start = m.index;
    let i = start + m[0].length;
    while (sql[i] === " " || sql[i] === "\n") i++;
    const end = literalEnd(sql, i, m[1] as string);
    out.push({ name: m[1] as string, literal: sql.slice(i, end), start, end });
  }
  return out;
}

function literalEnd(sql: string, i: number, name: string): number {
  const c = sql[i];
  if (c === "'") return skipQuoted(sql, i);
  if (c === "(") {
    let depth = 0;
    let end = -1;
    scan(sql.slice(i), (j) => {
      const ch = sql[i + j];
      if (ch === "(") depth++;
      else if (ch === ")" && --depth === 0) {
        end = i + j + 1;
        return true;
      }
      return false;
    });
    if (end < 0) throw new QueryFileError(`parameter ${name}: unbalanced parentheses`);
    return end;
  }
  const num = /^-?\d+(\.\d+)?/.exec(sql.slice(i));
  if (num) return i + num[0].length;
  throw new QueryFileError(
    `parameter ${name}: expected a quoted string, a number or (expression) after the marker`,
  );
}

/** A value as a ClickHouse literal. */
export function sqlLiteral(v: string | number): string {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new QueryFileError(`${v} is not a finite number`);
    return String(v);
  }
  return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * `sql` with the literals of the given parameters replaced, as an analyst would edit them (the
 * markers stay). Every given name must be a parameter of the query.
 */
export function bindParams(sql: string, values: Record<string, string | number>): string {
  const uses = paramUses(sql);
  const known = new Set(uses.map((u) => u.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) throw new QueryFileError(`the query has no parameter '${name}'`);
  }
  let out = "";
  let at = 0;
  for (const u of uses) {
    const v = values[u.name];
    if (v === undefined) continue;
    out += `${sql.slice(at, u.start)}/*param:${u.name}*/ ${sqlLiteral(v)}`;
    at = u.end;
  }
  return out + sql.slice(at);
}
