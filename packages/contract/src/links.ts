/**
 * The links topic, between the detector service and the campaign linker (docs/events.md). Kept
 * here with the other wire formats so that neither service imports the other.
 * Observations travel packed: one record per batch run of a source partition holds the link
 * events (`encodeLinkEvent`; whole ApiRequest bytes in version 1) of many requests with their
 * source offsets, so the Kafka client's
 * per-record work (partitioning, encoding, checksums) is paid once per run, not per request.
 * Watermarks say a source partition will forward no observation older than `dg-watermark-ms`.
 */
export const LINK_HEADERS = {
  kind: "dg-link-kind",
  sourcePartition: "dg-source-partition",
  sourcePartitions: "dg-source-partitions",
  watermarkMs: "dg-watermark-ms",
} as const;

export type LinkKind = "observations" | "watermark";

const MAGIC = 0x4c; // "L"
/** Values are ApiRequest single-object Avro bytes (detectors before link events). */
export const API_REQUEST_VALUES = 1;
/** Values are link events (`encodeLinkEvent`): only what the linker reads. */
export const LINK_EVENT_VALUES = 2;

/** Packs (source offset, value bytes) pairs: magic, version, then u64 offset, u32 length, bytes. */
export function packObservations(
  items: readonly { offset: string; value: Uint8Array }[],
  version: number = LINK_EVENT_VALUES,
): Buffer {
  let size = 2;
  for (const it of items) size += 12 + it.value.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = MAGIC;
  out[1] = version;
  let pos = 2;
  for (const it of items) {
    out.writeBigUInt64BE(BigInt(it.offset), pos);
    out.writeUInt32BE(it.value.length, pos + 8);
    out.set(it.value, pos + 12);
    pos += 12 + it.value.length;
  }
  return out;
}

/**
 * The pairs of `packObservations`, in order, and what the values are (`API_REQUEST_VALUES` or
 * `LINK_EVENT_VALUES`); throws RangeError on anything else.
 */
export function unpackObservations(b: Buffer): {
  version: number;
  items: { offset: bigint; value: Buffer }[];
} {
  if (b.length < 2 || b[0] !== MAGIC) throw new RangeError("not a packed link record");
  const version = b[1] as number;
  if (version !== API_REQUEST_VALUES && version !== LINK_EVENT_VALUES)
    throw new RangeError(`unknown packed link record version ${version}`);
  const items: { offset: bigint; value: Buffer }[] = [];
  let pos = 2;
  while (pos < b.length) {
    if (pos + 12 > b.length) throw new RangeError("truncated packed link record");
    const offset = b.readBigUInt64BE(pos);
    const len = b.readUInt32BE(pos + 8);
    if (pos + 12 + len > b.length) throw new RangeError("truncated packed link record");
    items.push({ offset, value: b.subarray(pos + 12, pos + 12 + len) });
    pos += 12 + len;
  }
  return { version, items };
}

/**
 * What the campaign linker reads of a request (packages/campaigns `LinkEvent`), and nothing
 * else: a request's Avro carries ~40 fields, and forwarding all of them made the links topic
 * resend every accepted request's bytes and the linker decode them a second time with avsc
 * (docs/benchmarks.md, the pipeline's profile).
 */
export interface LinkObservation {
  account_id: string;
  event_time_ms: number;
  client_address: string;
  client_asn: number | null;
  prompt_template_hash: Uint8Array;
  system_prompt_hash: Uint8Array | null;
  prompt_simhash?: Uint8Array | null;
  account_spend_usd?: number | null;
  request_temperature?: number | null;
  question_head_hash?: Uint8Array | null;
  question_tail_hash?: Uint8Array | null;
  cot_elicitation: number;
  response_trace?: number | null;
  usage_output_tokens: number;
  usage_reasoning_tokens: number | null;
}

const HAS_ASN = 1;
const HAS_SYSTEM = 2;
const HAS_SIMHASH = 4;
const HAS_SPEND = 8;
const HAS_TEMPERATURE = 16;
const HAS_HEAD = 32;
const HAS_TAIL = 64;
const HAS_TRACE = 128;
const HAS_REASONING = 256;
const HASH = 8;

