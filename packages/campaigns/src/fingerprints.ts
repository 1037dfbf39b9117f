import { hash53, hex } from "./keys.ts";

export type ContentKind = "template" | "system_prompt";
/**
 * What a candidate group shares: a content fingerprint, or a network (`ip_prefix`: an IPv4 /24
 * or IPv6 /48, keyed by `networkKey`) — the content-free key a proxy pool's accounts meet on
 * when their prompts share no template.
 */
export type GroupKind = ContentKind | "ip_prefix";

/** The 16 hex digits naming a network group (its `networkKey`, offset to be non-negative). */
export function networkHex(key: number): string {
  return (key + 2 ** 49).toString(16).padStart(16, "0");
}

/**
 * A member's requests on a fingerprint and how many of them were new questions, packed into
 * one number (each below 2^24 within the horizon), so a group's members cost no more memory.
 */
const NOVEL = 2 ** 24;
export function requestsOn(v: number): number {
  return v % NOVEL;
}
export function novelOn(v: number): number {
  return Math.floor(v / NOVEL);
}
export function packMember(requests: number, novel: number): number {
  return requests + novel * NOVEL;
}

/** A fingerprint (template or system-prompt hash, or a network) that two or more accounts used. */
export class FingerprintState {
  requests = 0;
  cot = 0;
  /** Requests whose logs carry the answer, and those whose answer carried a reasoning trace. */
  answered = 0;
  traced = 0;
  /** Requests whose prompt was a new question to the linker (or whose log has no prompt). */
  novel = 0;
  /** Requests whose prompt another account had asked first (`ECHO` in questions.ts). */
  echoed = 0;
  last: number;
  /** Requests on it per account slot, and how many were new questions (`packMember`). */
  readonly accounts = new Map<number, number>();

  constructor(
    readonly kind: GroupKind,
    readonly key: number,
    readonly hex: string,
    t: number,
    /**
     * The table's touch count when it was admitted: the order groups are evaluated in (it
     * decides which union-find root and anchor a component gets), the same however the table
     * is split into shards.
     */
    readonly seq = 0,
  ) {
    this.last = t;
  }
}

/**
 * The shared content fingerprints. A fingerprint is tracked once a second account uses it;
 * until then one slot of a fixed first-seen table (the admission table) remembers its first
 * user. Free-form prompts, each with its own template hash, thus never take memory.
 *
 * Split into `shards` by admission slot (slot mod shards): fingerprints that compete for a
 * slot are in one shard, so each shard admits exactly what the whole table would, and a
 * shard's work needs nothing from the others. Groups are read in admission order
 * (`inOrder`), merged across shards by `seq`, so the linker's output does not depend on the
 * split (linker.test.ts runs one and three). This is the part of the linker that can move to
 * other processes (services/linker/README.md).
 */
export class FingerprintTable {
  private readonly parts: FingerprintShard[];
  /** Touches so far: each admitted fingerprint's `seq`. */
  touches = 0;

  constructor(
    readonly slots: number,
    readonly shards = 1,
  ) {
    if (!Number.isInteger(shards) || shards < 1 || shards > slots) {
      throw new RangeError(`shards must be an integer from 1 to the ${slots} admission slots, not ${shards}`);
    }
    this.parts = Array.from({ length: shards }, (_, i) => new FingerprintShard(slots, shards, i));
  }

  get size(): number {
    let n = 0;
    for (const p of this.parts) n += p.tracked.size;
    return n;
  }

  /**
   * One request of account `account` (its slot) on a fingerprint; `trace`: -1 when the log has
   * no answer, else whether the answer carried a reasoning trace (0 or 1). No allocation
   * unless admitted.
   */
  touch(
    kind: ContentKind,
    hash: Uint8Array,
    account: number,
    t: number,
    cot: boolean,
    trace: number,
    novel: boolean,
    echo = false,
  ): void {
    this.touchKey(
      kind,
      kind === "template" ? hash53(hash) : -hash53(hash) - 1,
      hash,
      account,
      t,
      cot,
      trace,
      novel,
      echo,
    );
  }

  /**
   * `touch` by key: `hash` names a content fingerprint; null names a network by its key
   * (`networkHex`). Each kind lives in its own table, so keys of different kinds never meet.
   */
  touchKey(
    kind: GroupKind,
    key: number,
    hash: Uint8Array | null,
    account: number,
    t: number,
    cot: boolean,
    trace: number,
    novel: boolean,
    echo = false,
  ): void {
    const slot = Math.abs(key) % this.slots;
    const part = this.parts.length === 1 ? (this.parts[0] as FingerprintShard) : this.partOf(slot);
    part.touch(kind, key, slot, hash, account, t, cot, trace, novel, echo, this.touches++);
  }

  /** Every tracked fingerprint, in the order it was admitted. */
  *inOrder(): IterableIterator<FingerprintState> {
    if (this.parts.length === 1) {
      yield* (this.parts[0] as FingerprintShard).tracked.values();
      return;
    }
    // Each shard's map is in admission order already (a re-admitted fingerprint is deleted and
    // inserted again, with a later seq): merge them.
    const all: FingerprintState[] = [];
    for (const p of this.parts) for (const f of p.tracked.values()) all.push(f);
    all.sort((x, y) => x.seq - y.seq);
    yield* all;
  }

  /**
   * An account the linker no longer remembers (slots are never reused). Told, not looked up:
   * a shard in another process cannot read the linker's accounts, so the order of touches and
   * forgets is all it knows, as here.
   */
  forget(slot: number): void {
    for (const p of this.parts) p.forget(slot);
  }

