/**
 * The linker's event-time clock: the lowest watermark over the detectors' source partitions,
 * leaving out sources that have gone idle.
 *
 * A source partition without traffic sends no watermark, so without idleness one quiet
 * partition holds every campaign back forever. As in Flink's `withIdleness`, a source that has
 * sent nothing (no watermark, no observations) for `idleMs` of wall time stops counting, and
 * counts again from its next record. The price is determinism: a detector that is merely slow
 * for longer than `idleMs` is taken for idle, and its observations behind the clock that moved
 * on without it are dropped as late (counted in `late`). Hence 0, off, unless configured.
 */
export interface SourceClocks {
  /** Source partitions 0..sources-1, learnt from the watermark records. */
  sources: number;
  watermarks: ReadonlyMap<number, number>;
  /** Wall time of the last record from each source. */
  lastInputAt: ReadonlyMap<number, number>;
  /** Wall time the linker started waiting: the last input of a source not heard from yet. */
  since: number;
}

/** Sources that count no more: silent for at least `idleMs` (none when `idleMs` is 0). */
export function idleSources(c: SourceClocks, nowMs: number, idleMs: number): number[] {
  if (idleMs <= 0) return [];
  const idle: number[] = [];
  for (let p = 0; p < c.sources; p++) {
    if (nowMs - (c.lastInputAt.get(p) ?? c.since) >= idleMs) idle.push(p);
  }
  return idle;
}

/**
 * The watermark the linker may advance to, or null while it must wait: no source known yet, an
 * active source without a watermark, or every source idle (nothing says how far time went).
 */
export function combinedWatermark(c: SourceClocks, idle: readonly number[]): number | null {
  if (c.sources === 0) return null;
  let low = Number.POSITIVE_INFINITY;
  let active = 0;
  for (let p = 0; p < c.sources; p++) {
    if (idle.includes(p)) continue;
    active++;
    const w = c.watermarks.get(p);
    if (w === undefined) return null;
    low = Math.min(low, w);
  }
  return active === 0 ? null : low;
}
