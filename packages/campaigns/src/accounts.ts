/** Distinct values kept per account: enough to see rotation, bounded memory. */
/** What an account's spend said when the linker first saw it (`AccountState.opened`). */
export const Opened = { UNKNOWN: 0, FRESH: 1, OLD: 2 } as const;
export type Opened = (typeof Opened)[keyof typeof Opened];

export const MAX_DISTINCT = 8;

/** What the linker keeps of one account: request totals, the networks it came from, its campaign. */
export class AccountState {
  requests = 0;
  cot = 0;
  /** Requests whose logs carried the answer, and those whose answer carried a reasoning trace. */
  answered = 0;
  traced = 0;
  output = 0;
  reasoning = 0;
  first: number;
  last: number;
  /**
   * New when first seen, what a start burst is made of: the spend the gateway logged with its
   * first request was under `burst.freshSpendUsd` (a key opened minutes ago has spent nothing),
   * or, where the logs carry no spend, the linker had run `burst.warmupMs` by then (before
   * that, every account is new to it).
   */
  newcomer = false;
  /**
   * What its spend said when first seen: FRESH (under `burst.freshSpendUsd`: opened for the
   * job, or a signup), OLD, or UNKNOWN (the logs carry no spend).
   */
  opened: Opened = Opened.UNKNOWN;
  /**
   * For a fresh account, the content groups (template, question head and tail keys) its first
   * request was on, what it was opened for; NaN for none. A signup that later uses a public
   * phrasing a campaign shares did not come for it.
   */
  cameFor0 = Number.NaN;
  cameFor1 = Number.NaN;
  cameFor2 = Number.NaN;

  /** Whether its first request was on one of the content groups `keys`. */
  cameFor(keys: ReadonlySet<number>): boolean {
    return keys.has(this.cameFor0) || keys.has(this.cameFor1) || keys.has(this.cameFor2);
  }
  /**
   * Distinct networks (`networkKey`: IPv4 /24 ≥ 0, IPv6 /48 < 0) and ASNs, first
   * seen first. The first of each is inline; the rest go to `more`, allocated only when an
   * account uses a second one: most accounts use one network, and two typed arrays per account
   * cost ~450 B of heap each (measured in bench/detector).
   */
  prefix0 = 0;
  prefixCount = 0;
  asn0 = 0;
  asnCount = 0;
  /** Prefixes 2..MAX_DISTINCT at [0, MAX_DISTINCT−1), ASNs 2..MAX_DISTINCT after them. */
  more: Float64Array | null = null;
  campaign: string | null = null;
  /** In an account stage that tracks changes: changed since its totals last went out. */
  changed = false;
  /**
   * Requests that carried an address / an ASN, and how many of them came from another prefix /
   * ASN than the request before. A proxy pool switches on nearly every request; a person with
   * a phone and a home line switches between sessions, so two networks a day is not rotation.
   */
  addressed = 0;
  prefixSwitches = 0;
  lastPrefix = Number.NaN;
  asnSeen = 0;
  asnSwitches = 0;
  lastAsn = Number.NaN;

  /** A request from prefix id `p`. */
  seenFrom(p: number): void {
    if (this.addressed > 0 && p !== this.lastPrefix) this.prefixSwitches++;
    this.addressed++;
    this.lastPrefix = p;
    this.addPrefix(p);
  }

  /** A request from ASN `v`. */
  seenAsn(v: number): void {
    if (this.asnSeen > 0 && v !== this.lastAsn) this.asnSwitches++;
    this.asnSeen++;
    this.lastAsn = v;
    this.addAsn(v);
  }

  /** Rotates through prefixes: ≥ 2 of them, and a switch on at least half its requests. */
  rotatesPrefix(): boolean {
    return this.prefixCount >= 2 && 2 * this.prefixSwitches >= this.addressed - 1;
  }

  /**
   * Rotates like a pool's exit: a fresh network on most requests so far (≥ 2 networks, as many
   * as ¾ of its addressed requests), or more networks than are kept. A person who alternates
   * between a home line, its IPv6 side and a phone on every request rotates by `rotatesPrefix`,
   * but has two to four networks over many requests (on synthetic text, 17 such people joined
   * the demo's hydra when three networks switched between were enough).
   */
  wanders(): boolean {
    const n = this.prefixCount;
    return n >= 2 && (n >= MAX_DISTINCT || 4 * n >= 3 * this.addressed);
  }

