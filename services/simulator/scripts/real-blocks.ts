// Regenerates src/real-blocks.json: for every network in the catalog, 256 /24 blocks that the
// installed IP→ASN table (@ip-location-db/asn, RouteViews + DB-IP, CC BY 4.0) gives to that
// network's ASN, spread evenly over all its blocks, and up to 64 IPv6 /48s the same way (from
// asn-ipv6-num.csv; none for an ASN the table gives no whole /48). The simulator draws client
// addresses from them, so an enricher reading the same table finds the ASN the simulator meant.
//   node --import tsx services/simulator/scripts/real-blocks.ts

import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { catalogAsns } from "../src/catalog.ts";

const require = createRequire(import.meta.url);
const csvPath = require.resolve("@ip-location-db/asn/asn-ipv4-num.csv");
const pkg = JSON.parse(readFileSync(require.resolve("@ip-location-db/asn/package.json"), "utf8")) as {
  version: string;
};

const wanted = new Set(catalogAsns());
const ranges = new Map<number, [number, number][]>();
for (const line of readFileSync(csvPath, "utf8").split("\n")) {
  const [start, end, asn] = line.split(",", 3);
  const a = Number(asn);
  if (!wanted.has(a)) continue;
  const list = ranges.get(a) ?? [];
  list.push([Number(start), Number(end)]);
  ranges.set(a, list);
}

const PER_NETWORK = 256;
const out: Record<string, string> = {};
for (const asn of [...wanted].sort((x, y) => x - y)) {
  // Whole /24s inside the ASN's ranges, as /24 numbers (address >>> 8).
  const blocks: number[] = [];
  for (const [s, e] of ranges.get(asn) ?? []) {
    for (let b = Math.ceil(s / 256); b * 256 + 255 <= e; b++) blocks.push(b);
  }
  if (blocks.length < PER_NETWORK) {
    throw new Error(
      `AS${asn} has ${blocks.length} whole /24s in the table; the catalog needs ${PER_NETWORK}`,
    );
  }
  const chosen = new Uint32Array(PER_NETWORK);
  for (let i = 0; i < PER_NETWORK; i++)
    chosen[i] = blocks[Math.floor((i * blocks.length) / PER_NETWORK)] ?? 0;
  out[asn] = Buffer.from(chosen.buffer).toString("base64");
}

// IPv6: whole /48s inside the ASN's ranges. Ranges run up to /19s (2^29 /48s), so /48s are
// counted per range and picked by index, never listed.
const PER_NETWORK_V6 = 64;
const csv6 = require.resolve("@ip-location-db/asn/asn-ipv6-num.csv");
const ranges6 = new Map<number, [bigint, bigint][]>();
for (const line of readFileSync(csv6, "utf8").split("\n")) {
  const [start, end, asn] = line.split(",", 3);
  const a = Number(asn);
  if (!wanted.has(a) || !start || !end) continue;
  // First and last whole /48 of the range, as /48 numbers (address >> 80).
  const first = (BigInt(start) + (1n << 80n) - 1n) >> 80n;
  const last = ((BigInt(end) + 1n) >> 80n) - 1n;
  if (last < first) continue;
  const list = ranges6.get(a) ?? [];
  list.push([first, last]);
  ranges6.set(a, list);
}
const out6: Record<string, string> = {};
for (const asn of [...wanted].sort((x, y) => x - y)) {
  const list = ranges6.get(asn) ?? [];
  const total = list.reduce((n, [f, l]) => n + (l - f + 1n), 0n);
  if (total === 0n) continue;
  const n = total < BigInt(PER_NETWORK_V6) ? Number(total) : PER_NETWORK_V6;
  // Two uint32 per /48: its upper 32 bits, then the next 16 bits in the high half.
  const chosen = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    let k = (BigInt(i) * total) / BigInt(n);
    for (const [f, l] of list) {
      if (k <= l - f) {
        const p48 = f + k;
        chosen[2 * i] = Number(p48 >> 16n);
        chosen[2 * i + 1] = Number((p48 & 0xffffn) << 16n);
        break;
      }
      k -= l - f + 1n;
    }
  }
  out6[asn] = Buffer.from(chosen.buffer).toString("base64");
}

const target = new URL("../src/real-blocks.json", import.meta.url);
writeFileSync(
  target,
  `${JSON.stringify(
    {
      source: `@ip-location-db/asn ${pkg.version} asn-ipv4-num.csv, asn-ipv6-num.csv (CC BY 4.0)`,
      per_network: PER_NETWORK,
      blocks: out,
      per_network_v6: PER_NETWORK_V6,
      blocks_v6: out6,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(
  `wrote ${target.pathname}: ${Object.keys(out).length} networks, ${Object.keys(out6).length} with IPv6\n`,
);
