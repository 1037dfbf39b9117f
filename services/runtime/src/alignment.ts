/**
 * Event-time alignment of the partitions one member consumes (Flink's watermark alignment, within
 * a member): a partition whose watermark runs more than `maxDriftMs` ahead of the slowest
 * partition that still has input waiting is held back until that one catches up.
 *
 * Why: with a backlog the broker's fetches do not share themselves out evenly in event time, so
 * partitions drift apart by hours (measured: 150 min after one minute of overload), and whatever
 * waits for every partition's watermark downstream (the linker) buffers everything in between.
 * Holding the fast partitions back bounds that buffer by the drift, not by the backlog.
 *
 * Only a partition with input waiting can hold others back: one that is caught up (or idle) has
 * nothing to catch up with, and waiting for it would stop the member. Nor can a clock nobody
 * refreshed for `staleAfterMs` of wall time (a partition whose remaining records never arrive,
 * such as those of a transaction still open): alignment moves work between partitions, it never
 * decides what the results are, so wall time is safe to use here.
 *
 * A partition just assigned, with input waiting but no batch yet, has no clock to compare, and
 * the broker may serve the others first for several fetches (a fetch gives each partition a byte
 * budget, and a partition whose next record batch is larger than that gets nothing unless it
 * leads the request). Until its first batch shows where it is, it holds back every partition
 * that has a clock, so its first fetch is not crowded out.
 */
export interface PartitionClock {
  /** The partition's event-time watermark after its last batch; null: input waiting, no batch yet. */
  watermarkMs: number | null;
  /** Records were waiting past that batch (the fetch's high watermark was beyond it). */
  backlog: boolean;
  /** Wall time of that batch. */
  at: number;
}

export interface AlignmentPolicy {
  maxDriftMs: number;
  staleAfterMs: number;
}

/**
 * The partitions to hold back: those ahead of the slowest partition with a backlog by more than
 * the drift. Never that slowest one, so the member always has a partition it can consume.
 */
export function partitionsAhead<K>(
  clocks: ReadonlyMap<K, PartitionClock>,
  policy: AlignmentPolicy,
  nowMs: number,
): K[] {
  let low = Number.POSITIVE_INFINITY;
  let unknown = false;
  for (const c of clocks.values()) {
    if (!c.backlog || nowMs - c.at >= policy.staleAfterMs) continue;
    if (c.watermarkMs === null) unknown = true;
    else if (c.watermarkMs < low) low = c.watermarkMs;
  }
  if (unknown) low = Number.NEGATIVE_INFINITY;
  else if (!Number.isFinite(low)) return [];
  const ahead: K[] = [];
  for (const [k, c] of clocks) {
    if (c.watermarkMs !== null && c.watermarkMs > low + policy.maxDriftMs) ahead.push(k);
  }
  return ahead;
}
