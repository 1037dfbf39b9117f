import { apiRequestCodec } from "@distillguard/contract";
import { litellmFixtures } from "@distillguard/litellm/fixtures";
import { describe, expect, it } from "vitest";
import { loadNetworkTables, networkEnricher } from "./networks.ts";
import { toRecordResult, workerTranslator } from "./translator.ts";

// The tables that install with the ingest (ip-location-db, 2026-06): real routing data.
const tables = loadNetworkTables();
const enrich = networkEnricher(tables);
const facts = (client_address: string) => enrich({ client_address });

describe("the ingest's IP tables", () => {
  it("load with hundreds of thousands of ranges per family", () => {
    expect(tables.asn?.v4Start.length).toBeGreaterThan(300_000);
    expect(tables.asn?.v6StartHi.length).toBeGreaterThan(50_000);
    expect(tables.country?.v4Start.length).toBeGreaterThan(300_000);
    expect(tables.country?.v6StartHi.length).toBeGreaterThan(50_000);
  });

  it.each([
    ["8.8.8.8", 15169],
    ["1.1.1.1", 13335],
    ["52.95.110.1", 16509],
    ["2001:4860:4860::8888", 15169],
    ["[2606:4700:4700::1111]:443", 13335],
    ["::ffff:8.8.4.4", 15169],
  ])("%s is AS%d, with a country", (address, asn) => {
    const f = facts(address);
    expect(f.client_asn).toBe(asn);
    expect(f.client_country).toMatch(/^[A-Z]{2}$/);
  });

  it.each(["10.1.2.3", "192.168.0.7", "127.0.0.1", "::1", "", "unknown"])(
    "%j (private, loopback or not an address) is absent, not AS 0",
    (address) => {
      expect(facts(address).client_asn).toBeNull();
    },
  );

  it("is read once per process and shared", () => {
    expect(loadNetworkTables()).toEqual(tables);
    expect(loadNetworkTables().asn).toBe(tables.asn);
    expect(tables.asn?.v4Start.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it("turns off with an empty file list", () => {
    expect(loadNetworkTables({ asn: [], country: [] })).toEqual({ asn: null, country: null });
  });

  it("names a file it cannot read", () => {
    expect(() => loadNetworkTables({ asn: ["/nonexistent/asn.csv"], country: [] })).toThrow(
      "cannot read IP table /nonexistent/asn.csv",
    );
  });

  it("enriches in the translation worker as in process", async () => {
    const f = litellmFixtures()[0];
    if (!f) throw new Error("no fixture");
    const p = JSON.parse(f.bytes.toString("utf8"));
    p.requester_ip_address = "8.8.8.8";
    p.metadata.requester_ip_address = "8.8.8.8";
    const value = Buffer.from(JSON.stringify(p));
    const t = workerTranslator({ recordBudgetMs: 10_000, networks: tables });
    try {
      const [r] = await t.translate([value]);
      expect(r).toEqual(toRecordResult(value, enrich));
      const request = r?.ok ? apiRequestCodec.decode(r.value) : null;
      expect(request?.client_asn).toBe(15169);
    } finally {
      await t.close();
    }
  });
});