const present = (v: unknown) => v !== null && v !== undefined;

/** Bytes of a link event's fixed part and of the optional parts `flags` says are present. */
function sizeOf(flags: number): number {
  let size = 2 + 8 + 8 + 4 + HASH;
  if (flags & HAS_ASN) size += 8;
  if (flags & HAS_SPEND) size += 8;
  if (flags & HAS_TEMPERATURE) size += 8;
  if (flags & HAS_TRACE) size += 8;
  if (flags & HAS_REASONING) size += 4;
  if (flags & HAS_SYSTEM) size += HASH;
  if (flags & HAS_SIMHASH) size += HASH;
  if (flags & HAS_HEAD) size += HASH;
  if (flags & HAS_TAIL) size += HASH;
  return size;
}

function putHash(b: Buffer, h: Uint8Array, pos: number, name: string): number {
  if (h.length !== HASH) throw new RangeError(`${name} is ${h.length} bytes, not ${HASH}`);
  // Eight bytes by hand: TypedArray.set costs more than the copy at this size.
  for (let i = 0; i < HASH; i++) b[pos + i] = h[i] as number;
  return pos + HASH;
}

/** Writes `s` (u16 length, UTF-8) at `pos`; ASCII, as ids and addresses are, by hand. */
function putText(b: Buffer, s: string, bytes: number, pos: number): number {
  b[pos] = bytes >>> 8;
  b[pos + 1] = bytes & 0xff;
  pos += 2;
  if (bytes === s.length) {
    for (let i = 0; i < bytes; i++) b[pos + i] = s.charCodeAt(i);
    return pos + bytes;
  }
  return pos + b.write(s, pos, "utf8");
}

/**
 * A link event's bytes: u16 presence flags, f64 event time, f64 CoT score, i32 output tokens,
 * the present optional numbers (f64, reasoning tokens i32), the 8-byte hashes, then account
 * id and address as u16-length UTF-8. Numbers are kept at full precision, so the linker sees
 * exactly what it would have read from the request.
 */
export function encodeLinkEvent(e: LinkObservation): Buffer {
  let flags = 0;
  if (present(e.client_asn)) flags |= HAS_ASN;
  if (e.system_prompt_hash) flags |= HAS_SYSTEM;
  if (e.prompt_simhash) flags |= HAS_SIMHASH;
  if (present(e.account_spend_usd)) flags |= HAS_SPEND;
  if (present(e.request_temperature)) flags |= HAS_TEMPERATURE;
  if (e.question_head_hash) flags |= HAS_HEAD;
  if (e.question_tail_hash) flags |= HAS_TAIL;
  if (present(e.response_trace)) flags |= HAS_TRACE;
  if (present(e.usage_reasoning_tokens)) flags |= HAS_REASONING;
  const id = Buffer.byteLength(e.account_id);
  const addr = Buffer.byteLength(e.client_address);
  if (id > 0xffff || addr > 0xffff) throw new RangeError("account id or address longer than 65,535 bytes");
  const b = Buffer.allocUnsafe(sizeOf(flags) + 4 + id + addr);
  let pos = b.writeUInt16BE(flags, 0);
  pos = b.writeDoubleBE(e.event_time_ms, pos);
  pos = b.writeDoubleBE(e.cot_elicitation, pos);
  pos = b.writeInt32BE(e.usage_output_tokens, pos);
  if (flags & HAS_ASN) pos = b.writeDoubleBE(e.client_asn as number, pos);
  if (flags & HAS_SPEND) pos = b.writeDoubleBE(e.account_spend_usd as number, pos);
  if (flags & HAS_TEMPERATURE) pos = b.writeDoubleBE(e.request_temperature as number, pos);
  if (flags & HAS_TRACE) pos = b.writeDoubleBE(e.response_trace as number, pos);
  if (flags & HAS_REASONING) pos = b.writeInt32BE(e.usage_reasoning_tokens as number, pos);
  pos = putHash(b, e.prompt_template_hash, pos, "prompt_template_hash");
  if (flags & HAS_SYSTEM) pos = putHash(b, e.system_prompt_hash as Uint8Array, pos, "system_prompt_hash");
  if (flags & HAS_SIMHASH) pos = putHash(b, e.prompt_simhash as Uint8Array, pos, "prompt_simhash");
  if (flags & HAS_HEAD) pos = putHash(b, e.question_head_hash as Uint8Array, pos, "question_head_hash");
  if (flags & HAS_TAIL) pos = putHash(b, e.question_tail_hash as Uint8Array, pos, "question_tail_hash");
  pos = putText(b, e.account_id, id, pos);
  putText(b, e.client_address, addr, pos);
  return b;
}

