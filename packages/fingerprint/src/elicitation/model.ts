import {
  BUCKETS,
  finishCode,
  MAX_N,
  STRIDE,
  WINDOW,
  windowCount,
  windowEnd,
  windowStart,
} from "./features.ts";

/** A linear model over hashed n-grams: one weight per signed bucket, and a bias. */
export interface ElicitationWeights {
  readonly weights: Float32Array;
  readonly bias: number;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const state = new Int32Array(MAX_N + 1);
// Prefix sums of per-position contributions, grown to the longest text seen: no per-call
// allocation on the hot path (texts are bounded views, so it stays small).
let prefix = new Float64Array(1 << 15);

/** Codes of n-grams (n = 1..MAX_N) ending at positions [start, end). */
export function codesIn(start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end && i < MAX_N - 1; i++) c += i + 1;
  const full = end - Math.max(start, MAX_N - 1);
  return c + (full > 0 ? full * MAX_N : 0);
}

/**
 * The model's logit for each window of `text` (normalized), maximum taken: the score of the
 * prompt's most elicitation-like span. One pass over the text; -Infinity for empty text.
 */
export function maxWindowLogit(text: string, m: ElicitationWeights): number {
  const len = text.length;
  if (len === 0) return Number.NEGATIVE_INFINITY;
  if (prefix.length < len + 1) prefix = new Float64Array(Math.max(len + 1, prefix.length * 2));
  const w = m.weights;
  const st = state;
  prefix[0] = 0;
  let run = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    // Same codes as features.ts ngramCodes (a test checks they agree), without the array.
    for (let n = Math.min(i + 1, MAX_N); n >= 1; n--) {
      const h = Math.imul((n === 1 ? FNV_OFFSET : (st[n - 1] as number)) ^ c, FNV_PRIME);
      st[n] = h;
      const code = finishCode(h, n);
      const v = w[code >>> 1] as number;
      run += code & 1 ? -v : v;
    }
    prefix[i + 1] = run;
  }
  let best = Number.NEGATIVE_INFINITY;
  const windows = windowCount(len);
  for (let k = 0; k < windows; k++) {
    const a = windowStart(len, k);
    const b = windowEnd(len, k);
    const z = ((prefix[b] as number) - (prefix[a] as number)) / Math.sqrt(codesIn(a, b)) + m.bias;
    if (z > best) best = z;
  }
  return best;
}

/** Probability-like score in [0, 1]: the logistic of the best window's logit. */
export function elicitationProbability(text: string, m: ElicitationWeights): number {
  const z = maxWindowLogit(text, m);
  return z === Number.NEGATIVE_INFINITY ? 0 : 1 / (1 + Math.exp(-z));
}

export const MODEL_SHAPE = { WINDOW, STRIDE, MAX_N, BUCKETS } as const;
