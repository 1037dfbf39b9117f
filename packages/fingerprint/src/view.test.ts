import { describe, expect, it } from "vitest";
import { fingerprintPrompt } from "./fingerprint.ts";
import { hammingDistance } from "./hash.ts";
import { simhash64 } from "./simhash.ts";
import { boundedView, VIEW_HEAD, VIEW_TAIL, VIEW_WHOLE_LIMIT } from "./view.ts";

/** Deterministic made-up prose (5,000 words), ten words a line, n UTF-16 units or a little more. */
function prose(seed: number, n: number): string {
  let x = seed >>> 0;
  const out: string[] = [];
  let length = 0;
  while (length < n) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const w = `w${(x >>> 8) % 5000}${out.length % 10 === 9 ? ".\n" : " "}`;
    out.push(w);
    length += w.length;
  }
  return out.join("");
}

describe("boundedView", () => {
  it("is the text itself up to the limit", () => {
    const t = prose(1, VIEW_WHOLE_LIMIT - 10).slice(0, VIEW_WHOLE_LIMIT);
    expect(boundedView(t)).toBe(t);
    expect(boundedView("")).toBe("");
  });

  it("keeps the head and the tail of a long text, and its size bounded", () => {
    for (const n of [VIEW_WHOLE_LIMIT + 1, 100_000, 1_600_000]) {
      const t = prose(n, n);
      const v = boundedView(t);
      expect(v.length).toBeLessThanOrEqual(VIEW_WHOLE_LIMIT + 64);
      expect(v.length).toBeGreaterThan(VIEW_HEAD + VIEW_TAIL - 256);
      expect(t.startsWith(v.slice(0, VIEW_HEAD - 128))).toBe(true);
      expect(t.endsWith(v.slice(-(VIEW_TAIL - 128)))).toBe(true);
    }
  });

  it("cuts at line breaks when there is one nearby", () => {
    const t = prose(3, 200_000);
    const lines = boundedView(t).split("\n");
    // Every line of the view is a whole line of the text: each cut landed on a "\n".
    for (const line of lines.slice(1, -1)) expect(t.includes(`\n${line}\n`)).toBe(true);
  });

  it("never splits a surrogate pair", () => {
    const t = "𠀀".repeat(50_000); // no spaces or line breaks to snap to
    const v = boundedView(t);
    for (const piece of v.split("\n")) {
      expect(piece.length % 2).toBe(0);
      expect(piece.codePointAt(0)).toBe(0x20000);
    }
  });

  it("keeps a near-duplicate near: one word changed in the middle of 300 KB", () => {
    const a = prose(5, 300_000);
    const at = a.indexOf(" ", 150_000);
    const b = `${a.slice(0, at)} extra${a.slice(at)}`;
    expect(hammingDistance(simhash64(a), simhash64(b))).toBeLessThanOrEqual(6);
    expect(fingerprintPrompt({ user: a }).templateHash).toEqual(fingerprintPrompt({ user: a }).templateHash);
  });

  it("keeps unrelated long texts apart", () => {
    const a = prose(7, 300_000);
    const b = `${prose(8, 8_000)}${a.slice(8_000)}`;
    expect(hammingDistance(simhash64(a), simhash64(b))).toBeGreaterThan(6);
  });
});
