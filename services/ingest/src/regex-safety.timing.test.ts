/*
 * No regular expression on the record path may backtrack super-linearly (issue 12: one line of
 * 45 "#" in an ordinary prompt stalled the ingest for hours). eslint-plugin-regexp checks the
 * literals in packages/ and services/ at lint time; this test covers what it cannot see:
 * patterns assembled at run time from strings (CoT signals, topic rules), and gives every
 * pattern a second, stronger analysis. recheck (automata, then fuzzing) looks for an attack
 * string; a pattern it calls vulnerable fails unless the attack, pumped to 2n, costs at most
 * 2.5x what it costs at n (recheck's fuzzer also flags bounded gaps such as `[^.]{0,30}?`,
 * which are linear with a constant factor).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { check, type Diagnostics } from "recheck";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = new URL("../../../", import.meta.url).pathname;

/** Where per-record and per-event code lives: every pure package, and the ingest. */
function sourceFiles(): string[] {
  const dirs = [
    ...readdirSync(join(ROOT, "packages")).map((p) => join(ROOT, "packages", p, "src")),
    join(ROOT, "services", "ingest", "src"),
  ];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        // src/testing/ holds the pre-issue-12 expressions on purpose (an oracle for tests).
        if (name !== "testing") walk(path);
      } else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) {
        out.push(path);
      }
    }
  };
  for (const d of dirs) walk(d);
  return out.sort();
}

interface Pattern {
  source: string;
  flags: string;
  where: string;
}

/** Every regular expression literal in the files, with where it is. */
function literalPatterns(files: string[]): Pattern[] {
  const out: Pattern[] = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const literal = node.getText(sf);
        const end = literal.lastIndexOf("/");
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        out.push({
          source: literal.slice(1, end),
          flags: literal.slice(end + 1),
          where: `${file.slice(ROOT.length)}:${line}`,
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

function dedupe(patterns: Pattern[]): Pattern[] {
  const seen = new Map<string, Pattern>();
  for (const p of patterns) if (!seen.has(`${p.flags}/${p.source}`)) seen.set(`${p.flags}/${p.source}`, p);
  return [...seen.values()];
}

/** The attack recheck found, pumped n times. */
function attackString(d: Diagnostics, n: number): string {
  if (d.status !== "vulnerable") return "";
  let s = "";
  for (const p of d.attack.pumps) s += p.prefix + p.pump.repeat(n);
  return s + d.attack.suffix;
}

/** Fastest of five runs of the pattern over s, used the way the code uses it. */
function cost(re: RegExp, s: string): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    if (re.global) s.replace(re, "");
    else {
      re.lastIndex = 0;
      re.exec(s);
    }
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * t(2n) / t(n) for the pumped attack, at an n where it costs enough to measure. A ratio over
 * 2.5 is measured again one doubling further and the smaller kept: a quadratic pattern shows
 * ~4x at every size, while a linear one can show a spike when another test loads the machine.
 */
function growth(p: Pattern, d: Diagnostics): { ratio: number; length: number } {
  const re = new RegExp(p.source, p.flags);
  let n = 1;
  while (attackString(d, n).length < 10_000) n *= 2;
  let t = cost(re, attackString(d, n));
  while (t < 5 && attackString(d, 2 * n).length <= 1_000_000) {
    n *= 2;
    t = cost(re, attackString(d, n));
  }
  const t2 = cost(re, attackString(d, 2 * n));
  let ratio = t2 / Math.max(t, 1e-3);
  if (ratio > 2.5 && t2 < 2_000)
    ratio = Math.min(ratio, cost(re, attackString(d, 4 * n)) / Math.max(t2, 1e-3));
  return { ratio, length: attackString(d, n).length };
}

describe("regular expressions on the record path", () => {
  const constructed: Pattern[] = [];
  const Original = RegExp;

  beforeAll(async () => {
    // Record every RegExp built while the record path loads and maps real records, so
    // patterns assembled from strings are checked as the engine sees them.
    globalThis.RegExp = new Proxy(Original, {
      construct(target, args, newTarget) {
        const re = Reflect.construct(target, args, newTarget) as RegExp;
        constructed.push({ source: re.source, flags: re.flags, where: "built at run time" });
        return re;
      },
    });
    try {
      const { translateRecord } = await import("./translate.ts");
      const { litellmFixtures } = await import("@distillguard/litellm/fixtures");
      for (const f of litellmFixtures()) translateRecord(f.bytes);
    } finally {
      globalThis.RegExp = Original;
    }
  });
  afterAll(() => {
    globalThis.RegExp = Original;
  });

  it("finds the patterns it is meant to check", () => {
    const literals = literalPatterns(sourceFiles());
    // Literals of the template rules and patterns the CoT table assembles from strings.
    expect(literals.some((p) => p.where.startsWith("packages/fingerprint/src/template.ts"))).toBe(true);
    expect(constructed.some((p) => p.source.includes("step[\\s-]*by[\\s-]*step"))).toBe(true);
    expect(constructed.length).toBeGreaterThan(50);
  });

  it("has none that backtracks super-linearly (recheck, confirmed by measurement)", async () => {
    const patterns = dedupe([...literalPatterns(sourceFiles()), ...constructed]);
    const problems: string[] = [];
    // Two at a time: recheck runs each check in its own native process.
    for (let i = 0; i < patterns.length; i += 2) {
      const batch = patterns.slice(i, i + 2);
      const results = await Promise.all(
        batch.map((p) => check(p.source, p.flags, { timeout: 20_000, randomSeed: 42 })),
      );
      for (const [j, d] of results.entries()) {
        const p = batch[j] as Pattern;
        const label = `${p.where}: /${p.source.slice(0, 80)}${p.source.length > 80 ? "…" : ""}/${p.flags}`;
        if (d.status === "unknown") {
          problems.push(
            `${label}: recheck could not decide (${d.error.kind}); simplify or split the pattern`,
          );
        } else if (d.status === "vulnerable") {
          if (d.complexity.type === "exponential") {
            problems.push(`${label}: exponential backtracking on ${d.attack.pattern}`);
            continue;
          }
          const g = growth(p, d);
          if (g.ratio > 2.5) {
            problems.push(
              `${label}: ${d.complexity.summary}; ${d.attack.pattern} costs ${g.ratio.toFixed(1)}x at twice ${g.length} characters`,
            );
          }
        }
      }
    }
    expect(problems).toEqual([]);
  }, 300_000);
});
