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
  ) {
    this.last = t;
  }
}

/**
 * The shared content fingerprints. A fingerprint is tracked once a second account uses it;
 * until then one slot of a fixed first-seen table (the admission table) remembers its first
 * user. Free-form prompts, each with its own template hash, thus never take memory.
 */
export class FingerprintTable {
  readonly tracked = new Map<number, FingerprintState>();
  private readonly firstKey: Float64Array;
  private readonly firstUser: Int32Array;

  /** `live`: the slots of accounts still remembered (a first user may have been forgotten). */
  constructor(
    readonly slots: number,
    private readonly live: ReadonlyMap<number, unknown>,
  ) {
    this.firstKey = new Float64Array(slots).fill(-1);
    this.firstUser = new Int32Array(slots).fill(-1);
  }

  get size(): number {
    return this.tracked.size;
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
    let fp = this.tracked.get(key);
    if (!fp) {
      const slot = Math.abs(key) % this.slots;
      if (this.firstKey[slot] !== key) {
        this.firstKey[slot] = key;
        this.firstUser[slot] = account;
        return;
      }
      const first = this.firstUser[slot] as number;
      if (first === account) return;
      fp = new FingerprintState(kind, key, hash ? hex(hash) : networkHex(key), t);
      this.tracked.set(key, fp);
      if (this.live.has(first)) fp.accounts.set(first, packMember(1, 1));
      // The first user's request was its own question, as far as this group can tell.
      fp.requests = 1;
      fp.novel = 1;
      this.firstKey[slot] = -1;
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

  /** Forgets fingerprints unseen since `cutoff`, and forgotten accounts from the others. */
  expire(cutoff: number): void {
    for (const [key, fp] of this.tracked) {
      if (fp.last < cutoff) {
        this.tracked.delete(key);
        continue;
      }
      for (const slot of fp.accounts.keys()) if (!this.live.has(slot)) fp.accounts.delete(slot);
    }
  }

  /** The admission table's used slots as flat triples (slot, key, first user), for checkpoints. */
  admission(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.firstKey.length; i++) {
      if (this.firstKey[i] !== -1) out.push(i, this.firstKey[i] as number, this.firstUser[i] as number);
    }
    return out;
  }

  restoreAdmission(triples: readonly number[]): void {
    for (let i = 0; i < triples.length; i += 3) {
      this.firstKey[triples[i] as number] = triples[i + 1] as number;
      this.firstUser[triples[i] as number] = triples[i + 2] as number;
    }
  }
}
