/** Distinct values kept per account: enough to see rotation, bounded memory. */
/** What an account's spend said when the linker first saw it (`AccountState.opened`). */
export const Opened = { UNKNOWN: 0, FRESH: 1, OLD: 2 } as const;
export type Opened = (typeof Opened)[keyof typeof Opened];

export const MAX_DISTINCT = 8;

/**
 * Where the linker keeps its accounts' numbers: one row per account, row-major, the 64-bit
 * values in one array and the counters in another, so an account's totals sit on three cache
 * lines instead of an object whose every double is a separate 16-byte box (measured: a row is
 * 136 B where the object's fields were ~380 B). An `AccountState` is a handle on its row.
 */
export class AccountRows {
  f64: Float64Array;
  i32: Int32Array;
  private capacity: number;
  private used = 0;
  private readonly free: number[] = [];

  constructor(capacity = 1024) {
    this.capacity = capacity;
    const bytes = new ArrayBuffer(capacity * ROW_BYTES);
    this.f64 = new Float64Array(bytes);
    this.i32 = new Int32Array(bytes);
  }

  /** Rows handed out and not released. */
  get live(): number {
    return this.used - this.free.length;
  }

  /** A zeroed row. */
  alloc(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.capacity) this.grow();
    return this.used++;
  }

  release(row: number): void {
    this.f64.fill(0, row * F_STRIDE, (row + 1) * F_STRIDE);
    this.free.push(row);
  }

  /** By an eighth at a time: the spare rows stay a small share of the table's memory. */
  private grow(): void {
    const capacity = this.capacity + Math.max(1024, Math.ceil(this.capacity / 8));
    const f64 = new Float64Array(new ArrayBuffer(capacity * ROW_BYTES));
    f64.set(this.f64);
    this.f64 = f64;
    this.i32 = new Int32Array(f64.buffer);
    this.capacity = capacity;
  }
}

// Row layout. 64-bit values: event times, content keys (NaN: none), networks and ASNs (an IPv6
// /48 key and a 32-bit ASN do not fit 31 bits), token totals.
const F_FIRST = 0;
const F_LAST = 1;
const F_CAME_FOR0 = 2;
const F_CAME_FOR1 = 3;
const F_CAME_FOR2 = 4;
const F_PREFIX0 = 5;
const F_ASN0 = 6;
const F_LAST_PREFIX = 7;
const F_LAST_ASN = 8;
const F_OUTPUT = 9;
const F_REASONING = 10;
// Counters and small values, as 32-bit integers after them in the same row (an account's
// numbers are 136 contiguous bytes).
const I_REQUESTS = 22;
const I_COT = 23;
const I_ANSWERED = 24;
const I_TRACED = 25;
const I_ADDRESSED = 26;
const I_PREFIX_SWITCHES = 27;
const I_ASN_SEEN = 28;
const I_ASN_SWITCHES = 29;
const I_PREFIX_COUNT = 30;
const I_ASN_COUNT = 31;
const I_NEWCOMER = 32;
const I_OPENED = 33;
const ROW_BYTES = 136;
const F_STRIDE = ROW_BYTES / 8;
const I_STRIDE = ROW_BYTES / 4;

/**
 * What the linker keeps of one account: request totals, the networks it came from, its campaign.
 * The numbers live in a row of its table's `AccountRows`; an account outside any table (being
 * built, or removed while something still holds it) has a row of its own, so a handle reads
 * the same values wherever it is.
 */
export class AccountState {
  private rows: AccountRows;
  private row: number;
  /** Prefixes 2..MAX_DISTINCT at [0, MAX_DISTINCT−1), ASNs 2..MAX_DISTINCT after them. */
  more: Float64Array | null = null;
  campaign: string | null = null;
  /** In an account stage that tracks changes: changed since its totals last went out. */
  changed = false;

  constructor(
    readonly slot: number,
    readonly id: string,
    t: number,
    rows: AccountRows = new AccountRows(1),
  ) {
    this.rows = rows;
    this.row = rows.alloc();
    const f = this.row * F_STRIDE;
    const v = rows.f64;
    v[f + F_FIRST] = t;
    v[f + F_LAST] = t;
    v[f + F_CAME_FOR0] = Number.NaN;
    v[f + F_CAME_FOR1] = Number.NaN;
    v[f + F_CAME_FOR2] = Number.NaN;
    v[f + F_LAST_PREFIX] = Number.NaN;
    v[f + F_LAST_ASN] = Number.NaN;
  }

  /** Moves the numbers into a row of `rows` (a table's, or a row of its own when `rows` is null). */
  moveTo(rows: AccountRows | null): void {
    if (rows === this.rows) return;
    const to = rows ?? new AccountRows(1);
    const row = to.alloc();
    to.f64.set(this.rows.f64.subarray(this.row * F_STRIDE, (this.row + 1) * F_STRIDE), row * F_STRIDE);
    this.rows.release(this.row);
    this.rows = to;
    this.row = row;
  }

