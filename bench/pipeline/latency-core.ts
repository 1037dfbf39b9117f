// When did the pipeline have what it needed to emit an output? The detector evaluates time T on
// a partition when it reads that partition's first record with event time ≥ T; the linker
// evaluates T once every partition's announced watermark (max event time − lateness, floored
// to the tick) reached T. Latency is the output's timestamp minus the append time of the
// record that made the evaluation possible: the pipeline's own delay, whatever the
// evaluation cadence (which adds up to one interval of event time on top, by design).

/** One input partition's records in offset order: running max event time, append time. */
export class PartitionTimeline {
  private maxEvent: number[] = [];
  private append: number[] = [];

  push(eventMs: number, appendMs: number): void {
    const prev = this.maxEvent.length > 0 ? (this.maxEvent.at(-1) as number) : Number.NEGATIVE_INFINITY;
    this.maxEvent.push(Math.max(prev, eventMs));
    this.append.push(appendMs);
  }

  get length(): number {
    return this.append.length;
  }

  /** Append time of the first record whose running max event time reaches `ms`, or null. */
  appendWhenMaxReaches(ms: number): number | null {
    let lo = 0;
    let hi = this.maxEvent.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.maxEvent[mid] as number) >= ms) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.append.length ? (this.append[lo] as number) : null;
  }

  /** Append time of the record after which the detector evaluates `t` (first event ≥ t). */
  evaluationTrigger(t: number): number | null {
    return this.appendWhenMaxReaches(t);
  }

  /** Append time of the record that moved this partition's announced watermark to ≥ `t`. */
  watermarkTrigger(t: number, latenessMs: number, tickMs: number): number | null {
    // floor((max − lateness) / tick) · tick ≥ t  ⇔  max ≥ ceil(t / tick) · tick + lateness
    return this.appendWhenMaxReaches(Math.ceil(t / tickMs) * tickMs + latenessMs);
  }
}

/** When the linker could evaluate `t`: the last partition's watermark to get there. */
export function linkerTrigger(
  partitions: readonly PartitionTimeline[],
  t: number,
  latenessMs: number,
  tickMs: number,
): number | null {
  let last = Number.NEGATIVE_INFINITY;
  for (const p of partitions) {
    if (p.length === 0) continue;
    const at = p.watermarkTrigger(t, latenessMs, tickMs);
    if (at === null) return null;
    last = Math.max(last, at);
  }
  return Number.isFinite(last) ? last : null;
}

export interface LatencySummary {
  count: number;
  /** Negative only if the trigger model disagreed with the services (an output before its input). */
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles (no interpolation: every figure is a latency that happened). */
export function summarize(latencies: readonly number[]): LatencySummary | null {
  if (latencies.length === 0) return null;
  const sorted = Float64Array.from(latencies).sort();
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return {
    count: sorted.length,
    min: sorted[0] as number,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
    max: sorted[sorted.length - 1] as number,
  };
}
