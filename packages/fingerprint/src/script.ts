/**
 * Scripts written without spaces between words, as fixed code point ranges rather than
 * Unicode properties so the set cannot move with the JavaScript engine's Unicode version:
 * CJK Radicals and Kangxi Radicals, 々〆〇, Hangzhou numerals, Hiragana, Katakana, Bopomofo
 * (and its extension), Katakana phonetic extensions, CJK Extension A, CJK Unified
 * Ideographs, CJK Compatibility Ideographs, and planes 2–3 (Extension B onwards).
 * Part of the simhash contract: a change moves every hash of such text.
 */
export const UNSPACED_RANGES: readonly (readonly [number, number])[] = [
  [0x2e80, 0x2fdf],
  [0x3005, 0x3007],
  [0x3021, 0x3029],
  [0x3040, 0x30ff],
  [0x3100, 0x312f],
  [0x31a0, 0x31bf],
  [0x31f0, 0x31ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xf900, 0xfaff],
  [0x20000, 0x3ffff],
];

export function isUnspacedScript(cp: number): boolean {
  if (cp < 0x2e80) return false;
  for (const [lo, hi] of UNSPACED_RANGES) if (cp >= lo && cp <= hi) return true;
  return false;
}

/** The same ranges as the body of a `u`-flag regular expression character class. */
export const UNSPACED_CLASS = UNSPACED_RANGES.map(
  ([lo, hi]) => `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`,
).join("");