  private getF(k: number): number {
    return this.rows.f64[this.row * F_STRIDE + k] as number;
  }
  private setF(k: number, v: number): void {
    this.rows.f64[this.row * F_STRIDE + k] = v;
  }
  private getI(k: number): number {
    return this.rows.i32[this.row * I_STRIDE + k] as number;
  }
  private setI(k: number, v: number): void {
    this.rows.i32[this.row * I_STRIDE + k] = v;
  }

  get requests(): number {
    return this.getI(I_REQUESTS);
  }
  set requests(v: number) {
    this.setI(I_REQUESTS, v);
  }
  get cot(): number {
    return this.getI(I_COT);
  }
  set cot(v: number) {
    this.setI(I_COT, v);
  }
  /** Requests whose logs carried the answer, and those whose answer carried a reasoning trace. */
  get answered(): number {
    return this.getI(I_ANSWERED);
  }
  set answered(v: number) {
    this.setI(I_ANSWERED, v);
  }
  get traced(): number {
    return this.getI(I_TRACED);
  }
  set traced(v: number) {
    this.setI(I_TRACED, v);
  }
  get output(): number {
    return this.getF(F_OUTPUT);
  }
  set output(v: number) {
    this.setF(F_OUTPUT, v);
  }
  get reasoning(): number {
    return this.getF(F_REASONING);
  }
  set reasoning(v: number) {
    this.setF(F_REASONING, v);
  }
  get first(): number {
    return this.getF(F_FIRST);
  }
  set first(v: number) {
    this.setF(F_FIRST, v);
  }
  get last(): number {
    return this.getF(F_LAST);
  }
  set last(v: number) {
    this.setF(F_LAST, v);
  }
  /**
   * New when first seen, what a start burst is made of: the spend the gateway logged with its
   * first request was under `burst.freshSpendUsd` (a key opened minutes ago has spent nothing),
   * or, where the logs carry no spend, the linker had run `burst.warmupMs` by then (before
   * that, every account is new to it).
   */
  get newcomer(): boolean {
    return this.getI(I_NEWCOMER) !== 0;
  }
  set newcomer(v: boolean) {
    this.setI(I_NEWCOMER, v ? 1 : 0);
  }
  /**
   * What its spend said when first seen: FRESH (under `burst.freshSpendUsd`: opened for the
   * job, or a signup), OLD, or UNKNOWN (the logs carry no spend).
   */
  get opened(): Opened {
    return this.getI(I_OPENED) as Opened;
  }
  set opened(v: Opened) {
    this.setI(I_OPENED, v);
  }
  /**
   * For a fresh account, the content groups (template, question head and tail keys) its first
   * request was on, what it was opened for; NaN for none. A signup that later uses a public
   * phrasing a campaign shares did not come for it.
   */
  get cameFor0(): number {
    return this.getF(F_CAME_FOR0);
  }
  set cameFor0(v: number) {
    this.setF(F_CAME_FOR0, v);
  }
  get cameFor1(): number {
    return this.getF(F_CAME_FOR1);
  }
  set cameFor1(v: number) {
    this.setF(F_CAME_FOR1, v);
  }
  get cameFor2(): number {
    return this.getF(F_CAME_FOR2);
  }
  set cameFor2(v: number) {
    this.setF(F_CAME_FOR2, v);
  }

  /** Whether its first request was on one of the content groups `keys`. */
  cameFor(keys: ReadonlySet<number>): boolean {
    return keys.has(this.cameFor0) || keys.has(this.cameFor1) || keys.has(this.cameFor2);
  }
  /**
   * Distinct networks (`networkKey`: IPv4 /24 ≥ 0, IPv6 /48 < 0) and ASNs, first
   * seen first. The first of each is in the row; the rest go to `more`, allocated only when an
   * account uses a second one: most accounts use one network, and two typed arrays per account
   * cost ~450 B of heap each (measured in bench/detector).
   */
  get prefixCount(): number {
    return this.getI(I_PREFIX_COUNT);
  }
  get asnCount(): number {
    return this.getI(I_ASN_COUNT);
  }
  /**
   * Requests that carried an address / an ASN, and how many of them came from another prefix /
   * ASN than the request before. A proxy pool switches on nearly every request; a person with
   * a phone and a home line switches between sessions, so two networks a day is not rotation.
   */
  get addressed(): number {
    return this.getI(I_ADDRESSED);
  }
  set addressed(v: number) {
    this.setI(I_ADDRESSED, v);
  }
  get prefixSwitches(): number {
    return this.getI(I_PREFIX_SWITCHES);
  }
  set prefixSwitches(v: number) {
    this.setI(I_PREFIX_SWITCHES, v);
  }
  get lastPrefix(): number {
    return this.getF(F_LAST_PREFIX);
  }
  set lastPrefix(v: number) {
    this.setF(F_LAST_PREFIX, v);
  }
  get asnSeen(): number {
    return this.getI(I_ASN_SEEN);
  }
  set asnSeen(v: number) {
    this.setI(I_ASN_SEEN, v);
  }
  get asnSwitches(): number {
    return this.getI(I_ASN_SWITCHES);
  }
  set asnSwitches(v: number) {
    this.setI(I_ASN_SWITCHES, v);
  }
  get lastAsn(): number {
    return this.getF(F_LAST_ASN);
  }
  set lastAsn(v: number) {
    this.setF(F_LAST_ASN, v);
  }

