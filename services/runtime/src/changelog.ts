import type { Kafka, Message, Producer } from "kafkajs";
import type { Logger } from "pino";
import { ensureTopic } from "./kafka.ts";
import { readRanges } from "./reader.ts";
import type { Sender } from "./transactions.ts";

/**
 * Processor state in a compacted Kafka topic (the changelog), as Kafka Streams keeps its state
 * stores. Two forms, both committed by a header record under `name`:
 *
 * - `write`: a whole snapshot, as chunks under `name#epoch#i`, then the header naming the
 *   epoch; the previous epoch's chunks are deleted with tombstones. A crash between chunks and
 *   header leaves the old header pointing at intact old chunks.
 * - `writeChanges`: a small head (chunks as above) plus one record per key changed since the
 *   last write, under `name#k#table#half#key`, each tagged with the write's sequence number;
 *   the header commits the sequence. Why this survives a crash at any point, and compaction:
 *   see services/runtime/README.md ("Incremental changelog").
 *
 * One writer per name is assumed. Writes through a transaction (`via`, the runner's
 * `exactlyOnce`) hold that after a rebalance: a zombie owner's are aborted, never read (readers
 * are read_committed), and a write is then all or nothing. Without it a zombie is not fenced.
 */
export class Changelog {
  private readonly epochs = new Map<string, { epoch: number; chunks: number }>();
  private readonly keyed = new Map<string, KeyedState>();
  /** Whether `readAll` ran: `writeChanges` must know what the topic holds before it writes. */
  private hasRead = false;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    private readonly producer: Producer,
    private readonly chunkBytes = 512 * 1024,
  ) {}

  static async ensure(kafka: Kafka, topic: string): Promise<void> {
    await ensureTopic(kafka, topic, {
      partitions: 1,
      config: { "cleanup.policy": "compact", "min.compaction.lag.ms": "60000", "segment.ms": "3600000" },
    });
  }

  /**
   * Writes `bytes` as the latest snapshot of `name`, with `meta` (JSON) beside it; through `via`
   * (a transaction) instead of the changelog's producer when given.
   */
  async write(name: string, bytes: Uint8Array, meta: Record<string, unknown>, via?: Sender): Promise<void> {
    const producer = via ?? this.producer;
    const prev = this.epochs.get(name);
    const epoch = (prev?.epoch ?? 0) + 1;
    const chunks = Math.max(1, Math.ceil(bytes.length / this.chunkBytes));
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const messages: Message[] = [];
    for (let i = 0; i < chunks; i++) {
      messages.push({
        key: `${name}#${epoch}#${i}`,
        value: buf.subarray(i * this.chunkBytes, Math.min(buf.length, (i + 1) * this.chunkBytes)),
      });
    }
    // One chunk per request: the broker limits a partition's record batch (1 MiB by default),
    // not each record.
    for (const m of messages) await producer.send({ topic: this.topic, acks: -1, messages: [m] });
    const header = { epoch, chunks, bytes: bytes.length, meta };
    await producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: name, value: JSON.stringify(header) }],
    });
    this.epochs.set(name, { epoch, chunks });
    if (prev) {
      const tombstones = Array.from({ length: prev.chunks }, (_, i) => ({
        key: `${name}#${prev.epoch}#${i}`,
        value: null,
      }));
      await producer.send({ topic: this.topic, acks: -1, messages: tombstones });
    }
  }

  /**
   * Writes the changes of `name`'s state since its last `writeChanges` (or, `full`, all of it):
   * `head` whole, and per table the records of keys put and the keys removed. Afterwards a
   * reader gets `head`, `meta` and, per table, the latest record of every live key.
   */
  async writeChanges(
    name: string,
    changes: KeyedWrite,
    via?: Sender,
  ): Promise<{ records: number; bytes: number }> {
    if (!this.keyed.has(name) && !this.hasRead)
      throw new Error(`changelog ${this.topic}: read it (readAll) before writing changes of ${name}`);
    const st = this.keyedState(name);
    if (st.failed)
      throw new Error(
        `changelog ${this.topic}: an earlier write of ${name} failed (${st.failed}); its records are unknown until read again`,
      );
    try {
      return await this.writeKeyed(name, st, changes, via ?? this.producer);
    } catch (e) {
      // Was the header appended? Only a reader can tell: refuse to write on a guess.
      st.failed = e instanceof Error ? e.message : String(e);
      throw e;
    }
  }

  private async writeKeyed(
    name: string,
    st: KeyedState,
    changes: KeyedWrite,
    producer: Sender,
  ): Promise<{ records: number; bytes: number }> {
    const seq = st.seq + 1;
    // 1. What no committed header needs any more (orphans of a write that crashed before its
    //    header, leftovers of a cleanup a crash cut short): gone before a header can count them.
    await this.sendAll(
      producer,
      st.garbage.map((key) => ({ key, value: null })),
    );
    st.garbage = [];
    st.seq = seq;
    // 2. The head, and every change into the half of its key that the committed header does
    //    not read, so the committed record stays intact until the new header commits.
    const buf = Buffer.from(changes.head.buffer, changes.head.byteOffset, changes.head.byteLength);
    const chunks = Math.max(1, Math.ceil(buf.length / this.chunkBytes));
    const head: Message[] = [];
    for (let i = 0; i < chunks; i++)
      head.push({
        key: `${name}#${seq}#${i}`,
        value: buf.subarray(i * this.chunkBytes, (i + 1) * this.chunkBytes),
      });
    const base = changes.full ? seq : st.base;
    const records: Message[] = [];
    const cleanup: string[] = [];
    const markers: string[] = [];
    const after: { table: Map<string, number>; key: string; half: number | null }[] = [];
    let bytes = buf.length;
    // Tables a full write leaves out are gone.
    const dropped = new Set(st.tables.keys());
    for (const t of changes.tables) {
      const committed = st.tables.get(t.name) ?? new Map<string, number>();
      st.tables.set(t.name, committed);
      const rewritten = changes.full ? new Set<string>() : null;
      if (changes.full) dropped.delete(t.name);
      for (const [key, value] of t.puts) {
        const was = committed.get(key);
        const half = was === undefined ? 0 : 1 - was;
        records.push({ key: recordKey(name, t.name, half, key), value: recordValue(PUT, seq, value) });
        bytes += value.length;
        if (was !== undefined) cleanup.push(recordKey(name, t.name, was, key));
        after.push({ table: committed, key, half });
        rewritten?.add(key);
      }
      if (rewritten) {
        // A full write's base makes every older record unread; delete those of keys it dropped.
        for (const [key, half] of committed)
          if (!rewritten.has(key)) {
            cleanup.push(recordKey(name, t.name, half, key));
            after.push({ table: committed, key, half: null });
          }
      } else {
        for (const key of t.removed) {
          const was = committed.get(key);
          if (was === undefined) continue; // added and removed between two writes
          records.push({
            key: recordKey(name, t.name, 1 - was, key),
            value: recordValue(REMOVED, seq, null),
          });
          // The value before its marker: a marker deleted first would let the value reappear.
          cleanup.push(recordKey(name, t.name, was, key));
          markers.push(recordKey(name, t.name, 1 - was, key));
          after.push({ table: committed, key, half: null });
        }
      }
    }
    if (changes.full)
      for (const t of dropped)
        for (const [key, half] of st.tables.get(t) ?? []) cleanup.push(recordKey(name, t, half, key));
    await this.sendAll(producer, head);
    await this.sendAll(producer, records);
    // 3. The header: the write is committed once it is acknowledged.
    const header: Header = { v: 2, epoch: seq, chunks, bytes: buf.length, meta: changes.meta, base };
    await producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: name, value: JSON.stringify(header) }],
    });
    const prev = this.epochs.get(name);
    this.epochs.set(name, { epoch: seq, chunks });
    st.base = base;
    if (changes.full) for (const t of dropped) st.tables.delete(t);
    for (const a of after) {
      if (a.half === null) a.table.delete(a.key);
      else a.table.set(a.key, a.half);
    }
    // 4. What the new header made unreadable: the previous head, superseded halves, markers.
    if (prev) for (let i = 0; i < prev.chunks; i++) cleanup.push(`${name}#${prev.epoch}#${i}`);
    st.garbage = [...cleanup, ...markers];
    await this.sendAll(
      producer,
      st.garbage.map((key) => ({ key, value: null })),
    );
    st.garbage = [];
    return { records: records.length, bytes };
  }

  /** Sends in requests of about `chunkBytes`: the broker limits a partition's record batch (1 MiB by default). */
  private async sendAll(producer: Sender, messages: Message[]): Promise<void> {
    let batch: Message[] = [];
    let size = 0;
    for (const m of messages) {
      const n = (m.value?.length ?? 0) + String(m.key).length + 64;
      if (batch.length > 0 && size + n > this.chunkBytes) {
        await producer.send({ topic: this.topic, acks: -1, messages: batch });
        batch = [];
        size = 0;
      }
      batch.push(m);
      size += n;
    }
    if (batch.length > 0) await producer.send({ topic: this.topic, acks: -1, messages: batch });
  }

  private keyedState(name: string): KeyedState {
    let st = this.keyed.get(name);
    if (!st) {
      st = { seq: this.epochs.get(name)?.epoch ?? 0, base: 0, tables: new Map(), garbage: [] };
      this.keyed.set(name, st);
    }
    return st;
  }

  /**
   * Reads the topic to its end and returns the latest complete snapshot of every name (or of
   * those `wanted` accepts): for a `writeChanges` name, its head as `bytes` and its live
   * records in `tables`. Later writes by this instance continue where the topic left off.
   */
  async readAll(
    logger: Logger,
    wanted: (name: string) => boolean = () => true,
  ): Promise<Map<string, Snapshot>> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ranges: { partition: number; from: string; to: string }[];
    try {
      // From the log's start, not offset 0: a log emptied by retention has nothing to wait for.
      ranges = (await admin.fetchTopicOffsets(this.topic)).map((o) => ({
        partition: o.partition,
        from: o.low,
        to: o.high,
      }));
    } finally {
      await admin.disconnect();
    }
    const headers = new Map<string, Header>();
    const chunks = new Map<string, Buffer>();
    const records = new Map<string, Map<string, Buffer>>();
    await readRanges(this.kafka, this.topic, ranges, (_partition, messages) => {
      for (const m of messages) {
        const key = m.key?.toString() ?? "";
        const hash = key.indexOf("#");
        const name = hash < 0 ? key : key.slice(0, hash);
        if (!wanted(name)) continue;
        if (hash < 0) {
          if (m.value) headers.set(key, JSON.parse(m.value.toString()));
          else headers.delete(key);
        } else if (key.startsWith("k#", hash + 1)) {
          const mine = getOrAdd(records, name);
          if (m.value) mine.set(key, m.value);
          else mine.delete(key);
        } else if (m.value) chunks.set(key, m.value);
        else chunks.delete(key);
      }
    });
    const out = new Map<string, Snapshot>();
    const names = new Set([...headers.keys(), ...records.keys()]);
    for (const [key] of chunks) names.add(key.slice(0, key.indexOf("#")));
    for (const name of names) {
      const h = headers.get(name);
      const st: KeyedState = { seq: h?.epoch ?? 0, base: 0, tables: new Map(), garbage: [] };
      // Chunks of other epochs than the header's: orphans of a crashed write.
      for (const key of chunks.keys()) {
        if (!key.startsWith(`${name}#`)) continue;
        const epoch = Number(key.slice(name.length + 1, key.indexOf("#", name.length + 1)));
        st.seq = Math.max(st.seq, epoch);
        if (epoch !== h?.epoch) st.garbage.push(key);
      }
      const tables = h?.v === 2 ? new Map<string, Map<string, Buffer>>() : undefined;
      const late: string[] = [];
      let ignored = 0;
      // Per key, the record of the highest sequence in [base, header's]; the rest is garbage.
      const best = new Map<string, { key: string; seq: number; put: boolean; value: Buffer }>();
      for (const [key, value] of records.get(name) ?? []) {
        const r = parseRecordKey(name, key);
        const seq = value.readDoubleBE(1);
        st.seq = Math.max(st.seq, seq);
        const ok = r !== null && h?.v === 2 && seq >= (h.base ?? 0) && seq <= h.epoch;
        if (!ok || !r) {
          if (h?.v === 2 && seq > h.epoch) ignored++;
          st.garbage.push(key);
          continue;
        }
        const id = `${r.table}#${r.key}`;
        const b = best.get(id);
        const cand = { key, seq, put: value[0] === PUT, value };
        if (!b || seq > b.seq) {
          if (b) (b.put ? st.garbage : late).push(b.key);
          best.set(id, cand);
        } else (cand.put ? st.garbage : late).push(key);
      }
      if (tables && h) {
        st.base = h.base ?? 0;
        for (const b of best.values()) {
          const r = parseRecordKey(name, b.key) as { table: string; half: number; key: string };
          if (!b.put) {
            late.push(b.key);
            continue;
          }
          getOrAdd(tables, r.table).set(r.key, b.value.subarray(9));
          getOrAdd(st.tables, r.table).set(r.key, r.half);
        }
      }
      // Removal markers last: each may hide an older value of its key until that is gone.
      st.garbage.push(...late);
      this.keyed.set(name, st);
      if (ignored > 0)
        logger.warn(
          { topic: this.topic, name, records: ignored, committed: h?.epoch },
          "changelog: records of a write that never committed are ignored and will be deleted",
        );
      if (!h) continue;
      const parts: Buffer[] = [];
      for (let i = 0; i < h.chunks; i++) {
        const c = chunks.get(`${name}#${h.epoch}#${i}`);
        if (!c)
          throw new Error(`changelog ${this.topic}: snapshot ${name} epoch ${h.epoch} misses chunk ${i}`);
        parts.push(c);
      }
      const bytes = Buffer.concat(parts);
      if (bytes.length !== h.bytes) {
        throw new Error(
          `changelog ${this.topic}: snapshot ${name} has ${bytes.length} bytes, header says ${h.bytes}`,
        );
      }
      out.set(name, tables ? { bytes, meta: h.meta, tables } : { bytes, meta: h.meta });
      this.epochs.set(name, { epoch: h.epoch, chunks: h.chunks });
    }
    this.hasRead = true;
    logger.debug({ topic: this.topic, snapshots: out.size }, "changelog read");
    return out;
  }
}

