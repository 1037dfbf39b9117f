import { describe, expect, it } from "vitest";
import { ECHO, NEW_QUESTION, OWN_REPEAT, QuestionTable } from "./questions.ts";

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

  it("tells a repeat of the account's own question from an echo of another's", () => {
    const q = new QuestionTable(1 << 12);
    expect(q.ask(sim(7, 8), 0.7, 3)).toBe(NEW_QUESTION);
    expect(q.ask(sim(7, 8), 0.7, 3)).toBe(OWN_REPEAT);
    expect(q.ask(sim(7, 9), 0.7, 4)).toBe(ECHO); // a near-duplicate, asked by another
    expect(q.ask(sim(7, 8), 1, 4)).toBe(NEW_QUESTION); // another temperature: a sample of its own
    expect(q.ask(sim(7, 8), 0.7, -1)).toBe(OWN_REPEAT); // an unknown asker echoes no one
    // Askers survive a checkpoint; a checkpoint from before they were kept knows none.
    const r = new QuestionTable(1 << 12);
    r.restore(q.used(), q.askers());
    expect(r.ask(sim(7, 8), 0.7, 5)).toBe(ECHO);
    const old = new QuestionTable(1 << 12);
    old.restore(q.used());
    expect(old.ask(sim(7, 8), 0.7, 5)).toBe(OWN_REPEAT);
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
