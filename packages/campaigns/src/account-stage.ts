import { type AccountState, AccountTable, laneOf } from "./accounts.ts";
import { readStageCheckpoint, writeStageCheckpoint } from "./checkpoint.ts";
import type { LinkerConfig } from "./config.ts";
import { networkKey } from "./keys.ts";
import type { LinkEvent } from "./linker.ts";

/**
 * What the account stage tells the rest of the linker (the link stage), in order with the
 * requests: the same calls whether the link stage is in this process (CampaignLinker) or in
 * another one, behind link records (link-records.ts).
 */
export interface AccountSink {
  /** An account seen for the first time (or again after it was forgotten): slot and id, no totals yet. */
  opened(a: AccountState, e: LinkEvent): void;
  /** An account dropped by the cap, its totals final, before the request that needed its room. */
  evicted(a: AccountState): void;
  /**
   * One request, after its account's totals took it: whether it elicits reasoning, its
   * answer's trace (-1 none logged, 0 no trace, 1 a trace) and its network (NaN: none).
   */
  touched(slot: number, e: LinkEvent, cot: boolean, trace: number, network: number): void;
}

/**
 * The per-account half of the campaign linker: per account, request totals, the networks and
 * ASNs it came from and how it switched between them. The profile puts ~60% of the linker's
 * work here (services/linker/README.md), and it partitions by account as the detectors do, so
 * a split linker runs one stage per member over its own accounts (`owns`: whole slot lanes,
 * accounts.ts) in front of one link stage. Pure: event time in, calls to its sink out.
 */
export class AccountStage {
  /** Accounts dropped by the cap (not by the horizon). */
  evictions = 0;
  /** Accounts whose totals changed since `drainChanged`, when tracked (a stage in another process). */
  private readonly changed: AccountState[] | null;

  constructor(
    private readonly config: LinkerConfig,
    private readonly sink: AccountSink,
    readonly accounts: AccountTable = new AccountTable(),
    trackChanges = false,
  ) {
    this.changed = trackChanges ? [] : null;
  }

  /** Whether this stage keeps `accountId` (a member of a split linker keeps its lanes). */
  owns(accountId: string, members: number, member: number): boolean {
    return laneOf(accountId) % members === member;
  }

  /** One request. Per event: no allocation unless the account is new. */
  observe(e: LinkEvent): void {
    const t = e.event_time_ms;
    let a = this.accounts.byId.get(e.account_id);
    if (!a) {
      if (this.accounts.size >= this.config.maxAccounts) this.evictOldest();
      a = this.accounts.add(e.account_id, t);
      this.sink.opened(a, e);
    }
    const cot = e.cot_elicitation >= this.config.cotThreshold;
    const rt = e.response_trace;
    const trace = rt === null || rt === undefined ? -1 : rt >= this.config.traceThreshold ? 1 : 0;
    a.took(t, cot, e.usage_output_tokens, e.usage_reasoning_tokens ?? 0, trace);
    // An absent or unparseable address is no network at all, never a shared fake one.
    const p = networkKey(e.client_address);
    if (!Number.isNaN(p)) a.seenFrom(p);
    if (e.client_asn !== null) a.seenAsn(e.client_asn);
    if (this.changed && !a.changed) {
      a.changed = true;
      this.changed.push(a);
    }
    this.sink.touched(a.slot, e, cot, trace, p);
  }

  /** The accounts whose totals changed since the last call, each once; then forgets the list. */
  drainChanged(visit: (a: AccountState) => void): void {
    const list = this.changed;
    if (!list) return;
    for (const a of list) {
      // Evicted since it changed: its final totals went with the eviction.
      if (!a.changed) continue;
      a.changed = false;
      visit(a);
    }
    list.length = 0;
  }

  /**
   * Drops the accounts not seen since `cutoff`, as the link stage does at an evaluation
   * (`CampaignLinker.evaluate`): a stage in another process calls it after its totals went out.
   */
  expire(cutoff: number): void {
    for (const a of this.accounts.byId.values()) if (a.last < cutoff) this.accounts.remove(a);
  }

  /**
   * Checkpoint of a stage that tracks changes (accounts, lane counters, which accounts changed
   * since their totals last went out): restoring it and continuing sends the same records as
   * never stopping.
   */
  serialize(): Uint8Array {
    return writeStageCheckpoint(this.accounts, this.evictions, this.changed ?? []);
  }

  static deserialize(bytes: Uint8Array, config: LinkerConfig, sink: AccountSink): AccountStage {
    const stage = new AccountStage(config, sink, new AccountTable(), true);
    stage.evictions = readStageCheckpoint(bytes, config, stage.accounts, stage.changed ?? []);
    return stage;
  }

  private evictOldest(): void {
    const oldest = this.accounts.oldest(Math.max(1, Math.floor(this.config.maxAccounts / 64)));
    for (const a of oldest) {
      a.changed = false;
      this.sink.evicted(a);
      this.accounts.remove(a);
    }
    this.evictions += oldest.length;
  }
}
