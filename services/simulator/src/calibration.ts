import { readFileSync } from "node:fs";

/**
 * Benign traffic calibrated on a real production trace: Azure LLM inference trace 2023,
 * conversation workload (Patel et al., "Splitwise", ISCA 2024; CC-BY 4.0). The file is read
 * from ../shared/data at run time and never copied into the project.
 */
export interface Calibration {
  /** Token counts per request, row-aligned: (input[i], output[i]) is one real request. */
  input: Int32Array;
  output: Int32Array;
  /** Inter-arrival gaps divided by their mean: keeps the trace's burstiness, not its rate. */
  gapShape: Float64Array;
  stats: { requests: number; inputMedian: number; outputMedian: number; gapCv: number };
}

export const defaultTracePath = new URL(
  "../../../../shared/data/azure-llm-inference-2023-conv.csv",
  import.meta.url,
);

export function parseAzureTrace(csv: string): Calibration {
  const lines = csv.split("\n");
  const header = lines[0]?.trim();
  if (header !== "TIMESTAMP,ContextTokens,GeneratedTokens") {
    throw new Error(`unexpected trace header '${header}'; expected TIMESTAMP,ContextTokens,GeneratedTokens`);
  }
  const n = lines.length - 1;
  const input = new Int32Array(n);
  const output = new Int32Array(n);
  const times = new Float64Array(n);
  let k = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    const [ts, ctx, gen] = line.split(",");
    // "2023-11-16 18:15:46.6805900": Date.parse wants ISO with at most ms precision.
    const t = Date.parse(`${(ts ?? "").slice(0, 23).replace(" ", "T")}Z`);
    const a = Number(ctx);
    const b = Number(gen);
    if (!Number.isFinite(t) || !Number.isFinite(a) || !Number.isFinite(b)) {
      throw new Error(`trace line ${i + 1} is malformed: '${line}'`);
    }
    input[k] = a;
    output[k] = b;
    times[k] = t;
    k++;
  }
  const gaps = new Float64Array(k - 1);
  let sum = 0;
  for (let i = 1; i < k; i++) {
    const g = Math.max(0, (times[i] as number) - (times[i - 1] as number));
    gaps[i - 1] = g;
    sum += g;
  }
  const mean = sum / gaps.length;
  let sq = 0;
  for (let i = 0; i < gaps.length; i++) {
    const v = (gaps[i] as number) / mean;
    gaps[i] = v;
    sq += (v - 1) * (v - 1);
  }
  const median = (a: Int32Array) => {
    const s = Int32Array.from(a.subarray(0, k)).sort();
    return s[s.length >> 1] as number;
  };
  return {
    input: input.subarray(0, k),
    output: output.subarray(0, k),
    gapShape: gaps,
    stats: {
      requests: k,
      inputMedian: median(input),
      outputMedian: median(output),
      gapCv: Math.sqrt(sq / gaps.length),
    },
  };
}

export function loadAzureTrace(path: string | URL = defaultTracePath): Calibration {
  let csv: string;
  try {
    csv = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(
      `cannot read the calibration trace at ${String(path)} (${(e as Error).message}); set DG_SIM_TRACE to azure-llm-inference-2023-conv.csv from shared/data`,
    );
  }
  return parseAzureTrace(csv);
}
