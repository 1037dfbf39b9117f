/*
 * Features of the elicitation model: hashed character n-grams (n = 1..MAX_N) of normalized
 * text, read in fixed windows. An instruction to write out one's reasoning is a short span
 * somewhere in a prompt that may be long, so a prompt's score is its best window's: a long
 * problem or document around the instruction neither dilutes it nor adds up to a false one.
 * Part of the model contract: weights are only valid for the constants below.
 */

/** n-gram lengths 1..MAX_N, in UTF-16 units of the normalized text. */
export const MAX_N = 5;
export const BUCKET_BITS = 18;
export const BUCKETS = 1 << BUCKET_BITS;
/** Window length and stride, in UTF-16 units. */
export const WINDOW = 128;
export const STRIDE = 32;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** The bucket-and-sign code of an n-gram from its FNV-1a state (n mixed in, then murmur fmix32). */
export function finishCode(fnv: number, n: number): number {
  let h = fnv ^ Math.imul(n, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> (32 - BUCKET_BITS)) << 1) | (h & 1);
}

/**
 * The n-gram codes of `text`: for position i, MAX_N codes (n = 1..MAX_N) of the n-grams ending
 * at i, each `bucket << 1 | sign` (signed hashing halves the bias of collisions), or -1 where
 * the n-gram would start before the text. Writes into `out` (length ≥ text.length · MAX_N).
 * FNV-1a is extended one unit at a time, so the n-gram ending at i is the (n−1)-gram ending at
 * i−1 plus one step: MAX_N steps per unit, not 1 + 2 + … + MAX_N.
 */
export function ngramCodes(text: string, out: Int32Array): void {
  const state = new Int32Array(MAX_N + 1);
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    for (let n = Math.min(i + 1, MAX_N); n >= 1; n--) {
      state[n] = Math.imul((n === 1 ? FNV_OFFSET : (state[n - 1] as number)) ^ c, FNV_PRIME);
    }
    for (let n = 1; n <= MAX_N; n++)
      out[i * MAX_N + n - 1] = n <= i + 1 ? finishCode(state[n] as number, n) : -1;
  }
}

/**
 * The windows `[start, end)` a text of `len` units is read in: one window when it is at most
 * WINDOW long, else windows of WINDOW units every STRIDE units, the last one ending at `len`.
 */
export function windowCount(len: number): number {
  if (len <= WINDOW) return 1;
  return Math.ceil((len - WINDOW) / STRIDE) + 1;
}

export function windowStart(len: number, w: number): number {
  if (len <= WINDOW) return 0;
  return Math.min(w * STRIDE, len - WINDOW);
}

export function windowEnd(len: number, w: number): number {
  return len <= WINDOW ? len : windowStart(len, w) + WINDOW;
}
