import { boundedView } from "./view.ts";

/**
 * Response-side evidence: does an answer carry an explicit reasoning trace? An extraction
 * campaign is after worked reasoning, whatever words its prompts use, so the answer it
 * harvests is evidence the prompt cannot disguise. The provider's own model writes the
 * answer, not the adversary, so structure is a steadier signal than on the prompt side.
 *
 * Counted in one pass over the bounded view (cost bounded whatever the answer's size):
 * - derivations: `=` between a number (or a closing bracket) and a number, `×`/`÷` between
 *   numbers — "5+6=11", "48 / 2 = 24" — in any script, inline or one per line;
 * - enumerated steps: lines that start with "1." / "2)" / "3、" (after indentation or
 *   markdown list and heading marks);
 * - closing tags `</name>` (deliberation wrapped in tags, as campaigns ask);
 * - `\boxed{`, the answer box of maths-tuned models.
 * Each kind saturates, so a long numbered recipe alone stays below a short derivation with
 * steps. Text a model was asked to hide its reasoning in (a separate `reasoning_content`,
 * thinking blocks) is a trace by definition: the caller passes it as `reasoning`.
 */
export interface ResponseTrace {
  /** 0..1: how much of a reasoning trace the answer carries. */
  readonly trace: number;
  readonly derivations: number;
  readonly steps: number;
  readonly tags: number;
}

// Weights per occurrence and caps per kind, set on the tune sources of
// bench/response-trace (GSM8K train solutions vs Dolly answers, first halves only).
const DERIVATION_WEIGHT = 0.35;
const DERIVATION_CAP = 6;
const STEP_WEIGHT = 0.1;
const STEP_CAP = 5;
const TAG_WEIGHT = 0.6;
const TAG_CAP = 3;
const BOXED_WEIGHT = 1;

const EQUALS = 0x3d;
const LT = 0x3c;
const SLASH = 0x2f;
const GT = 0x3e;
const NEWLINE = 0x0a;

function isDigit(c: number): boolean {
  if (c <= 0x39) return c >= 0x30;
  // Full-width, Arabic-Indic, Devanagari, Bengali, Telugu, Thai: answers in those languages
  // write numbers in their own digits as often as in ASCII ones.
  return (
    (c >= 0xff10 && c <= 0xff19) ||
    (c >= 0x0660 && c <= 0x0669) ||
    (c >= 0x0966 && c <= 0x096f) ||
    (c >= 0x09e6 && c <= 0x09ef) ||
    (c >= 0x0c66 && c <= 0x0c6f) ||
    (c >= 0x0e50 && c <= 0x0e59)
  );
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0xa0 || c === 0x3000;
}

function isTagLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x2d;
}

/** The trace evidence of one answer; `reasoning` is reasoning text the model returned beside it. */
export function responseTrace(text: string, reasoning: string | null = null): ResponseTrace {
  const view = boundedView(text);
  const n = view.length;
  let derivations = 0;
  let steps = 0;
  let tags = 0;
  let boxed = 0;
  let lineStart = true;
  // Last non-space character before i, and whether a digit run ended there.
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const c = view.charCodeAt(i);
    if (c === NEWLINE) {
      lineStart = true;
      prev = c;
      continue;
    }
    if (isSpace(c)) continue;
    if (lineStart) {
      lineStart = false;
      // Skip list and heading marks: "- 1.", "## 2)", "* 3、".
      let j = i;
      while (j < n) {
        const m = view.charCodeAt(j);
        if (m === 0x2d || m === 0x2a || m === 0x23 || m === 0x3e || isSpace(m)) j++;
        else break;
      }
      let k = j;
      while (k < n && k - j < 3 && isDigit(view.charCodeAt(k))) k++;
      if (k > j) {
        const after = view.charCodeAt(k);
        if (after === 0x3001 || after === 0xff0e) steps++;
        else if (after === 0x2e || after === 0x29 || after === 0x3a) {
          // "1. " is a step, "1.5" is a number.
          const next = view.charCodeAt(k + 1);
          if (k + 1 >= n || isSpace(next) || next > 0x7f) steps++;
        }
      }
    }
    if (c === EQUALS || c === 0xd7 || c === 0xf7) {
      const before = prev;
      let j = i + 1;
      while (j < n && isSpace(view.charCodeAt(j))) j++;
      const after = view.charCodeAt(j);
      if (
        (isDigit(before) || before === 0x29) &&
        (isDigit(after) || after === 0x24 || after === 0x28 || after === 0x2d || after === 0x20ac)
      ) {
        derivations++;
      }
    } else if (c === LT && view.charCodeAt(i + 1) === SLASH) {
      let j = i + 2;
      while (j < n && j - i < 24 && isTagLetter(view.charCodeAt(j))) j++;
      if (j > i + 3 && view.charCodeAt(j) === GT) tags++;
    } else if (c === 0x5c && view.startsWith("\\boxed{", i)) {
      boxed++;
    }
    prev = c;
  }
  const evidence =
    DERIVATION_WEIGHT * Math.min(derivations, DERIVATION_CAP) +
    STEP_WEIGHT * Math.min(steps, STEP_CAP) +
    TAG_WEIGHT * Math.min(tags, TAG_CAP) +
    BOXED_WEIGHT * Math.min(boxed, 1);
  const returnedReasoning = reasoning !== null && reasoning.trim() !== "";
  return {
    trace: returnedReasoning ? 1 : 1 - Math.exp(-evidence),
    derivations,
    steps,
    tags,
  };
}
