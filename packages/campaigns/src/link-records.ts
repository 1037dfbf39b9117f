import type { AccountSink } from "./account-stage.ts";
import { AccountState, MAX_DISTINCT } from "./accounts.ts";
import type { CampaignLinker, LinkEvent } from "./linker.ts";

/**
 * Link records: what an account stage in one process sends the link stage in another
 * (account-stage.ts). One record per request (what the link stage reads of it: its account's
 * slot, the hashes it touches, whether it elicits and was answered with a trace, its network),
 * with the account's id and spend on its first request only; the account's totals when they
 * changed (before each evaluation) and when the cap evicts it. Binary, little-endian, no
 * allocation per record but the buffer's growth.
 */
const TOUCH = 1;
const TOTALS = 2;
const EVICTED = 3;

const FIRST = 1 << 0;
const COT = 1 << 1;
const ANSWERED = 1 << 2;
const TRACED = 1 << 3;
const SIMHASH = 1 << 4;
const TEMPERATURE = 1 << 5;
const SYSTEM = 1 << 6;
const HEAD = 1 << 7;
const TAIL = 1 << 8;
const NETWORK = 1 << 9;
const SPEND = 1 << 10;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Writes link records; an `AccountSink` for an account stage whose link stage is elsewhere. */
export class LinkRecordWriter implements AccountSink {
  private bytes = new Uint8Array(1 << 16);
  private view = new DataView(this.bytes.buffer);
  private at = 0;
  /** Records written since the last `take`. */
  records = 0;
  /** The account opened by the request about to be touched: its id and spend go with it. */
  private opening: AccountState | null = null;

  opened(a: AccountState): void {
    this.opening = a;
  }

  evicted(a: AccountState): void {
    this.room(1);
    this.view.setUint8(this.at++, EVICTED);
    this.writeTotals(a);
  }

  /** The account's totals as they are now: before an evaluation, for each changed account. */
  totals(a: AccountState): void {
    this.room(1);
    this.view.setUint8(this.at++, TOTALS);
    this.writeTotals(a);
  }

  touched(slot: number, e: LinkEvent, cot: boolean, trace: number, network: number): void {
    const first = this.opening;
    this.opening = null;
    const spend = e.account_spend_usd;
    const temperature = e.request_temperature;
    let flags = 0;
    if (first) flags |= FIRST;
    if (first && spend !== null && spend !== undefined) flags |= SPEND;
    if (cot) flags |= COT;
    if (trace >= 0) flags |= ANSWERED;
    if (trace > 0) flags |= TRACED;
    if (e.prompt_simhash) flags |= SIMHASH;
    if (temperature !== null && temperature !== undefined) flags |= TEMPERATURE;
    if (e.system_prompt_hash) flags |= SYSTEM;
    if (e.question_head_hash) flags |= HEAD;
    if (e.question_tail_hash) flags |= TAIL;
    if (!Number.isNaN(network)) flags |= NETWORK;
    const id = first ? first.id : "";
    this.room(64 + 8 * 6 + 3 * id.length);
    const v = this.view;
    v.setUint8(this.at, TOUCH);
    v.setUint16(this.at + 1, flags, true);
    v.setUint32(this.at + 3, slot, true);
    v.setFloat64(this.at + 7, e.event_time_ms, true);
    this.at += 15;
    if (first) {
      if (flags & SPEND) this.f64(spend as number);
      const n = utf8.encodeInto(id, this.bytes.subarray(this.at + 2)).written;
      v.setUint16(this.at, n, true);
      this.at += 2 + n;
    }
    this.hash(e.prompt_template_hash);
    if (e.prompt_simhash) this.hash(e.prompt_simhash);
    if (flags & TEMPERATURE) this.f64(temperature as number);
    if (e.system_prompt_hash) this.hash(e.system_prompt_hash);
    if (e.question_head_hash) this.hash(e.question_head_hash);
    if (e.question_tail_hash) this.hash(e.question_tail_hash);
    if (flags & NETWORK) this.f64(network);
    this.records++;
  }

  /** The records written since the last call (a view: valid until the next write). */
  take(): Uint8Array {
    const out = this.bytes.subarray(0, this.at);
    this.at = 0;
    this.records = 0;
    return out;
  }

  private writeTotals(a: AccountState): void {
    this.room(4 + 8 * 13 + 2 + 16 * MAX_DISTINCT);
    const v = this.view;
    v.setUint32(this.at, a.slot, true);
    this.at += 4;
    this.f64(a.requests);
    this.f64(a.cot);
    this.f64(a.answered);
    this.f64(a.traced);
    this.f64(a.output);
    this.f64(a.reasoning);
    this.f64(a.last);
    this.f64(a.addressed);
    this.f64(a.prefixSwitches);
    this.f64(a.lastPrefix);
    this.f64(a.asnSeen);
    this.f64(a.asnSwitches);
    this.f64(a.lastAsn);
    v.setUint8(this.at++, a.prefixCount);
    v.setUint8(this.at++, a.asnCount);
    for (let i = 0; i < a.prefixCount; i++) this.f64(a.prefix(i));
    for (let i = 0; i < a.asnCount; i++) this.f64(a.asn(i));
    this.records++;
  }

  private f64(x: number): void {
    this.view.setFloat64(this.at, x, true);
    this.at += 8;
  }

