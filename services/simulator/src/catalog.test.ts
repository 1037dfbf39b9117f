import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { networkFacts, parseRangeCsv } from "@distillguard/networks";
import { describe, expect, it } from "vitest";
import { networks } from "./catalog.ts";
import { ip6In, ipIn } from "./world.ts";

const require = createRequire(import.meta.url);

describe("the catalog's networks", () => {
  const all = Object.values(networks).flat();

  it("each has 256 distinct real /24 blocks", () => {
    for (const n of all) {
      expect(n.blocks.length, `AS${n.asn}`).toBe(256);
      expect(new Set(n.blocks).size, `AS${n.asn}`).toBe(256);
    }
  });

  it("get their own ASN back from the IP→ASN table the ingest enriches with", () => {
    const path = require.resolve("@ip-location-db/asn/asn-ipv4-num.csv");
    const table = parseRangeCsv([{ source: path, text: readFileSync(path, "utf8") }], "asn");
    const facts = networkFacts({ asn: table });
    for (const n of all) {
      for (let b = 0; b < n.blocks.length; b++) {
        for (const host of [0, 253]) {
          const address = ipIn(n, b, host);
          expect(facts({ client_address: address }).client_asn, `${address} of AS${n.asn}`).toBe(n.asn);
        }
      }
    }
  }, 60_000);

  it("get their own ASN back for their IPv6 /48s from the IPv6 table", () => {
    const path = require.resolve("@ip-location-db/asn/asn-ipv6-num.csv");
    const table = parseRangeCsv([{ source: path, text: readFileSync(path, "utf8") }], "asn");
    const facts = networkFacts({ asn: table });
    const with6 = all.filter((n) => n.blocks6.length > 0);
    // Every kind a person or a pool uses has IPv6; the companies' NATs stay IPv4.
    expect(all.filter((n) => n.blocks6.length === 0 && n.kind !== "corporate")).toEqual([]);
    for (const n of with6) {
      for (let b = 0; b < n.blocks6.length / 2; b++) {
        for (const subnet of [0, 0xffff]) {
          const address = ip6In(n, b, subnet, 0x12345678, 0x9abcdef0);
          expect(facts({ client_address: address }).client_asn, `${address} of AS${n.asn}`).toBe(n.asn);
        }
      }
    }
  }, 60_000);
});
