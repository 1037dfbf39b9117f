// Regenerates src/real-blocks.json: for every network in the catalog, 256 /24 blocks that the
// installed IP→ASN table (@ip-location-db/asn, RouteViews + DB-IP, CC BY 4.0) gives to that
// network's ASN, spread evenly over all its blocks. The simulator draws client addresses from
// them, so an enricher reading the same table finds the ASN the simulator meant.
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

const target = new URL("../src/real-blocks.json", import.meta.url);
writeFileSync(
  target,
  `${JSON.stringify({ source: `@ip-location-db/asn ${pkg.version} asn-ipv4-num.csv (CC BY 4.0)`, per_network: PER_NETWORK, blocks: out }, null, 2)}\n`,
);
process.stdout.write(`wrote ${target.pathname}: ${Object.keys(out).length} networks\n`);