  private hash(h: Uint8Array): void {
    this.bytes.set(h.subarray(0, 8), this.at);
    this.at += 8;
  }

  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(2 * this.bytes.length, this.at + n));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

/**
 * Applies link records to a link stage, whose accounts are copies its records keep. Records
 * from several account stages interleave in event order as their requests did; each stage's
 * totals come before the evaluation they are for.
 */
export function applyLinkRecords(bytes: Uint8Array, linker: CampaignLinker): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const e = scratch;
  let at = 0;
  while (at < bytes.length) {
    const type = v.getUint8(at);
    if (type === TOTALS || type === EVICTED) {
      const slot = v.getUint32(at + 1, true);
      const a = linker.accountAt(slot);
      if (!a) throw new Error(`link records: totals of account slot ${slot}, which was never opened`);
      at = readTotals(v, at + 5, a);
      if (type === EVICTED) linker.evicted(a);
      continue;
    }
    if (type !== TOUCH) throw new Error(`link records: unknown record type ${type} at byte ${at}`);
    const flags = v.getUint16(at + 1, true);
    const slot = v.getUint32(at + 3, true);
    const t = v.getFloat64(at + 7, true);
    at += 15;
    e.event_time_ms = t;
    let opened: AccountState | null = null;
    if (flags & FIRST) {
      e.account_spend_usd = null;
      if (flags & SPEND) {
        e.account_spend_usd = v.getFloat64(at, true);
        at += 8;
      }
      const n = v.getUint16(at, true);
      const id = fromUtf8.decode(bytes.subarray(at + 2, at + 2 + n));
      at += 2 + n;
      opened = linker.adopt(new AccountState(slot, id, t));
    }
    e.prompt_template_hash = copy8(bytes, at, hashes.template);
    at += 8;
    e.prompt_simhash = null;
    if (flags & SIMHASH) {
      e.prompt_simhash = copy8(bytes, at, hashes.simhash);
      at += 8;
    }
    e.request_temperature = null;
    if (flags & TEMPERATURE) {
      e.request_temperature = v.getFloat64(at, true);
      at += 8;
    }
    e.system_prompt_hash = null;
    if (flags & SYSTEM) {
      e.system_prompt_hash = copy8(bytes, at, hashes.system);
      at += 8;
    }
    e.question_head_hash = null;
    if (flags & HEAD) {
      e.question_head_hash = copy8(bytes, at, hashes.head);
      at += 8;
    }
    e.question_tail_hash = null;
    if (flags & TAIL) {
      e.question_tail_hash = copy8(bytes, at, hashes.tail);
      at += 8;
    }
    let network = Number.NaN;
    if (flags & NETWORK) {
      network = v.getFloat64(at, true);
      at += 8;
    }
    if (opened) linker.opened(opened, e);
    const trace = flags & ANSWERED ? (flags & TRACED ? 1 : 0) : -1;
    linker.touched(slot, e, (flags & COT) !== 0, trace, network);
  }
}

/**
 * The hashes of the record being applied, copied out (a view per hash cost more than the rest
 * of the record): the link stage reads them during the call and keeps none (it keeps keys and
 * hex names).
 */
const hashes = {
  template: new Uint8Array(8),
  simhash: new Uint8Array(8),
  system: new Uint8Array(8),
  head: new Uint8Array(8),
  tail: new Uint8Array(8),
};

function copy8(from: Uint8Array, at: number, to: Uint8Array): Uint8Array {
  for (let i = 0; i < 8; i++) to[i] = from[at + i] as number;
  return to;
}

/** The request a touch record describes, as the link stage reads it (reused). */
const scratch: LinkEvent = {
  account_id: "",
  event_time_ms: 0,
  client_address: "",
  client_asn: null,
  prompt_template_hash: new Uint8Array(8),
  system_prompt_hash: null,
  cot_elicitation: 0,
  usage_output_tokens: 0,
  usage_reasoning_tokens: null,
};

function readTotals(v: DataView, at: number, a: AccountState): number {
  a.requests = v.getFloat64(at, true);
  a.cot = v.getFloat64(at + 8, true);
  a.answered = v.getFloat64(at + 16, true);
  a.traced = v.getFloat64(at + 24, true);
  a.output = v.getFloat64(at + 32, true);
  a.reasoning = v.getFloat64(at + 40, true);
  a.last = v.getFloat64(at + 48, true);
  a.addressed = v.getFloat64(at + 56, true);
  a.prefixSwitches = v.getFloat64(at + 64, true);
  a.lastPrefix = v.getFloat64(at + 72, true);
  a.asnSeen = v.getFloat64(at + 80, true);
  a.asnSwitches = v.getFloat64(at + 88, true);
  a.lastAsn = v.getFloat64(at + 96, true);
  at += 8 * 13;
  const prefixes = v.getUint8(at);
  const asns = v.getUint8(at + 1);
  at += 2;
  // Distinct values only grow, first seen first: the copy adds what it lacks.
  for (let i = a.prefixCount; i < prefixes; i++) a.addPrefix(v.getFloat64(at + 8 * i, true));
  at += 8 * prefixes;
  for (let i = a.asnCount; i < asns; i++) a.addAsn(v.getFloat64(at + 8 * i, true));
  return at + 8 * asns;
}
