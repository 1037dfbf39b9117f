import { AlertLifecycle } from "@distillguard/alerts";
import {
  CampaignLinker,
  defaultLinkerConfig,
  type LinkEvent,
  type LinkerConfig,
} from "@distillguard/campaigns";
import type { AccountScore, Alert, CampaignUpdate } from "@distillguard/contract";
import {
  type ChangeMark,
  compileLayout,
  type Key,
  type StoreHooks,
  WindowStore,
} from "@distillguard/windows";
import { accountSpec } from "./account-spec.ts";
import { type EntityEvent, EntityFeatures, type EntityKind } from "./entities.ts";
import { AccountFeatures, type FeatureEvent, signalIndex, signalNames } from "./features.ts";
import { AccountScorer, defaultScorerConfig, type ScorerConfig } from "./scorer.ts";

export type DetectorEvent = FeatureEvent & LinkEvent & EntityEvent;

export interface DetectorConfig {
  scorer: ScorerConfig;
  linker: LinkerConfig;
  /** Accounts sampled per evaluation for the population baselines. */
  baselineSample: number;
  /** Account scores at or above this are emitted even without an alert. */
  reportScore: number;
  /**
   * Shared entities that get their own windows (each costs one window update per request),
   * for a caller that reads them (`EntityFeatures.read`). Default: none. No score, link,
   * alert or table reads them: what accounts share is the linker's (packages/campaigns keeps
   * every template, system prompt and network a second account uses), and the four network
   * and client kinds once kept by default (`networkEntityKinds`) were half of the detector
   * service's update path (bench/detector parts.ts: 5.2 against 2.6 µs an event).
   */
  entities: readonly EntityKind[];
  /**
   * Run the campaign linker in process. A streaming deployment partitions accounts across
   * detector instances, so each would see a slice of every campaign: there the linker runs as
   * its own service over all partitions and this is false.
   */
  link: boolean;
  version: string;
}

export const defaultDetectorConfig: DetectorConfig = {
  scorer: defaultScorerConfig,
  linker: defaultLinkerConfig,
  baselineSample: 20_000,
  reportScore: 1,
  entities: [],
  link: true,
  version: "0.1.0",
};

export interface DetectorOutput {
  scores: AccountScore[];
  alerts: Alert[];
  campaigns: CampaignUpdate[];
}

/**
 * The pure detection core: per-account window features, robust account scores against the
 * population, and the campaign linker, driven by events and by `evaluate(nowMs)` in event
 * time. No clock, no I/O: services call it and move its output.
 */
/**
 * The checkpoint's account windows hold other fields than this version's: written before an
 * upgrade, not corrupt. The caller rebuilds the state from the input instead.
 */
/** Requests between the readiness checks of an account below minRequests (see `readySlots`). */
const PACE_STEP = 10;

export class CheckpointLayoutError extends Error {
  override readonly name = "CheckpointLayoutError";
}

export class Detector {
  readonly features: AccountFeatures;
  readonly scorer: AccountScorer;
  readonly linker: CampaignLinker;
  readonly entities: EntityFeatures | null;
  private readonly accountAlerts: AlertLifecycle;
  /**
   * Accounts seen since the last evaluation, by window-store slot (no string set per event),
   * and each slot's request count since its key arrived: fewer than minRequests in total
   * means fewer in 24 h too, so most accounts are skipped without reading their windows.
   */
  private touchedFlag = new Uint8Array(1024);
  private touchedSlots = new Int32Array(1024);
  private touchedCount = 0;
  private slotRequests = new Float64Array(1024);
  private slotKey: Array<string | undefined> = [];
  private readonly vector = new Float64Array(signalNames.length);
  /**
   * Slots whose request count just reached minRequests, or on the way there every PACE_STEP
   * requests from paceRequests1h: scored at that event by `scoreReady` (if scorable then)
   * instead of waiting for the next evaluation, so a heavy account is judged as soon as there
   * is enough of it to judge (at 7 requests/min, 30 in the hour take 4 min, 100 take 14; the
   * cadence adds up to another 5).
   */
  private readySlots = new Int32Array(64);
  private readyCount = 0;
  /**
   * Evaluations so far: an incremental checkpoint tags each account's touched flag with it, so
   * the flags an evaluation clears need no rewrite of every account it cleared them for.
   */
  private touchEpoch = 0;
  lateEvents = 0;

