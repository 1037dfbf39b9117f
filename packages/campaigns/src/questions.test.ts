import { describe, expect, it } from "vitest";
import { QuestionTable } from "./questions.ts";

const sim = (hi: number, lo: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(hi >>> 0, 0);
  b.writeUInt32BE(lo >>> 0, 4);
  return b;
};

describe("QuestionTable", () => {
  it("takes the same prompt, or one a few bits away, as a question already asked", () => {
    const q = new QuestionTable(1 << 12);
    expect(q.novel(sim(0x12345678, 0x9abcdef0))).toBe(true);
    expect(q.novel(sim(0x12345678, 0x9abcdef0))).toBe(false);
    // Three bits apart, in three different bands: one band still agrees.
    expect(q.novel(sim(0x12345679, 0x9abddef1))).toBe(false);
    // Ten bits apart: another question.
    expect(q.novel(sim(0x123456ff, 0x9abcde0f))).toBe(true);
  });

  it("takes the same prompt at another temperature as a new sample", () => {
    const q = new QuestionTable(1 << 12);
    expect(q.novel(sim(1, 2), null)).toBe(true);
    expect(q.novel(sim(1, 2), 0.7)).toBe(true);
    expect(q.novel(sim(1, 2), 0.7)).toBe(false);
    expect(q.novel(sim(1, 2), 1)).toBe(true);
    expect(q.novel(sim(1, 2), null)).toBe(false);
  });

  it("keeps what it has seen through a checkpoint", () => {
    const q = new QuestionTable(1 << 12);
    for (let i = 0; i < 300; i++) q.novel(sim(i * 2654435761, i), i % 3 === 0 ? 0.5 : null);
    const r = new QuestionTable(1 << 12);
    r.restore(q.used());
    expect(r.used()).toEqual(q.used());
    let repeats = 0;
    for (let i = 0; i < 300; i++) if (!r.novel(sim(i * 2654435761, i), i % 3 === 0 ? 0.5 : null)) repeats++;
    expect(repeats).toBeGreaterThan(290);
  });
});
