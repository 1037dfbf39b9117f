import { type Hash64, hash64 } from "./hash.ts";
import { collapseWhitespace, foldText } from "./normalize.ts";
import { maskFoldedLines } from "./template.ts";
import { boundedView } from "./view.ts";

/**
 * The frame of a question: the first and last paragraphs (split at blank lines) of its masked
 * template, when it has at least two, each hashed as a template is. A scripted campaign wraps
 * each payload in an instruction of its own — "Produce a worked solution for our corpus…\n\n
 * <problem>" or "<problem>\n\nFormat: a numbered list…" — so the whole question's template
 * never repeats (the payload is a real problem), while the wrapper does. Which end is the
 * wrapper no rule can tell (a short problem is shorter than a long instruction), so both ends
 * are kept; the payload's end never repeats, and a linker's first-seen table keeps it out of
 * memory. Paragraphs are those of the masked text: a slot that spans blank lines (a fenced
 * code block) is one placeholder inside one paragraph.
 */
export interface QuestionFrame {
  /** Template hash of the first paragraph; null with fewer than two paragraphs. */
  readonly head: Hash64 | null;
  /** Template hash of the last paragraph; null with fewer than two paragraphs. */
  readonly tail: Hash64 | null;
}

const NONE: QuestionFrame = { head: null, tail: null };

/** A blank line: a newline, blanks, a newline. Linear: the blanks cannot be split two ways. */
const BLANK_LINE = /\n[ \t]*\n/g;

/**
 * The frame of a masked template before whitespace is collapsed (`maskFoldedLines`): the
 * hashes are of the end paragraphs collapsed, as `maskFolded` collapses a whole template, so an
 * end paragraph hashes as the same text sent alone would. Linear.
 */
export function frameOfMasked(maskedLines: string): QuestionFrame {
  const text = maskedLines.trim();
  BLANK_LINE.lastIndex = 0;
  const first = BLANK_LINE.exec(text);
  if (first === null) return NONE;
  const headEnd = first.index;
  let tailStart = BLANK_LINE.lastIndex;
  for (let m = BLANK_LINE.exec(text); m !== null; m = BLANK_LINE.exec(text)) tailStart = BLANK_LINE.lastIndex;
  const head = collapseWhitespace(text.slice(0, headEnd));
  const tail = collapseWhitespace(text.slice(tailStart));
  if (head === "" || tail === "") return NONE;
  return { head: hash64(head), tail: hash64(tail) };
}

/** The frame of a question (the last user message), over its bounded view. */
export function questionFrame(text: string): QuestionFrame {
  return frameOfMasked(maskFoldedLines(foldText(boundedView(text))));
}
