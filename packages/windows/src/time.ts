/*
 * Window assignment, as pure functions. The definition every other part of the package
 * (and the brute-force reference in the tests) uses:
 *
 *   A ring has `buckets` = n sub-buckets of `bucketMs` = w; its horizon is H = n·w.
 *   Bucket b covers event times [b·w, (b + 1)·w), so an event at t is in bucket ⌊t/w⌋.
 *   The window read at time T is the n buckets whose start lies in (T − H, T]:
 *     buckets ⌊T/w⌋ − n + 1 … ⌊T/w⌋, i.e. event times [(⌊T/w⌋ − n + 1)·w, (⌊T/w⌋ + 1)·w).
 *   It always holds the whole bucket containing T (so it may include events after T in that
 *   bucket) and covers between H − w and H of event time up to T.
 *
 * In Kafka Streams terms it is the hopping window of size H advancing by w that ends with T's
 * bucket; an event at t belongs to n of them (`windowsFor`), and shows up in every read with
 * T in [⌊t/w⌋·w, ⌊t/w⌋·w + H) (`readTimesCovering`).
 */

export interface Ring {
  readonly bucketMs: number;
  readonly buckets: number;
}

export interface TimeRange {
  /** Inclusive, ms. */
  readonly start: number;
  /** Exclusive, ms. */
  readonly end: number;
}

export function bucketOf(t: number, bucketMs: number): number {
  return Math.floor(t / bucketMs);
}

export function horizonMs(ring: Ring): number {
  return ring.bucketMs * ring.buckets;
}

/** First and last bucket index of the window read at T. */
export function windowBuckets(t: number, ring: Ring): { first: number; last: number } {
  const last = bucketOf(t, ring.bucketMs);
  return { first: last - ring.buckets + 1, last };
}

/** Event-time span [start, end) covered by the window read at T. */
export function windowRange(t: number, ring: Ring): TimeRange {
  const { first, last } = windowBuckets(t, ring);
  return { start: first * ring.bucketMs, end: (last + 1) * ring.bucketMs };
}

/** The n hopping windows [start, end) of size H, advance w, that contain an event at t, oldest first. */
export function windowsFor(t: number, ring: Ring): TimeRange[] {
  const b = bucketOf(t, ring.bucketMs);
  const out: TimeRange[] = [];
  for (let s = b - ring.buckets + 1; s <= b; s++) {
    out.push({ start: s * ring.bucketMs, end: (s + ring.buckets) * ring.bucketMs });
  }
  return out;
}

/** Read times T whose window includes an event at t. */
export function readTimesCovering(t: number, ring: Ring): TimeRange {
  const start = bucketOf(t, ring.bucketMs) * ring.bucketMs;
  return { start, end: start + horizonMs(ring) };
}

/**
 * Lateness rule (Kafka Streams' grace period): watermark = max event time seen − allowed
 * lateness; an event strictly before the watermark is late and dropped (counted, reported).
 * Before any event the watermark is −∞.
 */
export function watermarkOf(maxEventMs: number, allowedLatenessMs: number): number {
  return maxEventMs - allowedLatenessMs;
}

export function isLate(t: number, maxEventMs: number, allowedLatenessMs: number): boolean {
  return t < watermarkOf(maxEventMs, allowedLatenessMs);
}