  constructor(
    readonly config: DetectorConfig = defaultDetectorConfig,
    hooks: StoreHooks = {},
    restored?: { accounts: WindowStore; entities: WindowStore | null; linker: CampaignLinker },
  ) {
    const accountHooks: StoreHooks = {
      ...hooks,
      onLate: (key, t, late) => {
        this.lateEvents++;
        hooks.onLate?.(key, t, late);
      },
    };
    this.features = new AccountFeatures(undefined, accountHooks, restored?.accounts);
    this.scorer = new AccountScorer(config.scorer);
    this.linker = restored?.linker ?? new CampaignLinker(linkerConfigOf(config));
    this.entities =
      config.entities.length > 0
        ? new EntityFeatures(config.entities, undefined, restored?.entities ?? undefined)
        : null;

    this.accountAlerts = new AlertLifecycle("account", {
      openScore: config.scorer.openScore,
      resolveScore: config.scorer.resolveScore,
      resolveAfter: config.scorer.resolveAfter,
      severity: config.scorer.severity,
      // An account alert has one member, always: no member change to report.
      memberChange: 0,
    });
  }

  /** A model released now: requests on it count towards new_model_share. */
  release(model: string): void {
    this.features.newModels.add(model);
  }

  /** Returns false for an event later than the allowed lateness (counted, not windowed). */
  observe(e: DetectorEvent): boolean {
    // A late event is counted by the store's hook; the linker's per-account totals still take
    // it (they are not windowed), so nothing the leakage account needs is lost.
    const accepted = this.features.observe(e);
    if (accepted) this.touch(this.features.store.lastSlot, e.account_id);
    if (this.config.link) this.linker.observe(e);
    this.entities?.observe(e);
    return accepted;
  }

  /** Event time before which no further event is accepted (max event time − allowed lateness). */
  get watermarkMs(): number {
    return this.features.store.watermarkMs;
  }

  private touch(slot: number, account: string): void {
    if (slot >= this.touchedFlag.length) this.grow(slot);
    if (this.slotKey[slot] !== account) {
      // A new key in this slot (first use, or reuse after expiry/eviction).
      this.slotKey[slot] = account;
      this.slotRequests[slot] = 0;
    }
    const n = (this.slotRequests[slot] as number) + 1;
    this.slotRequests[slot] = n;
    const { minRequests, paceRequests1h } = this.config.scorer;
    if (
      n === minRequests ||
      (n < minRequests && n >= paceRequests1h && (n - paceRequests1h) % PACE_STEP === 0)
    ) {
      if (this.readyCount === this.readySlots.length) {
        const more = new Int32Array(this.readySlots.length * 2);
        more.set(this.readySlots);
        this.readySlots = more;
      }
      this.readySlots[this.readyCount++] = slot;
    }
    if (this.touchedFlag[slot] === 0) {
      this.touchedFlag[slot] = 1;
      this.touchedSlots[this.touchedCount++] = slot;
    }
  }

  private grow(slot: number): void {
    const n = Math.max(slot + 1, this.touchedFlag.length * 2);
    const flag = new Uint8Array(n);
    flag.set(this.touchedFlag);
    const slots = new Int32Array(n);
    slots.set(this.touchedSlots);
    const req = new Float64Array(n);
    req.set(this.slotRequests);
    this.touchedFlag = flag;
    this.touchedSlots = slots;
    this.slotRequests = req;
  }

