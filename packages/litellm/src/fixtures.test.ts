import { apiRequestCodec } from "@distillguard/contract";
import { describe, expect, it } from "vitest";
import { litellmFixtures } from "./fixtures.ts";
import { toApiRequest } from "./map.ts";
import { decodeStandardLoggingPayload } from "./parse.ts";

const fixtures = litellmFixtures();

/** Every 24-character window of every message text: none may survive into the output. */
function promptWindows(bytes: Buffer): string[] {
  const texts: string[] = [];
  const collect = (v: unknown) => {
    if (typeof v === "string") texts.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === "object") Object.values(v).forEach(collect);
  };
  collect(JSON.parse(bytes.toString("utf8")).messages);
  const windows: string[] = [];
  for (const t of texts) for (let i = 0; i + 24 <= t.length; i += 8) windows.push(t.slice(i, i + 24));
  return windows;
}

describe("LiteLLM fixtures map to their expected ApiRequest", () => {
  it("covers the documented cases", () => {
    expect(fixtures.map((f) => f.name)).toEqual([
      "chat-stream",
      "chat-system",
      "chinese-cot",
      "failure-429",
      "reasoning-model",
      "tool-call",
    ]);
  });

  for (const f of fixtures) {
    describe(f.name, () => {
      const actual = toApiRequest(decodeStandardLoggingPayload(f.bytes));

      it("maps field by field", () => {
        expect(actual).toEqual(f.expected);
      });

      it("is a valid ApiRequest on the wire", () => {
        expect(apiRequestCodec.validate(actual)).toEqual([]);
        expect(apiRequestCodec.decode(apiRequestCodec.encode(actual)).request_id).toBe(f.expected.request_id);
      });

      it("carries no prompt text", () => {
        const out = JSON.stringify(actual);
        const windows = promptWindows(f.bytes);
        expect(windows.length).toBeGreaterThan(0);
        for (const w of windows) expect(out).not.toContain(w);
      });
    });
  }
});
