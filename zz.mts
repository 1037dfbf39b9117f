import { corpusTexts } from "./test/harness/corpora.ts";
const t0 = performance.now();
const all = corpusTexts();
console.log(all.length, "texts", (performance.now() - t0).toFixed(0), "ms");
const by = new Map<string, { n: number; bytes: number; max: number }>();
for (const t of all) { const k = t.source.split("/")[0] + ":" + t.role; const e = by.get(k) ?? { n: 0, bytes: 0, max: 0 }; e.n++; e.bytes += t.text.length; e.max = Math.max(e.max, t.text.length); by.set(k, e); }
for (const [k, v] of by) console.log(k.padEnd(40), v.n, (v.bytes / 1e6).toFixed(2) + "M", "max", v.max);