  evaluate(nowMs: number): DetectorOutput {
    const out: DetectorOutput = { scores: [], alerts: [], campaigns: [] };
    // Population baselines from a deterministic sample of accounts active since last time.
    const vectors = new Map<string, Float64Array>();
    // Accounts judged on their pace alone (`paceRequests1h`): scored, not part of the population.
    const paced = new Map<string, Float64Array>();
    const min = this.config.scorer.minRequests;
    const pace = this.config.scorer.paceRequests1h;
    const wideMin = this.config.scorer.coldStartMinRequests;
    const store = this.features.store;
    // Lighter active accounts, read only if the scorable ones are too few for a population.
    let lighter = 0;
    for (let i = 0; i < this.touchedCount; i++) {
      const slot = this.touchedSlots[i] as number;
      this.touchedFlag[slot] = 0;
      const account = this.slotKey[slot];
      if (account === undefined || store.keyOf(slot) !== account) continue;
      const n = this.slotRequests[slot] as number;
      if (n < min) {
        if (n >= wideMin) this.touchedSlots[lighter++] = slot;
        if (n < pace) continue;
      }
      const v = new Float64Array(signalNames.length);
      if (!this.features.signalsOfSlot(slot, nowMs, v)) continue;
      if (this.scorer.populates(v)) vectors.set(account, v);
      else if (this.scorer.scorable(v)) paced.set(account, v);
    }
    const population = [...vectors.values()];
    if (population.length < this.config.scorer.minPopulation) {
      // A cold start: minutes in, the accounts with 24 h of evidence are a handful of heavy
      // ones (or the extractor alone). The rates and volumes of every account active with a
      // little evidence are the population until there are enough scorable ones.
      for (let i = 0; i < lighter; i++) {
        const v = new Float64Array(signalNames.length);
        if (
          this.features.signalsOfSlot(this.touchedSlots[i] as number, nowMs, v) &&
          (v[signalIndex.requests_24h] ?? 0) >= wideMin
        )
          population.push(v);
      }
    }
    this.touchedCount = 0;
    this.touchEpoch++;
    // Expire after reading: an account idle past the timeout is not among the touched.
    store.expire(nowMs);
    this.features.streams.expire(nowMs);
    this.entities?.expire(nowMs);
    const step = Math.max(1, Math.ceil(population.length / this.config.baselineSample));
    this.scorer.updateBaselines(population.filter((_, i) => i % step === 0));

    this.readyCount = 0;
    for (const [account, v] of vectors) this.scoreAccount(account, v, nowMs, out);
    for (const [account, v] of paced) this.scoreAccount(account, v, nowMs, out);
    for (const a of this.accountAlerts.subjects()) {
      if (vectors.has(a) || paced.has(a)) continue;
      const alert = this.accountAlerts.quiet(a, nowMs);
      if (alert) out.alerts.push(alert);
    }
    if (this.config.link) {
      const c = this.linker.evaluate(nowMs);
      out.campaigns = c.campaigns;
      out.alerts.push(...c.alerts);
    }
    return out;
  }

  /** Whether an account reached minRequests or a pace step since the last `scoreReady` or evaluation. */
  get hasReady(): boolean {
    return this.readyCount > 0;
  }

  /**
   * Scores, at event time `nowMs`, the accounts that just reached minRequests (or a pace step)
   * and are scorable, against the population of the last evaluation. Call it after `observe`
   * when `hasReady`; the next evaluation scores them again as usual.
   */
  scoreReady(nowMs: number): DetectorOutput {
    const out: DetectorOutput = { scores: [], alerts: [], campaigns: [] };
    const store = this.features.store;
    const v = this.vector;
    for (let i = 0; i < this.readyCount; i++) {
      const slot = this.readySlots[i] as number;
      const account = this.slotKey[slot];
      if (account === undefined || store.keyOf(slot) !== account) continue;
      if (this.features.signalsOfSlot(slot, nowMs, v) && this.scorer.scorable(v))
        this.scoreAccount(account, v, nowMs, out);
    }
    this.readyCount = 0;
    return out;
  }

  private scoreAccount(account: string, v: Float64Array, nowMs: number, out: DetectorOutput): void {
    const { score, signals, absent, unbaselined } = this.scorer.score(v);
    const campaign = this.linker.campaignOf(account);
    if (score >= this.config.reportScore || this.accountAlerts.isOpen(account)) {
      out.scores.push({
        account_id: account,
        window_end_ms: nowMs,
        score,
        flagged: score >= this.config.scorer.openScore,
        signals,
        campaign_id: campaign,
        detector_version: this.config.version,
      });
    }
    const top = signals[0];
    const alert = this.accountAlerts.observe(account, score, nowMs, {
      signals,
      summary: `account ${account}: ${Math.round(v[signalIndex.requests_24h] ?? 0)} requests/24h, ${top ? `${top.name} ${fmt(top.value)} vs baseline ${fmt(top.baseline)}` : ""}${campaign ? `; in campaign ${campaign}` : ""}${absent.length > 0 ? `; unavailable: ${absent.join(", ")} (not in the logs)` : ""}${unbaselined.length > 0 ? `; not compared yet: ${unbaselined.join(", ")} (too few scored accounts)` : ""}`,
    });
    if (alert) out.alerts.push(alert);
  }

