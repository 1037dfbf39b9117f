import { describe, expect, it } from "vitest";
import { networkFacts } from "./enricher.ts";
import { parseRangeCsv, RangeFileError, RangeTable, shareRangeTable } from "./ranges.ts";

const ASN_CSV = [
  '16777216,16777471,13335,"Cloudflare, Inc."',
  '3221225984,3221226239,64496,TEST-NET-1 "doc" AS',
  "134744064,134744319,15169,Google LLC",
  "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC",
  "2001:db8::,2001:db8:0:ffff:ffff:ffff:ffff:ffff,0,Not routed",
  "42540528726795050063891204319802818560,42540528727329395276160870415022948351,2500,WIDE Project",
].join("\n");

describe("parseRangeCsv and RangeTable", () => {
  const table = parseRangeCsv([{ source: "asn.csv", text: ASN_CSV }], "asn");

  it("finds the range holding an address, at both bounds, and nothing in a gap", () => {
    expect(table.size).toEqual({ v4: 3, v6: 3 });
    expect(table.lookup("1.0.0.0")).toEqual({ number: 13335, label: "Cloudflare, Inc." });
    expect(table.lookup("1.0.0.255")).toEqual({ number: 13335, label: "Cloudflare, Inc." });
    expect(table.lookup("1.0.1.0")).toBeNull();
    expect(table.lookup("0.255.255.255")).toBeNull();
    expect(table.lookup("8.8.8.8")).toEqual({ number: 15169, label: "Google LLC" });
    expect(table.lookup("192.0.2.7")?.label).toBe('TEST-NET-1 "doc" AS');
    expect(table.lookup("255.255.255.255")).toBeNull();
  });

  it("reads IPv6 bounds as text or as 128-bit decimals, at /64 precision", () => {
    expect(table.lookup("2001:4860:4860::8888")?.number).toBe(15169);
    expect(table.lookup("[2001:200::1]:443")?.number).toBe(2500);
    expect(table.lookup("2001:4861::1")).toBeNull();
    expect(table.lookup("::ffff:8.8.8.8")?.number).toBe(15169);
  });

  it("gives nothing for text that is not an address", () => {
    expect(table.lookup("")).toBeNull();
    expect(table.lookup("gateway")).toBeNull();
  });

  it("names the file and line of a bad row", () => {
    const bad = (text: string) => () => parseRangeCsv([{ source: "x.csv", text: `1,2,3,a\n${text}` }], "asn");
    expect(bad("1.2.3.4,1.2.3.9")).toThrow(new RangeFileError("x.csv", 2, "expected start,end,value"));
    expect(bad("1.2.3.4,1.2.3.9,AS12,n")).toThrow('x.csv, line 2: "AS12" is not an AS number');
    expect(bad("1.2.3.9,1.2.3.4,5,n")).toThrow("x.csv, line 2: end is before start");
    expect(bad("1.2.3.4,::1,5,n")).toThrow("start and end must be addresses of one family");
  });

  it("is the same table over shared memory", () => {
    const shared = shareRangeTable(table);
    expect(shared.v4Start.buffer).toBeInstanceOf(SharedArrayBuffer);
    const again = new RangeTable(structuredClone(shared));
    for (const ip of ["1.0.0.9", "8.8.4.4", "2001:4860::1", "9.9.9.9"])
      expect(again.lookup(ip)).toEqual(table.lookup(ip));
  });

  it("sorts rows given in any order", () => {
    const rows = ASN_CSV.split("\n").reverse().join("\n");
    const t = parseRangeCsv([{ source: "r.csv", text: rows }], "asn");
    for (const ip of ["1.0.0.9", "8.8.4.4", "2001:4860::1", "2001:200::1"])
      expect(t.lookup(ip)).toEqual(table.lookup(ip));
  });
});

describe("networkFacts", () => {
  const asn = parseRangeCsv([{ source: "asn.csv", text: ASN_CSV }], "asn");
  const country = parseRangeCsv(
    [{ source: "c.csv", text: "134744064,134744319,US\n2001:4860::,2001:4860:ffff::,ZZZ" }],
    "label",
  );
  const facts = networkFacts({ asn, country });

  it("fills what the tables know and leaves the rest absent", () => {
    expect(facts({ client_address: "8.8.8.8" })).toEqual({ client_asn: 15169, client_country: "US" });
    expect(facts({ client_address: "1.0.0.1" })).toEqual({ client_asn: 13335, client_country: null });
    // A label that is not a country code is no country; AS 0 is no AS.
    expect(facts({ client_address: "2001:4860::1" })).toEqual({ client_asn: 15169, client_country: null });
    expect(facts({ client_address: "2001:db8::1" })).toEqual({ client_asn: null, client_country: null });
    expect(facts({ client_address: "" })).toEqual({ client_asn: null, client_country: null });
    expect(networkFacts({})({ client_address: "8.8.8.8" })).toEqual({
      client_asn: null,
      client_country: null,
    });
  });
});