/**
 * The event `encodeLinkEvent` wrote. Hashes are views into `b`, which the caller keeps. Throws
 * RangeError on bytes that are not one (truncated, or longer than the event they hold).
 */
export function decodeLinkEvent(b: Buffer): LinkObservation {
  // Every length is checked once, up front: the reads below stay in bounds.
  if (b.length < 2) throw new RangeError("truncated link event");
  const flags = b.readUInt16BE(0);
  let pos = sizeOf(flags);
  if (pos + 2 > b.length) throw new RangeError("truncated link event");
  const id = b.readUInt16BE(pos);
  if (pos + 2 + id + 2 > b.length) throw new RangeError("truncated link event");
  const addr = b.readUInt16BE(pos + 2 + id);
  const end = pos + 4 + id + addr;
  if (end > b.length) throw new RangeError("truncated link event");
  if (end < b.length) throw new RangeError("link event followed by stray bytes");
  const account_id = b.toString("utf8", pos + 2, pos + 2 + id);
  const client_address = b.toString("utf8", pos + 4 + id, end);
  const event_time_ms = b.readDoubleBE(2);
  const cot_elicitation = b.readDoubleBE(10);
  const usage_output_tokens = b.readInt32BE(18);
  pos = 22;
  let client_asn: number | null = null;
  let account_spend_usd: number | null = null;
  let request_temperature: number | null = null;
  let response_trace: number | null = null;
  let usage_reasoning_tokens: number | null = null;
  if (flags & HAS_ASN) {
    client_asn = b.readDoubleBE(pos);
    pos += 8;
  }
  if (flags & HAS_SPEND) {
    account_spend_usd = b.readDoubleBE(pos);
    pos += 8;
  }
  if (flags & HAS_TEMPERATURE) {
    request_temperature = b.readDoubleBE(pos);
    pos += 8;
  }
  if (flags & HAS_TRACE) {
    response_trace = b.readDoubleBE(pos);
    pos += 8;
  }
  if (flags & HAS_REASONING) {
    usage_reasoning_tokens = b.readInt32BE(pos);
    pos += 4;
  }
  const prompt_template_hash = b.subarray(pos, pos + HASH);
  pos += HASH;
  let system_prompt_hash: Buffer | null = null;
  let prompt_simhash: Buffer | null = null;
  let question_head_hash: Buffer | null = null;
  let question_tail_hash: Buffer | null = null;
  if (flags & HAS_SYSTEM) {
    system_prompt_hash = b.subarray(pos, pos + HASH);
    pos += HASH;
  }
  if (flags & HAS_SIMHASH) {
    prompt_simhash = b.subarray(pos, pos + HASH);
    pos += HASH;
  }
  if (flags & HAS_HEAD) {
    question_head_hash = b.subarray(pos, pos + HASH);
    pos += HASH;
  }
  if (flags & HAS_TAIL) question_tail_hash = b.subarray(pos, pos + HASH);
  return {
    account_id,
    event_time_ms,
    client_address,
    client_asn,
    prompt_template_hash,
    system_prompt_hash,
    prompt_simhash,
    account_spend_usd,
    request_temperature,
    question_head_hash,
    question_tail_hash,
    cot_elicitation,
    response_trace,
    usage_output_tokens,
    usage_reasoning_tokens,
  };
}