  /**
   * The fingerprints `least` to `most` accounts share, in admission order: an evaluation's
   * candidate groups. Each shard picks its own, so only these cross between shards (or, split
   * over processes, are sent).
   */
  *candidates(least: number, most: number): IterableIterator<FingerprintState> {
    const fits = (f: FingerprintState) => f.accounts.size >= least && f.accounts.size <= most;
    if (this.parts.length === 1) {
      for (const f of (this.parts[0] as FingerprintShard).tracked.values()) if (fits(f)) yield f;
      return;
    }
    const picked: FingerprintState[] = [];
    for (const p of this.parts) for (const f of p.tracked.values()) if (fits(f)) picked.push(f);
    picked.sort((x, y) => x.seq - y.seq);
    yield* picked;
  }

  /** Forgets fingerprints unseen since `cutoff`, and forgotten accounts from the others. */
  expire(cutoff: number): void {
    for (const p of this.parts) p.expire(cutoff);
  }

  /**
   * After a restore: the accounts a checkpoint's fingerprints and first-seen slots name that
   * are not among `live` were forgotten before it was written (a checkpoint between two
   * evaluations still names them), and are forgotten again.
   */
  forgetAllBut(live: ReadonlyMap<number, unknown>): void {
    for (const p of this.parts) {
      for (const fp of p.tracked.values()) {
        for (const slot of fp.accounts.keys()) if (!live.has(slot)) p.forget(slot);
      }
      for (const user of p.firstUser) if (user >= 0 && !live.has(user)) p.forget(user);
    }
  }

  /** The admission table's used slots as flat triples (slot, key, first user), for checkpoints. */
  admission(): number[] {
    const out: number[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      const p = this.partOf(slot);
      const i = Math.floor(slot / this.parts.length);
      if (p.firstKey[i] !== -1) out.push(slot, p.firstKey[i] as number, p.firstUser[i] as number);
    }
    return out;
  }

  restoreAdmission(triples: readonly number[]): void {
    for (let i = 0; i < triples.length; i += 3) {
      const slot = triples[i] as number;
      const p = this.partOf(slot);
      const at = Math.floor(slot / this.parts.length);
      p.firstKey[at] = triples[i + 1] as number;
      p.firstUser[at] = triples[i + 2] as number;
    }
  }

  /** A tracked fingerprint from a checkpoint; restored in admission order. */
  restore(f: FingerprintState): void {
    this.partOf(Math.abs(f.key) % this.slots).tracked.set(f.key, f);
  }

  private partOf(slot: number): FingerprintShard {
    return this.parts[slot % this.parts.length] as FingerprintShard;
  }
}

/** The fingerprints of the admission slots ≡ `index` (mod `shards`), and those slots. */
class FingerprintShard {
  readonly tracked = new Map<number, FingerprintState>();
  readonly firstKey: Float64Array;
  readonly firstUser: Int32Array;

  /**
   * One bit per account slot ever seen, set when the account was forgotten. Slots are never
   * reused, so a bit never clears; a set of forgotten slots swept from the first-seen table at
   * each evaluation cost 2 µs an event under a 3,000-account cap that evicts often.
   */
  private forgotten = new Uint32Array(1024);
  /** Whether any account was forgotten since the last `expire`. */
  private pending = false;

  constructor(
    slots: number,
    private readonly shards: number,
    index: number,
  ) {
    const mine = Math.ceil((slots - index) / shards);
    this.firstKey = new Float64Array(mine).fill(-1);
    this.firstUser = new Int32Array(mine).fill(-1);
  }

  touch(
    kind: GroupKind,
    key: number,
    slot: number,
    hash: Uint8Array | null,
    account: number,
    t: number,
    cot: boolean,
    trace: number,
    novel: boolean,
    echo: boolean,
    seq: number,
  ): void {
    let fp = this.tracked.get(key);
    if (!fp) {
      const at = this.shards === 1 ? slot : Math.floor(slot / this.shards);
      if (this.firstKey[at] !== key) {
        this.firstKey[at] = key;
        this.firstUser[at] = account;
        return;
      }
      const first = this.firstUser[at] as number;
      if (first === account) return;
      fp = new FingerprintState(kind, key, hash ? hex(hash) : networkHex(key), t, seq);
      this.tracked.set(key, fp);
      if (!this.isForgotten(first)) fp.accounts.set(first, packMember(1, 1));
      // The first user's request was its own question, as far as this group can tell.
      fp.requests = 1;
      fp.novel = 1;
      this.firstKey[at] = -1;
    }
    fp.requests++;
    if (novel) fp.novel++;
    if (echo) fp.echoed++;
    if (cot) fp.cot++;
    if (trace >= 0) {
      fp.answered++;
      fp.traced += trace;
    }
    fp.last = Math.max(fp.last, t);
    fp.accounts.set(account, (fp.accounts.get(account) ?? 0) + (novel ? NOVEL + 1 : 1));
  }

  forget(slot: number): void {
    const word = slot >>> 5;
    if (word >= this.forgotten.length) {
      const grown = new Uint32Array(Math.max(word + 1, this.forgotten.length * 2));
      grown.set(this.forgotten);
      this.forgotten = grown;
    }
    this.forgotten[word] = (this.forgotten[word] as number) | (1 << (slot & 31));
    this.pending = true;
  }

  isForgotten(slot: number): boolean {
    const word = slot >>> 5;
    return word < this.forgotten.length && ((this.forgotten[word] as number) & (1 << (slot & 31))) !== 0;
  }

  expire(cutoff: number): void {
    for (const [key, fp] of this.tracked) {
      if (fp.last < cutoff) {
        this.tracked.delete(key);
        continue;
      }
      if (this.pending)
        for (const slot of fp.accounts.keys()) if (this.isForgotten(slot)) fp.accounts.delete(slot);
    }
    this.pending = false;
  }
}
