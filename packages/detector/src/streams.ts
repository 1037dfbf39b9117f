import { hash53 } from "@distillguard/campaigns";

/**
 * Harvest streams: question frames (the template hashes of a question's first and last
 * paragraphs) that carry many requests, most of which harvest reasoning (a traced answer, or a
 * request for one when no answer is logged). A reseller that mixes a campaign into its
 * customers' traffic stays near everyone's rates overall; the campaign's wrappers are streams.
 */
export interface StreamConfig {
  /** Decayed requests a frame needs to be a stream (about this many in the last half-life). */
  minRequests: number;
  /** Decayed share of a frame's requests that harvested reasoning. */
  minHarvestRate: number;
  /** Half-life of a frame's counts in event time. */
  halfLifeMs: number;
  /** Size of the first-seen table that keeps one-off frames (every free-form question) out of memory. */
  admissionSlots: number;
  /** Cap on tracked frames; beyond it new frames are not admitted until old ones expire. */
  maxTracked: number;
}

export const defaultStreamConfig: StreamConfig = {
  minRequests: 30,
  minHarvestRate: 0.5,
  halfLifeMs: 6 * 3_600_000,
  admissionSlots: 1 << 18,
  maxTracked: 1 << 18,
};

interface Frame {
  requests: number;
  harvested: number;
  last: number;
}

/** Frame statistics over all accounts, in event time; no allocation for a frame seen once. */
export class HarvestStreams {
  private readonly tracked = new Map<number, Frame>();
  private readonly firstKey: Float64Array;
  private readonly ln2OverHalfLife: number;
  /** Frames not admitted because the table was full. */
  refused = 0;

  constructor(readonly config: StreamConfig = defaultStreamConfig) {
    this.firstKey = new Float64Array(config.admissionSlots).fill(-1);
    this.ln2OverHalfLife = Math.LN2 / config.halfLifeMs;
  }

  get size(): number {
    return this.tracked.size;
  }

  /**
   * One request with this frame (either end may be null; equal ends count once): updates both
   * ends and returns whether either is a harvest stream, counting this request.
   */
  observe(head: Uint8Array | null, tail: Uint8Array | null, harvested: boolean, t: number): boolean {
    let on = false;
    if (head !== null) on = this.touch(hash53(head), harvested, t);
    if (tail !== null && (head === null || hash53(tail) !== hash53(head))) {
      on = this.touch(hash53(tail), harvested, t) || on;
    }
    return on;
  }

  private touch(key: number, harvested: boolean, t: number): boolean {
    let f = this.tracked.get(key);
    if (f === undefined) {
      const slot = key % this.firstKey.length;
      if (this.firstKey[slot] !== key) {
        this.firstKey[slot] = key;
        return false;
      }
      if (this.tracked.size >= this.config.maxTracked) {
        this.refused++;
        return false;
      }
      this.firstKey[slot] = -1;
      // The first sighting counts: a frame is admitted on its second.
      f = { requests: 1, harvested: 0, last: t };
      this.tracked.set(key, f);
    }
    // Late events count undecayed (t before last): a frame's counts never grow back in time.
    if (t > f.last) {
      const d = Math.exp(-(t - f.last) * this.ln2OverHalfLife);
      f.requests *= d;
      f.harvested *= d;
      f.last = t;
    }
    f.requests += 1;
    if (harvested) f.harvested += 1;
    return f.requests >= this.config.minRequests && f.harvested >= this.config.minHarvestRate * f.requests;
  }

  /** Forgets frames unseen since `nowMs` − 4 half-lives (their counts are below 1/16). */
  expire(nowMs: number): number {
    const cutoff = nowMs - 4 * this.config.halfLifeMs;
    let n = 0;
    for (const [key, f] of this.tracked) {
      if (f.last < cutoff) {
        this.tracked.delete(key);
        n++;
      }
    }
    return n;
  }
}
