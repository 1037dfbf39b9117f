import { readFileSync } from "node:fs";
import { accountScoreCodec, apiRequestCodec, apiRequestV1Codec } from "@distillguard/contract";
import { describe, expect, it } from "vitest";
import { peekRequestId, requestHash, sampled } from "./sampling.ts";

const ids = Array.from({ length: 20_000 }, (_, i) => `req-${i.toString(36)}-${(i * 7919) % 1000}`);

describe("sampled", () => {
  it("gives the same answer for the same id every time", () => {
    const first = ids.map((id) => sampled(id, 0.1));
    expect(ids.map((id) => sampled(id, 0.1))).toEqual(first);
    // Published FNV-1a test vectors: a change of hash would silently change which rows a replay keeps.
    expect(requestHash("")).toBe(0x811c9dc5);
    expect(requestHash("a")).toBe(0xe40c292c);
    expect(requestHash("foobar")).toBe(0xbf9cf968);
  });

  it("keeps about the requested share", () => {
    for (const rate of [0.01, 0.1, 0.5]) {
      const kept = ids.filter((id) => sampled(id, rate)).length / ids.length;
      expect(kept).toBeGreaterThan(rate * 0.8);
      expect(kept).toBeLessThan(rate * 1.2);
    }
  });

  it("keeps everything at 1, nothing at 0, and a superset when the rate rises", () => {
    expect(ids.every((id) => sampled(id, 1))).toBe(true);
    expect(ids.some((id) => sampled(id, 0))).toBe(false);
    const low = ids.filter((id) => sampled(id, 0.05));
    expect(low.every((id) => sampled(id, 0.2))).toBe(true);
  });
});

describe("peekRequestId", () => {
  const request = (id: string) => {
    const fx = JSON.parse(
      readFileSync(
        new URL("../../../packages/contract/schemas/api-request/v1.fixture.json", import.meta.url),
        "utf8",
      ),
    );
    return {
      ...fx,
      request_id: id,
      prompt_language: null,
      prompt_simhash: Buffer.from(fx.prompt_simhash, "hex"),
      prompt_template_hash: Buffer.from(fx.prompt_template_hash, "hex"),
    };
  };

  it("reads the id of every ApiRequest version without decoding, whatever its length", () => {
    for (const id of ["", "req-01JD8Z6Q4M", "é-ü-✓", "x".repeat(300)]) {
      expect(peekRequestId(apiRequestCodec.encode(request(id)))).toBe(id);
      expect(peekRequestId(apiRequestV1Codec.encode(request(id)))).toBe(id);
    }
  });

  it("declines what is not an ApiRequest, so the caller's decode reports it", () => {
    const score = accountScoreCodec.encode({
      account_id: "acct-1",
      window_end_ms: 0,
      score: 0,
      flagged: false,
      signals: [],
      campaign_id: null,
      detector_version: "x",
    });
    const good = apiRequestCodec.encode(request("req-1"));
    for (const bytes of [Buffer.alloc(0), Buffer.from("garbage bytes"), score, good.subarray(0, 12)]) {
      expect(peekRequestId(bytes)).toBeNull();
    }
  });
});
