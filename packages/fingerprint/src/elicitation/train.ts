import { BUCKETS, MAX_N, ngramCodes } from "./features.ts";
import { codesIn, type ElicitationWeights } from "./model.ts";

/** One normalized text and the windows of it that are examples, labelled. */
export interface TrainingText {
  readonly text: string;
  readonly windows: readonly TrainingWindow[];
}

export interface TrainingWindow {
  readonly start: number;
  readonly end: number;
  /** 1: the window holds an instruction to write out reasoning; 0: it does not. */
  readonly label: 0 | 1;
}

export interface TrainingOptions {
  epochs: number;
  /** AdaGrad step size. */
  rate: number;
  /** L2 penalty per update on the weights a window touches. */
  l2: number;
  /** Seed of the example order; the same seed and data give the same weights. */
  seed: number;
  /**
   * The intercept, fixed: text the model has no evidence about (a script it never saw) scores
   * the logistic of this, so it must be well below 0 for "unknown" to mean "not elicitation".
   */
  bias: number;
}

export const DEFAULT_TRAINING: TrainingOptions = { epochs: 6, rate: 0.2, l2: 1e-4, seed: 1, bias: -4 };

/**
 * Logistic regression on window features by AdaGrad, classes weighted to equal total weight
 * (a few thousand instructions against many more ordinary windows). Deterministic: examples are
 * visited in an order drawn from `seed`. Pure; the caller reads corpora and writes weights.
 */
export function trainElicitation(
  texts: readonly TrainingText[],
  options: TrainingOptions = DEFAULT_TRAINING,
  onEpoch?: (epoch: number, loss: number) => void,
): ElicitationWeights {
  const codes = texts.map((t) => {
    const out = new Int32Array(t.text.length * MAX_N);
    ngramCodes(t.text, out);
    return out;
  });
  const examples: [number, number][] = [];
  let pos = 0;
  let neg = 0;
  for (const [ti, t] of texts.entries()) {
    for (const [wi, w] of t.windows.entries()) {
      examples.push([ti, wi]);
      if (w.label === 1) pos++;
      else neg++;
    }
  }

  if (pos === 0 || neg === 0)
    throw new Error(`training needs both classes (got ${pos} positive, ${neg} negative windows)`);
  const total = pos + neg;
  const classWeight = [total / (2 * neg), total / (2 * pos)];
  const w = new Float32Array(BUCKETS);
  const g2 = new Float32Array(BUCKETS).fill(1e-6);
  const bias = options.bias;
  let state = options.seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = examples.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      const t = examples[i] as [number, number];
      examples[i] = examples[j] as [number, number];
      examples[j] = t;
    }
    let loss = 0;
    for (const [ti, wi] of examples) {
      const win = (texts[ti] as TrainingText).windows[wi] as TrainingWindow;
      const c = codes[ti] as Int32Array;
      const scale = 1 / Math.sqrt(codesIn(win.start, win.end));
      let z = bias;
      for (let k = win.start * MAX_N; k < win.end * MAX_N; k++) {
        const code = c[k] as number;
        if (code < 0) continue;
        const v = w[code >>> 1] as number;
        z += code & 1 ? -v * scale : v * scale;
      }
      const p = 1 / (1 + Math.exp(-z));
      const cw = classWeight[win.label] as number;
      loss += cw * -Math.log(win.label === 1 ? Math.max(p, 1e-12) : Math.max(1 - p, 1e-12));
      const g = cw * (p - win.label);
      for (let k = win.start * MAX_N; k < win.end * MAX_N; k++) {
        const code = c[k] as number;
        if (code < 0) continue;
        const b = code >>> 1;
        const grad = (code & 1 ? -g : g) * scale + options.l2 * (w[b] as number);
        g2[b] = (g2[b] as number) + grad * grad;
        w[b] = (w[b] as number) - (options.rate * grad) / Math.sqrt(g2[b] as number);
      }
    }
    onEpoch?.(epoch, loss / examples.length);
  }
  return { weights: w, bias };
}