  /**
   * One request's totals, in one visit to the row (AccountStage.observe): whether it elicits
   * reasoning, its tokens and its answer's trace (-1 none logged, 0 no trace, 1 a trace).
   */
  took(t: number, cot: boolean, output: number, reasoning: number, trace: number): void {
    const v = this.rows.f64;
    const n = this.rows.i32;
    const f = this.row * F_STRIDE;
    const i = this.row * I_STRIDE;
    n[i + I_REQUESTS] = (n[i + I_REQUESTS] as number) + 1;
    v[f + F_LAST] = Math.max(v[f + F_LAST] as number, t);
    if (cot) n[i + I_COT] = (n[i + I_COT] as number) + 1;
    v[f + F_OUTPUT] = (v[f + F_OUTPUT] as number) + output;
    v[f + F_REASONING] = (v[f + F_REASONING] as number) + reasoning;
    if (trace >= 0) {
      n[i + I_ANSWERED] = (n[i + I_ANSWERED] as number) + 1;
      n[i + I_TRACED] = (n[i + I_TRACED] as number) + trace;
    }
  }

  /** A request from prefix id `p`. */
  seenFrom(p: number): void {
    const v = this.rows.f64;
    const n = this.rows.i32;
    const f = this.row * F_STRIDE;
    const i = this.row * I_STRIDE;
    const addressed = n[i + I_ADDRESSED] as number;
    if (addressed > 0 && p !== v[f + F_LAST_PREFIX])
      n[i + I_PREFIX_SWITCHES] = (n[i + I_PREFIX_SWITCHES] as number) + 1;
    n[i + I_ADDRESSED] = addressed + 1;
    v[f + F_LAST_PREFIX] = p;
    // Most requests come from the account's first network.
    if (n[i + I_PREFIX_COUNT] === 0 || v[f + F_PREFIX0] !== p) this.addPrefix(p);
  }

  /** A request from ASN `x`. */
  seenAsn(x: number): void {
    const v = this.rows.f64;
    const n = this.rows.i32;
    const f = this.row * F_STRIDE;
    const i = this.row * I_STRIDE;
    const seen = n[i + I_ASN_SEEN] as number;
    if (seen > 0 && x !== v[f + F_LAST_ASN]) n[i + I_ASN_SWITCHES] = (n[i + I_ASN_SWITCHES] as number) + 1;
    n[i + I_ASN_SEEN] = seen + 1;
    v[f + F_LAST_ASN] = x;
    if (n[i + I_ASN_COUNT] === 0 || v[f + F_ASN0] !== x) this.addAsn(x);
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
    return i === 0 ? this.getF(F_PREFIX0) : (this.more?.[i - 1] ?? 0);
  }

  asn(i: number): number {
    return i === 0 ? this.getF(F_ASN0) : (this.more?.[MAX_DISTINCT - 2 + i] ?? 0);
  }

  addPrefix(v: number): void {
    const n = this.prefixCount;
    if (n === 0) {
      this.setF(F_PREFIX0, v);
      this.setI(I_PREFIX_COUNT, 1);
      return;
    }
    for (let i = 0; i < n; i++) if (this.prefix(i) === v) return;
    if (n >= MAX_DISTINCT) return;
    this.more ??= new Float64Array(2 * (MAX_DISTINCT - 1));
    this.more[n - 1] = v;
    this.setI(I_PREFIX_COUNT, n + 1);
  }

  addAsn(v: number): void {
    const n = this.asnCount;
    if (n === 0) {
      this.setF(F_ASN0, v);
      this.setI(I_ASN_COUNT, 1);
      return;
    }
    for (let i = 0; i < n; i++) if (this.asn(i) === v) return;
    if (n >= MAX_DISTINCT) return;
    this.more ??= new Float64Array(2 * (MAX_DISTINCT - 1));
    this.more[MAX_DISTINCT - 2 + n] = v;
    this.setI(I_ASN_COUNT, n + 1);
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
  /** The numbers of every account in the table. */
  readonly rows = new AccountRows();
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
    return this.put(new AccountState(count * ACCOUNT_LANES + lane, id, t, this.rows));
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
    const had = this.byId.get(a.id);
    if (had !== undefined && had !== a) had.moveTo(null);
    a.moveTo(this.rows);
    this.byId.set(a.id, a);
    this.bySlot.set(a.slot, a);
    return a;
  }

  remove(a: AccountState): void {
    this.byId.delete(a.id);
    this.bySlot.delete(a.slot);
    // Whoever still holds it (a changed list, a caller) keeps reading its final numbers.
    a.moveTo(null);
  }

  /** The `n` least recently seen accounts, oldest first (ties: lower slot first). */
  oldest(n: number): AccountState[] {
    return [...this.byId.values()].sort((x, y) => x.last - y.last || x.slot - y.slot).slice(0, n);
  }
}