  /**
   * Checkpoint of everything the detector holds: account and entity windows (their own
   * compact binary form), the linker, open account alerts and the per-slot bookkeeping.
   * Sections: u32 length + bytes each; the first is a JSON header.
   */
  serialize(): Uint8Array {
    // Only slots whose account still lives there: a slot's bookkeeping outlives an expired or
    // evicted key until the slot is reused, and evaluations skip such slots anyway.
    const slots: [number, string, number, number][] = [];
    for (let slot = 0; slot < this.slotKey.length; slot++) {
      if (this.liveAccount(slot) !== undefined)
        slots.push([
          slot,
          this.slotKey[slot] as string,
          this.slotRequests[slot] as number,
          this.touchedFlag[slot] as number,
        ]);
    }
    const header = {
      v: 1,
      lateEvents: this.lateEvents,
      newModels: [...this.features.newModels],
      touched: [...this.touchedSlots.subarray(0, this.touchedCount)].filter(
        (s) => this.liveAccount(s) !== undefined,
      ),
      touchEpoch: this.touchEpoch,
      slots,
      alerts: this.accountAlerts.snapshot(),
    };
    return joinSections([
      new TextEncoder().encode(JSON.stringify(header)),
      this.features.store.serialize(),
      this.entities ? this.entities.store.serialize() : new Uint8Array(0),
      this.linker.serialize(),
    ]);
  }

  static deserialize(
    bytes: Uint8Array,
    config: DetectorConfig = defaultDetectorConfig,
    hooks: StoreHooks = {},
  ): Detector {
    const [h, accounts, entities, linker] = parseSections(bytes);
    const d = Detector.assemble(
      h,
      (accountHooks) => WindowStore.deserialize(accounts, accountHooks),
      entities.length > 0 ? WindowStore.deserialize(entities) : null,
      linker,
      config,
      hooks,
    );
    // The window store renumbers slots when it restores: carry the bookkeeping over by key.
    const moved = new Map<number, number>();
    for (const [old, key, requests, flag] of h.slots as [number, string, number, number][]) {
      const slot = d.features.store.slotOf(key);
      if (slot === undefined) continue;
      moved.set(old, slot);
      d.keep(slot, key, requests, flag);
    }
    for (const old of h.touched as number[]) {
      const slot = moved.get(old);
      if (slot !== undefined) d.touchedSlots[d.touchedCount++] = slot;
    }
    return d;
  }

  /** A detector from checkpoint parts: the JSON header, the account store (built with the detector's hooks), the rest. */
  private static assemble(
    h: HeaderJson,
    accountStore: (hooks: StoreHooks) => WindowStore,
    entities: WindowStore | null,
    linker: Uint8Array,
    config: DetectorConfig,
    hooks: StoreHooks,
  ): Detector {
    if (h.v !== 1) throw new Error(`unsupported detector checkpoint version ${h.v}`);
    // The restored store counts late events into the detector created just after it.
    const holder: { d?: Detector } = {};
    const accountHooks: StoreHooks = {
      ...hooks,
      onLate: (key, t, late) => {
        if (holder.d) holder.d.lateEvents++;
        hooks.onLate?.(key, t, late);
      },
    };
    const restored = accountStore(accountHooks);
    const want = compileLayout(accountSpec);
    const have = restored.layout;
    const fields = (l: typeof want) => JSON.stringify([l.valueInputs, l.hashInputs, l.outputs]);
    if (fields(have) !== fields(want)) {
      const missing = want.outputs.filter((o) => !have.outputs.includes(o));
      throw new CheckpointLayoutError(
        `detector checkpoint was written by another version: its account windows lack ${missing.join(", ") || "none"} and hold ${have.outputs.length} outputs where this version has ${want.outputs.length}`,
      );
    }
    const d = new Detector(config, hooks, {
      accounts: restored,
      entities,
      linker: CampaignLinker.deserialize(linker, linkerConfigOf(config)),
    });
    holder.d = d;
    d.lateEvents = h.lateEvents;
    d.touchEpoch = h.touchEpoch ?? 0;
    for (const m of h.newModels) d.features.newModels.add(m);
    d.accountAlerts.restore(h.alerts);
    return d;
  }

