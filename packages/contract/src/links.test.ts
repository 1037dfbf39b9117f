import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { apiRequestCodec } from "./codecs.ts";
import {
  API_REQUEST_VALUES,
  decodeLinkEvent,
  encodeLinkEvent,
  LINK_EVENT_VALUES,
  type LinkObservation,
  packObservations,
  unpackObservations,
} from "./links.ts";
import { schemasDir } from "./schema-files.ts";

describe("packed link observations", () => {
  it("round-trips offsets and bytes in order, including empty values and 64-bit offsets", () => {
    const items = [
      { offset: "0", value: Buffer.from([1, 2, 3]) },
      { offset: "9007199254740993", value: Buffer.alloc(0) },
      { offset: "42", value: Buffer.from("x".repeat(1000)) },
    ];
    const back = unpackObservations(packObservations(items));
    expect(back.version).toBe(LINK_EVENT_VALUES);
    expect(back.items.map((o) => o.offset.toString())).toEqual(["0", "9007199254740993", "42"]);
    expect(back.items.map((o) => o.value.toString("hex"))).toEqual(items.map((o) => o.value.toString("hex")));
  });

  it("says which records carry whole requests (version 1, from detectors before link events)", () => {
    const v1 = packObservations([{ offset: "3", value: Buffer.from([9]) }], API_REQUEST_VALUES);
    expect(unpackObservations(v1).version).toBe(API_REQUEST_VALUES);
  });

  it("rejects foreign and truncated records with a reason", () => {
    expect(() => unpackObservations(Buffer.from("{}"))).toThrow(/not a packed link record/);
    const packed = packObservations([{ offset: "7", value: Buffer.from([1, 2, 3, 4]) }]);
    expect(() => unpackObservations(packed.subarray(0, packed.length - 1))).toThrow(/truncated/);
    expect(() => unpackObservations(Buffer.from([0x4c, 9]))).toThrow(/version 9/);
  });
});

const h = (n: number) => Buffer.from([n, 1, 2, 3, 4, 5, 6, 7]);

const full: LinkObservation = {
  account_id: "acct_ünïcode_7",
  event_time_ms: 1_772_425_800_123,
  client_address: "2001:db8::1",
  client_asn: 4_200_000_000,
  prompt_template_hash: h(1),
  system_prompt_hash: h(2),
  prompt_simhash: h(3),
  account_spend_usd: 0.1 + 0.2,
  request_temperature: 0.699999988079071,
  question_head_hash: h(4),
  question_tail_hash: h(5),
  cot_elicitation: 1 / 3,
  response_trace: 0.5,
  usage_output_tokens: 2_147_483_647,
  usage_reasoning_tokens: 0,
};

const bare: LinkObservation = {
  account_id: "",
  event_time_ms: 0,
  client_address: "",
  client_asn: null,
  prompt_template_hash: h(0),
  system_prompt_hash: null,
  prompt_simhash: null,
  account_spend_usd: null,
  request_temperature: null,
  question_head_hash: null,
  question_tail_hash: null,
  cot_elicitation: 0,
  response_trace: null,
  usage_output_tokens: 0,
  usage_reasoning_tokens: null,
};

describe("link events", () => {
  it("round-trip every field exactly, present or absent", () => {
    for (const e of [full, bare]) {
      const back = decodeLinkEvent(encodeLinkEvent(e));
      expect({ ...back }).toEqual({ ...e });
    }
    // Absent optional fields read as absent (null), never as zero.
    const partial = decodeLinkEvent(encodeLinkEvent({ ...full, client_asn: null, response_trace: null }));
    expect(partial.client_asn).toBeNull();
    expect(partial.response_trace).toBeNull();
    expect(partial.usage_reasoning_tokens).toBe(0);
  });

  it("carry what the linker reads of a real request, in a fraction of its bytes", () => {
    const r = apiRequestCodec.decode(readFileSync(new URL("api-request/v5.fixture.bin", schemasDir)));
    const bytes = encodeLinkEvent(r);
    const back = decodeLinkEvent(bytes);
    for (const k of Object.keys(back) as (keyof LinkObservation)[]) {
      const want = r[k as keyof typeof r] ?? null;
      const got = back[k] ?? null;
      expect(got instanceof Uint8Array ? Buffer.from(got).toString("hex") : got, k).toEqual(
        want instanceof Uint8Array ? Buffer.from(want).toString("hex") : want,
      );
    }
    expect(bytes.length).toBeLessThan(apiRequestCodec.encode(r).length / 2);
  });

  it("refuse what is not one: short hashes, truncated or padded bytes", () => {
    expect(() => encodeLinkEvent({ ...full, prompt_simhash: Buffer.alloc(7) })).toThrow(
      /prompt_simhash is 7 bytes/,
    );
    const b = encodeLinkEvent(full);
    expect(() => decodeLinkEvent(b.subarray(0, b.length - 1))).toThrow(/truncated link event/);
    expect(() => decodeLinkEvent(Buffer.concat([b, Buffer.from([0])]))).toThrow(/stray bytes/);
    expect(() => decodeLinkEvent(Buffer.alloc(0))).toThrow(/truncated link event/);
  });
});