/** A name's latest committed state: whole (`write`) or head + live records per table (`writeChanges`). */
export interface Snapshot {
  bytes: Buffer;
  meta: Record<string, unknown>;
  tables?: Map<string, Map<string, Buffer>>;
}

export interface KeyedWrite {
  head: Uint8Array;
  meta: Record<string, unknown>;
  /** Every live key is among the puts (the first write of a state, or after a rebuild). */
  full: boolean;
  /** Table names: no `#`. */
  tables: { name: string; puts: Iterable<readonly [string, Uint8Array]>; removed: Iterable<string> }[];
}

interface Header {
  v?: 2;
  epoch: number;
  chunks: number;
  bytes: number;
  meta: Record<string, unknown>;
  /** Records below this sequence are not read (a full write's own). */
  base?: number;
}

/** What a writer knows of a name's records: committed half per key, what to delete next. */
interface KeyedState {
  /** Highest sequence written or seen, committed or not: never reused. */
  seq: number;
  base: number;
  tables: Map<string, Map<string, number>>;
  /** Record keys to tombstone before the next header, in this order. */
  garbage: string[];
  /** Why a write failed: its outcome is unknown, so no write follows until a read. */
  failed?: string;
}

const PUT = 1;
const REMOVED = 2;

function getOrAdd<K, V>(m: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let v = m.get(key);
  if (!v) {
    v = new Map();
    m.set(key, v);
  }
  return v;
}

function recordKey(name: string, table: string, half: number, key: string): string {
  return `${name}#k#${table}#${half}#${key}`;
}

/** u8 kind, f64 sequence (big-endian), then the value. */
function recordValue(kind: number, seq: number, value: Uint8Array | null): Buffer {
  const out = Buffer.allocUnsafe(9 + (value?.length ?? 0));
  out[0] = kind;
  out.writeDoubleBE(seq, 1);
  if (value) out.set(value, 9);
  return out;
}

function parseRecordKey(name: string, key: string): { table: string; half: number; key: string } | null {
  const rest = key.slice(name.length + 3);
  const a = rest.indexOf("#");
  const b = rest.indexOf("#", a + 1);
  if (a < 0 || b < 0) return null;
  const half = Number(rest.slice(a + 1, b));
  return half === 0 || half === 1 ? { table: rest.slice(0, a), half, key: rest.slice(b + 1) } : null;
}
