// The docs/queries.sql reader: blocks, headers, marked parameters and binding them.
import { describe, expect, it } from "vitest";
import { bindParams, paramUses, parseQueryFile, QueryFileError } from "./query-file.ts";

const file = `-- preamble, not a query
-- name: first_query
-- What the first query answers, over
-- two lines.
-- param: lookback_hours — how far back
-- param: who — the campaign
SELECT a FROM t
WHERE t > now() - INTERVAL /*param:lookback_hours*/ 1 HOUR
  AND c = /*param:who*/ (SELECT max(x) FROM u WHERE y = ')' AND z = 'a;b')
  AND d IN (SELECT c FROM v WHERE c = /*param:who*/ (SELECT max(x) FROM u WHERE y = ')' AND z = 'a;b'));

-- name: second_query
-- Another one.
SELECT 'it''s; fine' AS s -- a comment; with a semicolon
`;

describe("parseQueryFile", () => {
  it("splits blocks at `-- name:` and reads each header", () => {
    const [first, second] = parseQueryFile(file);
    expect(first).toMatchObject({
      name: "first_query",
      description: "What the first query answers, over two lines.",
      params: [
        { name: "lookback_hours", description: "how far back" },
        { name: "who", description: "the campaign" },
      ],
      line: 2,
    });
    expect(first?.sql.startsWith("SELECT a FROM t")).toBe(true);
    expect(first?.sql.endsWith("'a;b'))")).toBe(true);
    expect(second).toMatchObject({ name: "second_query", description: "Another one." });
  });

  it.each([
    ["-- name: Bad-Name\n-- x\nSELECT 1", /not snake_case/],
    ["-- name: q\n-- x\nSELECT 1;\n-- name: q\n-- y\nSELECT 2", /used twice/],
    ["-- name: q\nSELECT 1", /must say what the query answers/],
    ["-- name: q\n-- x\n", /no SQL/],
    ["-- name: q\n-- x\nSELECT 1; SELECT 2", /more than one statement/],
    ["-- name: q\n-- x\n-- param: a - dash instead of em dash\nSELECT 1", /malformed param line/],
  ])("refuses %j", (text, error) => {
    expect(() => parseQueryFile(text)).toThrow(error);
  });
});

describe("parameters", () => {
  const sql = parseQueryFile(file)[0]?.sql ?? "";

  it("finds each marked literal: numbers, strings and balanced expressions", () => {
    expect(paramUses(sql).map((u) => [u.name, u.literal])).toEqual([
      ["lookback_hours", "1"],
      ["who", "(SELECT max(x) FROM u WHERE y = ')' AND z = 'a;b')"],
      ["who", "(SELECT max(x) FROM u WHERE y = ')' AND z = 'a;b')"],
    ]);
    expect(paramUses("x = /*param:s*/ 'it\\'s' AND y = 1")[0]?.literal).toBe("'it\\'s'");
  });

  it("binds every occurrence, quoting strings, and keeps the markers", () => {
    const bound = bindParams(sql, { who: "cmp_o'brien", lookback_hours: 6 });
    expect(bound).toContain("INTERVAL /*param:lookback_hours*/ 6 HOUR");
    expect(bound.match(/\/\*param:who\*\/ 'cmp_o\\'brien'/g)).toHaveLength(2);
    expect(bound).not.toContain("SELECT max(x)");
    expect(bindParams(sql, {})).toBe(sql);
  });

  it("refuses a parameter the query does not have, and a marker without a literal", () => {
    expect(() => bindParams(sql, { lookback_days: 1 })).toThrow(QueryFileError);
    expect(() => paramUses("x = /*param:a*/ now()")).toThrow(/expected a quoted string/);
  });
});
