/*
 * Text built to make a backtracking pattern or a careless scanner pay more than linear time:
 * long runs of the characters markdown, code and quoting are made of, unclosed openers,
 * repeated stems of the words the CoT and topic tables look for. Each generator returns
 * about n UTF-16 units. Used by the linearity tests of every per-record function.
 */
export interface Adversary {
  readonly name: string;
  readonly make: (n: number) => string;
}

const fill = (unit: string, n: number) => unit.repeat(Math.max(1, Math.ceil(n / unit.length)));
const line = (name: string, unit: string): Adversary => ({
  name,
  make: (n) => `hello\n${fill(unit, n)}\nworld`,
});

export const ADVERSARIES: readonly Adversary[] = [
  line("a line of #", "#"),
  line("a line of =", "="),
  line("a line of -", "-"),
  line("a line of *", "*"),
  line("a line of >", ">"),
  line("a line of digits", "7"),
  line("list markers", "1."),
  line("bold markers", "**"),
  line("decorations then no label", "# > - * • 1) "),
  { name: "decorations then a label", make: (n) => `${fill("#", n)} question: x` },
  { name: "lines that look like labels", make: (n) => fill("### question 12 ** x\n", n) },
  { name: "empty labels", make: (n) => fill("question:\n\n", n) },
  line("nested quotes", "\"'“„«「『《"),
  line("unclosed „", "„"),
  line("unclosed “", "“"),
  line("unclosed «", "«"),
  line("apostrophes", "'a"),
  line("unclosed double quote", 'a"'),
  line("nested brackets", "([{<"),
  line("unclosed tags", "<b>"),
  line("tags with attributes, never closed", "<a x "),
  line("closing tags only", "</b>"),
  line("a local part and no domain", "a"),
  { name: "one long local part before @", make: (n) => `${fill("a", n)}@` },
  line("@ runs", "a@"),
  line("dotted local parts", "a.@b"),
  line("URL schemes", "http://"),
  { name: "www and dots", make: (n) => `www.${fill(".", n)}` },
  line("backticks", "`"),
  line("fences", "```a"),
  line("numbers with separators", "1,"),
  line("exponents", "1e"),
  line("signed numbers", "-1"),
  line("identifiers", "a_1"),
  line("call-like", "x("),
  line("spaces", " "),
  { name: "newlines", make: (n) => fill("\n", n) },
  line("mixed whitespace", "\t \u00a0\u2028"),
  line("go and tabs", "go\t"),
  line("think", "think "),
  line("step dashes", "step-"),
  line("Russian stems", "цепочк"),
  line("Russian verbs", "объясни"),
  line("Spanish verbs", "explica"),
  line("Chinese labels", "问题:"),
  line("Chinese steps", "一步"),
  line("astral characters", "𠀀"),
  line("lone surrogates", "\ud800a\udc00"),
];

/**
 * t(2n) / t(n) of `run(make(·))`. Each measurement repeats the call until it has lasted at
 * least 10 ms (fast stages would otherwise be timed at the clock's resolution); n and 2n are
 * measured alternately, `repeats` times each, and the fastest of each kept. A ratio over 2.5 is
 * measured again, one doubling further each time (2n → 4n, then 4n → 8n, twice), and the
 * smallest kept: code that is super-linear shows ~4x at every doubling, while linear code
 * shows a spike only at one size (the text outgrowing a cache: CI measured 2.67x at
 * 128K → 256K for a stage that is 2.0x on this machine) or when something else loads the
 * machine at that moment.
 */
export function growthRatio<T>(
  run: (input: T) => unknown,
  make: (n: number) => T,
  n: number,
  repeats = 3,
): number {
  run(make(n)); // warm up: compile before timing
  let best = Number.POSITIVE_INFINITY;
  for (const m of [n, 2 * n, 4 * n, 4 * n]) {
    best = Math.min(best, ratioOnce(run, make(m), make(2 * m), repeats));
    if (best <= 2.5) break;
  }
  return best;
}

function ratioOnce<T>(run: (input: T) => unknown, a: T, b: T, repeats: number): number {
  let calls = 1;
  for (; calls < 1_024; calls *= 2) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) run(a);
    if (performance.now() - t0 >= 10) break;
  }
  const time = (input: T) => {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) run(input);
    return performance.now() - t0;
  };
  let ta = Number.POSITIVE_INFINITY;
  let tb = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    ta = Math.min(ta, time(a));
    tb = Math.min(tb, time(b));
  }
  return tb / Math.max(ta, 0.05);
}
