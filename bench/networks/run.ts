/**
 * How fast does the ingest enrich a client address with ASN and country? Method and results:
 * README.md beside this file.
 *
 *   node --import tsx bench/networks/run.ts [--seconds 3] [--addresses 200000] [--seed 1]
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { loadNetworkTables, networkEnricher } from "@distillguard/ingest";
import { parseAddress, RangeTable } from "@distillguard/networks";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    addresses: { type: "string", default: "200000" },
    seed: { type: "string", default: "1" },
  },
});
const seconds = Number(values.seconds);
const count = Number(values.addresses);

/** mulberry32: seeded, so every run looks up the same addresses. */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(Number(values.seed));

let t0 = performance.now();
const tables = loadNetworkTables();
const loadMs = performance.now() - t0;
const asn = tables.asn;
if (!asn) throw new Error("no ASN table");
const asnTable = new RangeTable(asn);
const enrich = networkEnricher(tables);

// 80% IPv4 inside a routed range, 10% IPv4 anywhere (gaps, private space), 10% IPv6 inside a
// range, as the text a gateway logs; 1 in 10 of the IPv4 ones written as ::ffff:a.b.c.d.
const dotted = (v: number) => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
const addresses: string[] = [];
for (let i = 0; i < count; i++) {
  const r = rand();
  if (r < 0.9) {
    let v: number;
    if (r < 0.8) {
      const k = Math.floor(rand() * asn.v4Start.length);
      const lo = asn.v4Start[k] ?? 0;
      const hi = asn.v4End[k] ?? 0;
      v = lo + Math.floor(rand() * (hi - lo + 1));
    } else {
      v = Math.floor(rand() * 2 ** 32);
    }
    addresses.push(rand() < 0.1 ? `::ffff:${dotted(v)}` : dotted(v));
  } else {
    const k = Math.floor(rand() * asn.v6StartHi.length);
    const hi = asn.v6StartHi[k] ?? 0;
    const lo = asn.v6StartLo[k] ?? 0;
    const g = [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff, Math.floor(rand() * 65536)];
    addresses.push(`${g.map((x) => x.toString(16)).join(":")}::1`);
  }
}
const parsed = addresses.map((a) => parseAddress(a));

let sink = 0;
function measure(name: string, pass: () => void): { name: string; perSecond: number } {
  pass(); // warm up
  let passes = 0;
  t0 = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    pass();
    passes++;
    elapsed = performance.now() - t0;
  }
  const perSecond = (passes * count) / (elapsed / 1000);
  console.log(`${name.padEnd(44)} ${Math.round(perSecond).toLocaleString("en-US").padStart(12)} /s`);
  return { name, perSecond };
}

console.log(
  `${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${count.toLocaleString("en-US")} addresses`,
);
console.log(
  `tables loaded in ${Math.round(loadMs)} ms: ASN ${asn.v4Start.length} + ${asn.v6StartHi.length} ranges, country ${tables.country?.v4Start.length} + ${tables.country?.v6StartHi.length}`,
);
measure("enricher: text → ASN + country", () => {
  for (const a of addresses) {
    const f = enrich({ client_address: a });
    sink += f.client_asn ?? 0;
  }
});
measure("ASN lookup of a parsed address", () => {
  for (const a of parsed) sink += asnTable.lookup(a)?.number ?? 0;
});
measure("baseline: parseAddress alone", () => {
  for (const a of addresses) sink += parseAddress(a)?.family ?? 0;
});
console.log(`(checksum ${sink % 1000})`);
