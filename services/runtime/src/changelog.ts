import type { Kafka, Message, Producer } from "kafkajs";
import type { Logger } from "pino";
import { ensureTopic } from "./kafka.ts";
import { readRanges } from "./reader.ts";
import type { Sender } from "./transactions.ts";

/**
 * Snapshots of processor state in a compacted Kafka topic (the changelog), as Kafka Streams
 * keeps its state stores: each snapshot is written as chunks under keys `name#epoch#i`, then a
 * header record under `name` that names the epoch; the previous epoch's chunks are deleted
 * with tombstones. A crash between chunks and header leaves the old header pointing at intact
 * old chunks, so a reader always assembles a complete snapshot.
 *
 * One writer per name is assumed. Writes through a transaction (`via`, the runner's
 * `exactlyOnce`) hold that after a rebalance: a zombie owner's are aborted, never read (readers
 * are read_committed), and its epochs, counted from what it last read, cannot collide with its
 * successor's. Without it a zombie is not fenced. A snapshot is whole state, so its size and
 * write time grow with the state.
 */
export class Changelog {
  private readonly epochs = new Map<string, { epoch: number; chunks: number }>();

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
   * Reads the topic to its end and returns the latest complete snapshot of every name (or of
   * those `wanted` accepts). Later writes by this instance continue the epochs it read.
   */
  async readAll(
    logger: Logger,
    wanted: (name: string) => boolean = () => true,
  ): Promise<Map<string, { bytes: Buffer; meta: Record<string, unknown> }>> {
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
    const headers = new Map<
      string,
      { epoch: number; chunks: number; bytes: number; meta: Record<string, unknown> }
    >();
    const chunks = new Map<string, Buffer>();
    await readRanges(this.kafka, this.topic, ranges, (_partition, messages) => {
      for (const m of messages) {
        const key = m.key?.toString() ?? "";
        const hash = key.indexOf("#");
        const name = hash < 0 ? key : key.slice(0, hash);
        if (!wanted(name)) continue;
        if (hash < 0) {
          if (m.value) headers.set(key, JSON.parse(m.value.toString()));
          else headers.delete(key);
        } else if (m.value) chunks.set(key, m.value);
        else chunks.delete(key);
      }
    });
    const out = new Map<string, { bytes: Buffer; meta: Record<string, unknown> }>();
    for (const [name, h] of headers) {
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
      out.set(name, { bytes, meta: h.meta });
      this.epochs.set(name, { epoch: h.epoch, chunks: h.chunks });
    }
    logger.debug({ topic: this.topic, snapshots: out.size }, "changelog read");
    return out;
  }
}
