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
 * How much `run(make(·))` costs more per doubling of its input: (t(2^d·n) / t(n))^(1/d), a
 * geometric mean over `doublings` (default 3, n → 8n), in CPU time. Linear code gives ~2,
 * quadratic ~4, n^1.5 ~2.8; a threshold of 2.5 tells them apart.
 *
 * Over several doublings, not one: t(2n) / t(n) of linear stages reached 2.5–2.7 in CI and
 * under load here (two busy processes on both cores), at whatever size was tried, since a
 * step at one size (the text outgrowing a cache another process is also using) is a whole
 * doubling's ratio; over three doublings it is a third of the exponent. Each measurement
 * repeats the call until it has taken 10 ms (fast stages would otherwise be timed at the
 * clock's resolution); n and 2^d·n are measured alternately, `repeats` times each, the
 * fastest of each kept, and a ratio over 2.5 is measured twice more and the smallest kept.
 */
export function growthRatio<T>(
  run: (input: T) => unknown,
  make: (n: number) => T,
  n: number,
  repeats = 3,
  doublings = 3,
): number {
  run(make(n)); // warm up: compile before timing
  const small = make(n);
  const large = make(n * 2 ** doublings);
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && best > 2.5; attempt++) {
    best = Math.min(best, ratioOnce(run, small, large, repeats) ** (1 / doublings));
  }
  return best;
}

// CPU time of this process in ms, not wall time: on a loaded machine (CI runs these after
// the integration tests, with Kafka and ClickHouse still up) wall time counts the moments
// another process had the core, and a longer call is more likely to lose one.
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function ratioOnce<T>(run: (input: T) => unknown, a: T, b: T, repeats: number): number {
  let calls = 1;
  for (; calls < 1_024; calls *= 2) {
    const t0 = cpuMs();
    for (let i = 0; i < calls; i++) run(a);
    if (cpuMs() - t0 >= 10) break;
  }
  const time = (input: T) => {
    const t0 = cpuMs();
    for (let i = 0; i < calls; i++) run(input);
    return cpuMs() - t0;
  };
  let ta = Number.POSITIVE_INFINITY;
  let tb = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    ta = Math.min(ta, time(a));
    tb = Math.min(tb, time(b));
  }
  return tb / Math.max(ta, 0.05);
}
