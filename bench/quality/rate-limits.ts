// The baseline a provider already has: per-account request limits. An account is caught at
// the first request that takes it over a limit, in event time.

export interface RateLimit {
  /** Stable key in the report, e.g. rpm_30. */
  key: string;
  label: string;
  /** Caught when more than this many requests fall in one window. */
  limit: number;
  per: "minute" | "day";
}

const minuteMs = 60_000;
const hourMs = 3_600_000;

class AccountWindow {
  /** Request times of the last minute, oldest first from `head`. */
  times: number[] = [];
  head = 0;
  /** Requests per hour of the last 24 (ring by hour number) and their sum. */
  hours = new Int32Array(24);
  hour = Number.NEGATIVE_INFINITY;
  day = 0;
}

/**
 * Every limit on one pass over the stream. The minute window slides exactly (the request
 * times of the last 60 s); the day window slides by the hour (this hour and the 23 before),
 * as bucketed limiters do, which keeps state at 24 counters per account.
 */
export class RateLimitBaseline {
  private readonly accounts = new Map<string, AccountWindow>();
  private readonly caught = new Map<string, Map<string, number>>();
  private readonly minuteLimits: RateLimit[];
  private readonly dayLimits: RateLimit[];

  constructor(readonly limits: readonly RateLimit[]) {
    for (const l of limits) this.caught.set(l.key, new Map());
    this.minuteLimits = limits.filter((l) => l.per === "minute");
    this.dayLimits = limits.filter((l) => l.per === "day");
  }

  /** One request; times are assumed non-decreasing per account, as the simulator emits them. */
  observe(account: string, t: number): void {
    let w = this.accounts.get(account);
    if (!w) {
      w = new AccountWindow();
      this.accounts.set(account, w);
    }
    if (this.minuteLimits.length > 0) {
      const from = t - minuteMs;
      while (w.head < w.times.length && (w.times[w.head] as number) <= from) w.head++;
      if (w.head > 64 && w.head * 2 > w.times.length) {
        w.times = w.times.slice(w.head);
        w.head = 0;
      }
      w.times.push(t);
      const inMinute = w.times.length - w.head;
      for (const l of this.minuteLimits) if (inMinute > l.limit) this.catch(l.key, account, t);
    }
    if (this.dayLimits.length > 0) {
      const hour = Math.floor(t / hourMs);
      if (hour > w.hour) {
        const stale = Math.min(24, hour - w.hour);
        for (let h = hour - stale + 1; h <= hour; h++) {
          const slot = ((h % 24) + 24) % 24;
          w.day -= w.hours[slot] as number;
          w.hours[slot] = 0;
        }
        w.hour = hour;
      }
      const slot = ((hour % 24) + 24) % 24;
      w.hours[slot] = (w.hours[slot] as number) + 1;
      w.day++;
      for (const l of this.dayLimits) if (w.day > l.limit) this.catch(l.key, account, t);
    }
  }

  /** Accounts a limit caught, with the time of the request that took each over it. */
  caughtBy(key: string): ReadonlyMap<string, number> {
    return this.caught.get(key) ?? new Map();
  }

  private catch(key: string, account: string, t: number): void {
    const c = this.caught.get(key) as Map<string, number>;
    if (!c.has(account)) c.set(account, t);
  }
}
