import { BUCKET_BITS, MAX_N, STRIDE, WINDOW } from "./features.ts";
import { type ElicitationWeights, elicitationProbability } from "./model.ts";
import { BIAS, INT8_BASE64, SCALE, SHAPE } from "./weights.ts";

/** The model reads at most this much of a text: its head and its tail, where instructions sit. */
export const MODEL_HEAD = 4_096;
export const MODEL_TAIL = 4_096;

let committed: ElicitationWeights | null = null;

/** The committed weights, decoded once; throws if they were trained for other features. */
export function committedWeights(): ElicitationWeights {
  if (committed) return committed;
  const trained = [SHAPE.BUCKET_BITS, SHAPE.MAX_N, SHAPE.WINDOW, SHAPE.STRIDE].join("/");
  const now = [BUCKET_BITS, MAX_N, WINDOW, STRIDE].join("/");
  if (trained !== now)
    throw new Error(`elicitation weights were trained for ${trained}, features are ${now}: retrain`);
  const bytes = Uint8Array.from(atob(INT8_BASE64), (c) => c.charCodeAt(0));
  const q = new Int8Array(bytes.buffer);
  const weights = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) weights[i] = (q[i] as number) * SCALE;
  committed = { weights, bias: BIAS };
  return committed;
}

/**
 * The trained model's probability that `normalized` (normalizeText output) asks for the
 * model's reasoning to be written out, in [0, 1]: the best 128-unit window of its head and tail.
 * Bounded cost: at most MODEL_HEAD + MODEL_TAIL units are read, whatever the text's length.
 */
export function elicitationModelScoreNormalized(normalized: string, weights = committedWeights()): number {
  if (normalized.length <= MODEL_HEAD + MODEL_TAIL) return elicitationProbability(normalized, weights);
  return Math.max(
    elicitationProbability(normalized.slice(0, MODEL_HEAD), weights),
    elicitationProbability(normalized.slice(normalized.length - MODEL_TAIL), weights),
  );
}
