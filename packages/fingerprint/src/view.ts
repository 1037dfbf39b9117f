/*
 * The bounded view: the part of a prompt that fingerprints are computed from. Prompts up to
 * VIEW_WHOLE_LIMIT UTF-16 units are taken whole; a longer one is its head, evenly spaced
 * windows of its middle and its tail, so a 1.6 MB prompt costs what a 16 KB one does
 * (issue 12: a per-record budget that holds by construction). Part of the hash contract.
 */

/** Texts at most this long (UTF-16 units) are their own view. */
export const VIEW_WHOLE_LIMIT = 16_384;
export const VIEW_HEAD = 8_192;
export const VIEW_TAIL = 4_096;
export const VIEW_WINDOWS = 4;
export const VIEW_WINDOW = 1_024;
/** How far a cut may move to land on a line break (or, failing that, on a space). */
const SNAP = 128;

// Pieces are joined by a line break: a label block or a paragraph may run across a cut,
// but never into a word on the other side.
const JOIN = "\n";

/**
 * The text fingerprints are computed from: the text itself up to VIEW_WHOLE_LIMIT units,
 * else head + windows + tail joined by "\n". Windows are centred at 1/5 … 4/5 of the middle;
 * every inner cut moves (within SNAP units) onto a line break, else onto a space, so pieces
 * are whole lines (or words) and two near-identical texts are cut at the same words; a cut
 * never splits a surrogate pair.
 */
export function boundedView(text: string): string {
  const n = text.length;
  if (n <= VIEW_WHOLE_LIMIT) return text;
  const headEnd = snapBack(text, VIEW_HEAD);
  const tailStart = snapForward(text, n - VIEW_TAIL);
  const pieces = [text.slice(0, headEnd)];
  const middle = tailStart - headEnd;
  for (let k = 1; k <= VIEW_WINDOWS; k++) {
    const centre = headEnd + Math.floor((middle * k) / (VIEW_WINDOWS + 1));
    const start = snapForward(text, centre - VIEW_WINDOW / 2);
    const end = snapBack(text, Math.max(start, centre + VIEW_WINDOW / 2));
    if (end > start) pieces.push(text.slice(start, end));
  }
  pieces.push(text.slice(tailStart));
  return pieces.join(JOIN);
}

/** A cut at or after i: after the first "\n" in [i, i + SNAP), else after the first space. */
function snapForward(text: string, i: number): number {
  // Scans SNAP units at most: indexOf would run to the end of a text with no line break,
  // making the view's cost grow with the text.
  const limit = Math.min(text.length, i + SNAP);
  let space = -1;
  for (let k = i; k < limit; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x0a) return k + 1;
    if (c === 0x20 && space < 0) space = k;
  }
  return space >= 0 ? space + 1 : unitBoundary(text, i);
}

/** A cut at or before i: at the last "\n" in [i - SNAP, i), else at the last space. */
function snapBack(text: string, i: number): number {
  const floor = Math.max(0, i - SNAP);
  let space = -1;
  for (let k = i - 1; k >= floor; k--) {
    const c = text.charCodeAt(k);
    if (c === 0x0a) return k;
    if (c === 0x20 && space < 0) space = k;
  }
  return space >= 0 ? space : unitBoundary(text, i);
}

/** i, or i + 1 when i falls between the two halves of a surrogate pair. */
function unitBoundary(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const prev = text.charCodeAt(i - 1);
  return c >= 0xdc00 && c <= 0xdfff && prev >= 0xd800 && prev <= 0xdbff ? i + 1 : i;
}
