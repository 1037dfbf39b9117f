// When the linker's newcomers arrived, all of them: the reference a group's start burst is
// measured against. Accounts reach a linker in waves that have nothing to do with
// coordination — the hours after it starts, while established accounts make their first
// request to it; mornings — so "fifteen members first seen within half an hour" means little
// unless few other accounts arrived in that half hour.

const MINUTE = 60_000;

/** Newcomers counted per minute of first-seen event time; pruned to the linker's horizon. */
export class Arrivals {
  private readonly perMinute = new Map<number, number>();
  /** Minutes in order and newcomers up to and including each: rebuilt by `prepare`. */
  private minutes = new Float64Array(0);
  private upTo = new Float64Array(0);
  total = 0;

  /** A newcomer first seen at event time `t`. */
  add(t: number): void {
    const m = Math.floor(t / MINUTE);
    this.perMinute.set(m, (this.perMinute.get(m) ?? 0) + 1);
  }

  /** Forgets minutes before `cutoffMs` (their accounts have left the linker too). */
  expire(cutoffMs: number): void {
    const cut = Math.floor(cutoffMs / MINUTE);
    for (const m of this.perMinute.keys()) if (m < cut) this.perMinute.delete(m);
  }

  /** Indexes the counts for `between`; call after the last `add` or `expire` before queries. */
  prepare(): void {
    const keys = [...this.perMinute.keys()].sort((a, b) => a - b);
    this.minutes = Float64Array.from(keys);
    this.upTo = new Float64Array(keys.length);
    let sum = 0;
    for (let i = 0; i < keys.length; i++) {
      sum += this.perMinute.get(keys[i] as number) ?? 0;
      this.upTo[i] = sum;
    }
    this.total = sum;
  }

  /** Newcomers first seen in the minutes holding `fromMs` to `toMs` (whole minutes: a little more, never less). */
  between(fromMs: number, toMs: number): number {
    return this.countTo(Math.floor(toMs / MINUTE)) - this.countTo(Math.floor(fromMs / MINUTE) - 1);
  }

  /** Newcomers in minutes up to and including `m`. */
  private countTo(m: number): number {
    const k = this.minutes;
    let lo = 0;
    let hi = k.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((k[mid] as number) <= m) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : (this.upTo[lo - 1] as number);
  }

  /** [minute, newcomers] pairs, for checkpoints. */
  snapshot(): [number, number][] {
    return [...this.perMinute].sort((a, b) => a[0] - b[0]);
  }

  restore(pairs: readonly (readonly [number, number])[]): void {
    this.perMinute.clear();
    for (const [m, n] of pairs) this.perMinute.set(m, n);
  }
}