  /** Sets a restored account's bookkeeping. */
  private keep(slot: number, key: string, requests: number, flag: number): void {
    if (slot >= this.touchedFlag.length) this.grow(slot);
    this.slotKey[slot] = key;
    this.slotRequests[slot] = requests;
    this.touchedFlag[slot] = flag;
  }

  /** The account living in `slot` if the bookkeeping there is its own. */
  private liveAccount(slot: number): string | undefined {
    const key = this.slotKey[slot];
    return key !== undefined && this.features.store.keyOf(slot) === key ? key : undefined;
  }

  /**
   * An incremental checkpoint: what changed since `since` (null: everything). `head` is the
   * small part rewritten each time (counters, open alerts, the linker, the stores' specs);
   * `accounts` and `entities` give one record per window key changed since, and the keys
   * removed since. Applied over the records of earlier calls (latest per key, removed keys
   * dropped), `fromChanges` rebuilds the detector `deserialize(serialize())` gives, byte for
   * byte. Call `persisted(mark)` once the records are durable and pass `mark` next time.
   */
  changes(since: DetectorMark | null): DetectorChanges {
    const store = this.features.store;
    const a = store.changesSince(since?.accounts ?? null);
    if (!since) store.trackRemovals();
    const ordinal = new Map<number, number>();
    for (let i = 0; i < this.touchedCount; i++) ordinal.set(this.touchedSlots[i] as number, i);
    const accounts: [string, Uint8Array][] = [];
    for (const slot of a.changed) {
      const key = this.liveAccount(slot);
      if (key === undefined) throw new Error(`account window slot ${slot} has no bookkeeping`);
      const rec = store.blockOf(slot, ACCOUNT_TRAILER);
      const view = new DataView(rec.buffer, rec.byteLength - ACCOUNT_TRAILER);
      view.setFloat64(0, this.slotRequests[slot] as number, true);
      view.setFloat64(8, this.touchEpoch, true);
      view.setFloat64(16, this.touchedFlag[slot] === 1 ? (ordinal.get(slot) ?? -1) : -1, true);
      accounts.push([key, rec]);
    }
    const es = this.entities?.store ?? null;
    const e = es?.changesSince(since?.entities ?? null) ?? null;
    if (es && !since) es.trackRemovals();
    const entities: [string, Uint8Array][] = [];
    for (const slot of e?.changed ?? [])
      entities.push([entityKey(es?.keyOf(slot)), es?.blockOf(slot) as Uint8Array]);
    const header: HeaderJson = {
      v: 1,
      lateEvents: this.lateEvents,
      newModels: [...this.features.newModels],
      touchEpoch: this.touchEpoch,
      alerts: this.accountAlerts.snapshot(),
    };
    return {
      mark: { accounts: a.mark, entities: e?.mark ?? null },
      head: joinSections([
        new TextEncoder().encode(JSON.stringify(header)),
        store.serializeHead(),
        es ? es.serializeHead() : new Uint8Array(0),
        this.linker.serialize(),
      ]),
      accounts: { puts: accounts, removed: a.removed.map((k) => String(k)) },
      entities: { puts: entities, removed: (e?.removed ?? []).map(entityKey) },
    };
  }

  /** The changes up to `mark` are durable: the stores forget the removals they journaled for them. */
  persisted(mark: DetectorMark): void {
    this.features.store.forgetRemovals(mark.accounts);
    if (mark.entities) this.entities?.store.forgetRemovals(mark.entities);
  }

