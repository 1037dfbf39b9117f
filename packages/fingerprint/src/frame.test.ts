import { describe, expect, it } from "vitest";
import { frameOfMasked, questionFrame } from "./frame.ts";
import { hash64Hex } from "./hash.ts";
import { foldText } from "./normalize.ts";
import { maskFoldedLines, templateHash } from "./template.ts";

const hex = (h: Uint8Array | null) => (h === null ? null : hash64Hex(h));
const wrapper =
  "Produce a worked solution for our fine-tuning corpus: the full rationale first, the final answer last.";
const problems = [
  "Bob has to hire someone to fix his garden. A storm destroyed all 20 of his rose bushes. How much did it cost?",
  "Kirill is 14 less centimeters in height than his brother. Together their heights equal 112 centimeters.",
  "Sarah buys 20 pencils on Monday. Then she buys 18 more pencils on Tuesday. How many pencils does she have?",
];

describe("questionFrame", () => {
  it("gives a wrapper before the payload one head, whatever the payload", () => {
    const frames = problems.map((p) => questionFrame(`${wrapper}\n\n${p}`));
    expect(new Set(frames.map((f) => hex(f.head))).size).toBe(1);
    expect(new Set(frames.map((f) => hex(f.tail))).size).toBe(3);
    // The whole question's template differs every time: that is why the frame exists.
    expect(new Set(problems.map((p) => hash64Hex(templateHash(`${wrapper}\n\n${p}`)))).size).toBe(3);
  });

  it("gives a wrapper after the payload one tail, and its numbers are slots", () => {
    const frames = problems.map((p, i) =>
      questionFrame(`${p}\n\nFormat: a numbered list of at most ${i + 3} lines, then 'FINAL: <answer>'.`),
    );
    expect(new Set(frames.map((f) => hex(f.tail))).size).toBe(1);
    expect(new Set(frames.map((f) => hex(f.head))).size).toBe(3);
  });

  it("is the template hash of each end paragraph", () => {
    const f = questionFrame(`${wrapper}\n\nmiddle paragraph\n\n${problems[0]}`);
    expect(hex(f.head)).toBe(hash64Hex(templateHash(wrapper)));
    expect(hex(f.tail)).toBe(hash64Hex(templateHash(problems[0] ?? "")));
  });

  it("has no frame with one paragraph, or with blank lines only at the ends", () => {
    expect(questionFrame(problems[0] ?? "")).toEqual({ head: null, tail: null });
    expect(questionFrame(`\n\n  ${problems[0]}\n \n\n`)).toEqual({ head: null, tail: null });
    expect(questionFrame(`line one\nline two`)).toEqual({ head: null, tail: null });
    expect(questionFrame("")).toEqual({ head: null, tail: null });
  });

  it("splits at blank lines of blanks and tabs, and CRLF text like LF text", () => {
    const lf = questionFrame(`${wrapper}\n \t\n${problems[1]}\n\n\n`);
    const crlf = questionFrame(`${wrapper}\r\n\r\n${problems[1]}`);
    expect(hex(lf.head)).toBe(hex(crlf.head));
    expect(hex(lf.tail)).toBe(hex(crlf.tail));
    expect(lf.head).not.toBeNull();
  });

  it("reads paragraphs off the masked text: a code block with blank lines inside is one slot", () => {
    const code = (body: string) => `Fix this function:\n\n\`\`\`\n${body}\n\`\`\`\n\nExplain each change.`;
    const a = questionFrame(code("def f(x):\n\n    return x"));
    const b = questionFrame(code("int main() {\n\n  return 0;\n\n}"));
    expect(hex(a.head)).toBe(hex(b.head));
    expect(hex(a.tail)).toBe(hex(b.tail));
    expect(hex(a.tail)).toBe(hash64Hex(templateHash("Explain each change.")));
  });

  it("pins its hashes (wire contract: a change needs a new field)", () => {
    const f = frameOfMasked(maskFoldedLines(foldText(`${wrapper}\n\n${problems[0]}`)));
    expect([hex(f.head), hex(f.tail)]).toMatchInlineSnapshot(`
      [
        "bbb0a457d46f18e8",
        "7daf43023a93ba5a",
      ]
    `);
  });
});
