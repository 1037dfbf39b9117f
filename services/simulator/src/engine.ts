import type { Draft } from "./draft.ts";
import { newDraft } from "./draft.ts";
import { EventHeap } from "./heap.ts";
import type { Source } from "./sources/source.ts";
import type { World } from "./world.ts";

/**
 * A request's list price, USD: $2.50 per million input tokens and $10 per million output
 * (reasoning included), a current frontier model's rates; failures are not billed.
 */
export function costUsd(d: Draft): number {
  const r = d.record;
  if (r.status_code !== 200) return 0;
  return (2.5 * r.usage_input_tokens + 10 * r.usage_output_tokens) / 1e6;
}

export interface RunStats {
  events: number;
  perAccount: Int32Array;
  perCampaign: number[];
  /** Event times of each campaign's extraction requests, in order: for time-to-detect truth. */
  campaignTimes: Float64Array[];
  campaignOutputTokens: number[];
  campaignReasoningTokens: number[];
  firstMs: number;
  lastMs: number;
}

/**
 * Runs every source in event-time order, handing each request to `emit` in one reused Draft
 * (copy what you keep). Pure apart from the callbacks: the same world and sources always give
 * the same sequence. `step` runs a slice so an async shell (Kafka) can await between slices.
 */
export class Simulation {
  private readonly heap: EventHeap;
  private readonly d: Draft = newDraft();
  private readonly stats: RunStats;
  private campaignTimes: Float64Array[];
  /** What each account has spent so far, USD: the gateway logs it with every request. */
  private readonly spend: Float64Array;

  constructor(
    private readonly world: World,
    private readonly sources: readonly Source[],
    private readonly render: (d: Draft) => void,
    private readonly requestIdPrefix: string,
    private readonly maxEvents = Number.POSITIVE_INFINITY,
  ) {
    this.heap = new EventHeap(sources.length);
    for (let i = 0; i < sources.length; i++) {
      const t = (sources[i] as Source).first();
      if (t < world.endMs) this.heap.push(t, i);
    }
    this.spend = Float64Array.from(world.accounts, (a) => a.priorSpendUsd);
    const nc = world.campaigns.length;
    this.campaignTimes = Array.from({ length: nc }, () => new Float64Array(1024));
    this.stats = {
      events: 0,
      perAccount: new Int32Array(world.accounts.length),
      perCampaign: new Array<number>(nc).fill(0),
      campaignTimes: [],
      campaignOutputTokens: new Array<number>(nc).fill(0),
      campaignReasoningTokens: new Array<number>(nc).fill(0),
      firstMs: Number.NaN,
      lastMs: Number.NaN,
    };
  }

  get done(): boolean {
    return (
      this.heap.size === 0 || this.heap.peekTime() >= this.world.endMs || this.stats.events >= this.maxEvents
    );
  }

  get events(): number {
    return this.stats.events;
  }

  /** Event time of the next request (or the window end): for progress reporting. */
  get clockMs(): number {
    return Math.min(this.heap.peekTime(), this.world.endMs);
  }

  /** Emits up to `limit` requests; returns how many it emitted. */
  step(limit: number, emit: (d: Draft) => void): number {
    const { heap, d, stats, world } = this;
    let emitted = 0;
    while (emitted < limit && !this.done) {
      const t = heap.peekTime();
      const id = heap.peekId();
      heap.pop();
      const next = (this.sources[id] as Source).emit(t, d);
      if (next < world.endMs) heap.push(next, id);
      this.render(d);
      d.record.request_id = this.requestIdPrefix + stats.events.toString(36);
      const a = d.truth.accountIndex;
      // What the proxy's cached key record says before this request's cost is added (LiteLLM
      // adds it in its success callback, after logging the request's metadata).
      d.record.account_spend_usd = Math.round((this.spend[a] as number) * 1e6) / 1e6;
      this.spend[a] = (this.spend[a] as number) + costUsd(d);
      emit(d);
      if (stats.events === 0) stats.firstMs = d.record.event_time_ms;
      stats.lastMs = d.record.event_time_ms;
      stats.events++;
      emitted++;
      stats.perAccount[a] = (stats.perAccount[a] as number) + 1;
      const c = d.truth.campaignIndex;
      if (c >= 0 && d.truth.extraction) this.recordCampaign(c, t);
    }
    return emitted;
  }

  private recordCampaign(c: number, t: number): void {
    const { stats, d } = this;
    const n = stats.perCampaign[c] as number;
    let arr = this.campaignTimes[c] as Float64Array;
    if (n === arr.length) {
      const grown = new Float64Array(arr.length * 2);
      grown.set(arr);
      this.campaignTimes[c] = arr = grown;
    }
    arr[n] = t;
    stats.perCampaign[c] = n + 1;
    stats.campaignOutputTokens[c] = (stats.campaignOutputTokens[c] as number) + d.record.usage_output_tokens;
    stats.campaignReasoningTokens[c] =
      (stats.campaignReasoningTokens[c] as number) + (d.record.usage_reasoning_tokens ?? 0);
  }

  finish(): RunStats {
    return {
      ...this.stats,
      campaignTimes: this.campaignTimes.map((a, i) => a.subarray(0, this.stats.perCampaign[i] as number)),
    };
  }
}