  /**
   * Rebuilds a detector from the last `head` of `changes` and the latest record of every key
   * still live (what a compacted changelog holds). Returns the mark to continue `changes` from.
   */
  static fromChanges(
    head: Uint8Array,
    accounts: Iterable<readonly [string, Uint8Array]>,
    entities: Iterable<readonly [string, Uint8Array]>,
    config: DetectorConfig = defaultDetectorConfig,
    hooks: StoreHooks = {},
  ): { detector: Detector; mark: DetectorMark } {
    const [h, accountHead, entityHead, linker] = parseSections(head);
    const rows = [...accounts];
    const d = Detector.assemble(
      h,
      (accountHooks) =>
        WindowStore.assemble(
          accountHead,
          rows.map(([k, rec]) => [k, rec.subarray(0, rec.length - ACCOUNT_TRAILER)] as const),
          accountHooks,
        ),
      entityHead.length > 0
        ? WindowStore.assemble(
            entityHead,
            [...entities].map(([k, b]) => [Number(k), b] as const),
          )
        : null,
      linker,
      config,
      hooks,
    );
    const store = d.features.store;
    const touched: [number, number][] = [];
    for (const [key, rec] of rows) {
      const slot = store.slotOf(key) as number;
      const view = new DataView(rec.buffer, rec.byteOffset + rec.length - ACCOUNT_TRAILER, ACCOUNT_TRAILER);
      const ordinal = view.getFloat64(16, true);
      const flag = ordinal >= 0 && view.getFloat64(8, true) === d.touchEpoch ? 1 : 0;
      d.keep(slot, key, view.getFloat64(0, true), flag);
      if (flag === 1) touched.push([ordinal, slot]);
    }
    touched.sort((x, y) => x[0] - y[0]);
    for (const [, slot] of touched) d.touchedSlots[d.touchedCount++] = slot;
    return {
      detector: d,
      mark: { accounts: store.markNow(), entities: d.entities?.store.markNow() ?? null },
    };
  }

  /** Signals of one account now, by name (for tests, tools and explanations); NaN: absent from its logs. */
  explain(account: string, nowMs: number): Record<string, number> | null {
    if (!this.features.signals(account, nowMs, this.vector)) return null;
    return Object.fromEntries(signalNames.map((n, i) => [n, this.vector[i] ?? 0]));
  }
}

/** Where `changes` left off: each window store's mark (see `WindowStore.changesSince`). */
export interface DetectorMark {
  accounts: ChangeMark;
  entities: ChangeMark | null;
}

/** One window store's changed keys: records to put (latest wins) and keys to delete. */
export interface KeyedChanges {
  puts: [string, Uint8Array][];
  removed: string[];
}

export interface DetectorChanges {
  mark: DetectorMark;
  head: Uint8Array;
  accounts: KeyedChanges;
  entities: KeyedChanges;
}

interface HeaderJson {
  v: number;
  lateEvents: number;
  newModels: string[];
  touchEpoch?: number;
  alerts: Parameters<AlertLifecycle["restore"]>[0];
  touched?: number[];
  slots?: [number, string, number, number][];
}

/** Per account record after its window block: requests since the key arrived, touch epoch, touch ordinal (−1: untouched). */
const ACCOUNT_TRAILER = 24;

/** Entity keys are integers below 2^53 (kind and hash): their decimal form round-trips. */
function entityKey(k: Key | undefined): string {
  if (typeof k !== "number") throw new Error(`entity window key ${String(k)} is not a number`);
  return String(k);
}

/** Sections: u32 length (big-endian) + bytes each. */
function joinSections(sections: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(sections.reduce((n, s) => n + 4 + s.length, 0));
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const s of sections) {
    view.setUint32(pos, s.length);
    out.set(s, pos + 4);
    pos += 4 + s.length;
  }
  return out;
}

function parseSections(bytes: Uint8Array): [HeaderJson, Uint8Array, Uint8Array, Uint8Array] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sections: Uint8Array[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const n = view.getUint32(pos);
    sections.push(bytes.subarray(pos + 4, pos + 4 + n));
    pos += 4 + n;
  }
  const [head, accounts, entities, linker] = sections;
  if (!head || !accounts || !entities || !linker) throw new Error("truncated detector checkpoint");
  return [JSON.parse(new TextDecoder().decode(head)) as HeaderJson, accounts, entities, linker];
}

/** Without linking the linker stays empty: no 12 MB admission table per detector instance. */
function linkerConfigOf(config: DetectorConfig): LinkerConfig {
  return config.link ? config.linker : { ...config.linker, admissionSlots: 1 };
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? Math.round(x).toString() : x.toFixed(2);
}