  rotatesAsn(): boolean {
    return this.asnCount >= 2 && 2 * this.asnSwitches >= this.asnSeen - 1;
  }

  prefix(i: number): number {
    return i === 0 ? this.prefix0 : (this.more?.[i - 1] ?? 0);
  }

  asn(i: number): number {
    return i === 0 ? this.asn0 : (this.more?.[MAX_DISTINCT - 2 + i] ?? 0);
  }

  addPrefix(v: number): void {
    const n = this.prefixCount;
    if (n === 0) {
      this.prefix0 = v;
      this.prefixCount = 1;
      return;
    }
    for (let i = 0; i < n; i++) if (this.prefix(i) === v) return;
    if (n >= MAX_DISTINCT) return;
    this.more ??= new Float64Array(2 * (MAX_DISTINCT - 1));
    this.more[n - 1] = v;
    this.prefixCount = n + 1;
  }

  addAsn(v: number): void {
    const n = this.asnCount;
    if (n === 0) {
      this.asn0 = v;
      this.asnCount = 1;
      return;
    }
    for (let i = 0; i < n; i++) if (this.asn(i) === v) return;
    if (n >= MAX_DISTINCT) return;
    this.more ??= new Float64Array(2 * (MAX_DISTINCT - 1));
    this.more[MAX_DISTINCT - 2 + n] = v;
    this.asnCount = n + 1;
  }

  constructor(
    readonly slot: number,
    readonly id: string,
    t: number,
  ) {
    this.first = t;
    this.last = t;
  }
}

/**
 * Lanes of account slots: an account's slot is drawn from the counter of its lane (a hash of
 * its id), `count · LANES + lane`. Members of a split linker (account-stage.ts) each own whole
 * lanes, so every account gets the same slot however many members there are, and the
 * campaigns, ids and alerts, which follow slots, are the same for any split.
 */
export const ACCOUNT_LANES = 64;

/** FNV-1a over the id's UTF-16 code units: the lane of an account. */
export function laneOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % ACCOUNT_LANES;
}

/**
 * The accounts the linker remembers, by id and by slot: fingerprints and campaigns refer to
 * accounts by slot (a number, never reused), not by their id string.
 */
export class AccountTable {
  readonly byId = new Map<string, AccountState>();
  readonly bySlot = new Map<number, AccountState>();
  /** Per lane, the next slot count (never reused: a slot's fingerprint bits outlive it). */
  readonly laneNext = new Float64Array(ACCOUNT_LANES);

  get size(): number {
    return this.byId.size;
  }

  /** One past the highest slot ever drawn. */
  get nextSlot(): number {
    let n = 0;
    for (let l = 0; l < ACCOUNT_LANES; l++) {
      const c = this.laneNext[l] as number;
      if (c > 0) n = Math.max(n, (c - 1) * ACCOUNT_LANES + l + 1);
    }
    return n;
  }

  /** Lane counters that draw no slot below `next` (checkpoints from before lanes). */
  startAt(next: number): void {
    for (let l = 0; l < ACCOUNT_LANES; l++)
      this.laneNext[l] = Math.max(0, Math.ceil((next - l) / ACCOUNT_LANES));
  }

  /** A new account at event time `t`, in the next slot of its lane. */
  add(id: string, t: number): AccountState {
    const lane = laneOf(id);
    const count = this.laneNext[lane] as number;
    this.laneNext[lane] = count + 1;
    return this.put(new AccountState(count * ACCOUNT_LANES + lane, id, t));
  }

  /** An account drawn elsewhere (an account stage's): its slot's lane counts past it. */
  adopt(a: AccountState): AccountState {
    const lane = a.slot % ACCOUNT_LANES;
    const count = Math.floor(a.slot / ACCOUNT_LANES) + 1;
    if ((this.laneNext[lane] as number) < count) this.laneNext[lane] = count;
    return this.put(a);
  }

  /** An account as a checkpoint had it (its slot included). */
  put(a: AccountState): AccountState {
    this.byId.set(a.id, a);
    this.bySlot.set(a.slot, a);
    return a;
  }

  remove(a: AccountState): void {
    this.byId.delete(a.id);
    this.bySlot.delete(a.slot);
  }

  /** The `n` least recently seen accounts, oldest first (ties: lower slot first). */
  oldest(n: number): AccountState[] {
    return [...this.byId.values()].sort((x, y) => x.last - y.last || x.slot - y.slot).slice(0, n);
  }
}
