import { apiRequestCodec } from "@distillguard/contract";
import { litellmFixtures } from "@distillguard/litellm/fixtures";
import { describe, expect, it } from "vitest";
import { translateRecord } from "./translate.ts";

const fixtures = litellmFixtures();

describe("translateRecord: good records", () => {
  for (const f of fixtures) {
    it(`${f.name} → an ApiRequest keyed by account, timestamped at event time`, () => {
      const t = translateRecord(f.bytes);
      if (!t.ok) throw new Error(`expected ok, got ${t.reason.kind}: ${t.reason.message}`);
      expect(t.key).toBe(f.expected.account_id);
      expect(t.timestamp).toBe(String(f.expected.event_time_ms));
      expect(apiRequestCodec.decode(t.value)).toEqual(
        apiRequestCodec.decode(apiRequestCodec.encode(f.expected)),
      );
    });
  }

  it("passes the enricher through", () => {
    const f = fixtures[0];
    const t = f && translateRecord(f.bytes, () => ({ client_asn: 64500, client_country: "SG" }));
    expect(t?.ok && [t.request.client_asn, t.request.client_country]).toEqual([64500, "SG"]);
  });
});

describe("translateRecord: bad records become dead-letter reasons", () => {
  const withoutMetadata = (() => {
    const r = JSON.parse(fixtures[0]?.bytes.toString("utf8") ?? "{}");
    delete r.metadata;
    return Buffer.from(JSON.stringify(r));
  })();

  it.each([
    ["no value", null, "empty"],
    ["an empty value", Buffer.alloc(0), "empty"],
    ["non-UTF-8 bytes", Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), "invalid-utf8"],
    ["broken JSON", Buffer.from("{not json"), "json-parse"],
    ["JSON that is not an object", Buffer.from('["a"]'), "schema"],
    ["a record without metadata", withoutMetadata, "missing-field"],
  ] as const)("%s → %s", (_what, bytes, kind) => {
    const t = translateRecord(bytes);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.reason.kind).toBe(kind);
  });

  it("names the missing field", () => {
    const t = translateRecord(withoutMetadata);
    expect(!t.ok && t.reason.message).toBe("missing required field $.metadata (object)");
  });

  it("parks a record that breaks the mapping itself instead of throwing", () => {
    const f = fixtures[0];
    const t =
      f &&
      translateRecord(f.bytes, () => {
        throw new TypeError("enricher exploded");
      });
    expect(t?.ok === false && t.reason).toEqual({
      kind: "internal",
      message: "unexpected TypeError while mapping: enricher exploded",
    });
  });

  it("reports an ApiRequest the contract rejects as the contract's kind", () => {
    const f = fixtures[0];
    const t = f && translateRecord(f.bytes, () => ({ client_asn: 1.5 }));
    expect(t?.ok === false && t.reason.kind).toBe("invalid");
  });
});
