// How a run's events reach a detector and its alerts come back: the seam between the quality
// bench and what it measures: the detector library in process, or the streaming services on Kafka.

import { parseConfig } from "@distillguard/config";
import {
  type Alert,
  type ApiRequest,
  alertCodec,
  apiRequestCodec,
  type CampaignUpdate,
  campaignUpdateCodec,
} from "@distillguard/contract";
import { Detector, type DetectorConfig, defaultDetectorConfig } from "@distillguard/detector";
import {
  createDetectorService,
  detectorSettings,
  ensureDetectorTopics,
} from "@distillguard/detector-service";
import { createLinkerService, ensureLinkerTopics, linkerSettings } from "@distillguard/linker-service";
import { runScopedEnv } from "@distillguard/pipeline";
import {
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
  type KafkaConnection,
  REPLAY_TOPIC_CONFIG,
} from "@distillguard/runtime";
import type { Kafka } from "kafkajs";

/** Everything the detector emitted on one run, in the order it emitted it. */
export interface DetectionOutput {
  /** Account and campaign alerts: open, update and resolved records. */
  alerts: Alert[];
  /** Campaign updates; `members` lists every member (no 1000 cap) where the backend can. */
  campaigns: CampaignUpdate[];
  /** Campaign updates whose member list the backend could not complete. */
  truncatedUpdates: number;
}

/** One run: requests in, in event-time order; at the end, everything the detector said. */
export interface DetectionSession {
  send(r: ApiRequest): void;
  /** Backpressure for a backend that ships events elsewhere (the simulator awaits it). */
  drain?(): Promise<void>;
  /** The stream ends at event time `endMs`. */
  finish(endMs: number): Promise<DetectionOutput>;
}

export interface RunContext {
  startMs: number;
  /** Model launches the detector is told about (they count towards new_model_share). */
  releases: readonly { model: string; atMs: number }[];
}

export interface DetectionBackend {
  readonly name: string;
  /** How the run was detected, for the report. */
  readonly describe: string;
  open(run: RunContext): DetectionSession;
}

/**
 * The detector library in this process, evaluated on a fixed schedule of event time (the
 * watermark a streaming service would advance) and once more at the end of the stream.
 */
export function inProcessBackend(options: {
  evaluateEveryMs: number;
  config?: DetectorConfig;
}): DetectionBackend {
  const every = options.evaluateEveryMs;
  return {
    name: "in-process",
    describe: `@distillguard/detector in process, evaluate every ${every / 60_000} min of event time`,
    open(run) {
      const detector = new Detector(options.config ?? defaultDetectorConfig);
      const pending = [...run.releases].sort((x, y) => x.atMs - y.atMs);
      const out: DetectionOutput = { alerts: [], campaigns: [], truncatedUpdates: 0 };
      let next = run.startMs + every;
      const evaluate = (t: number) => {
        const o = detector.evaluate(t);
        out.alerts.push(...o.alerts);
        for (const c of o.campaigns) {
          // Updates list at most 1000 members; the linker in this process knows them all.
          out.campaigns.push(
            c.members_truncated
              ? { ...c, members: detector.linker.membersOf(c.campaign_id), members_truncated: false }
              : c,
          );
        }
      };
      return {
        send(r) {
          while (r.event_time_ms >= next) {
            evaluate(next);
            next += every;
          }
          while (pending.length > 0 && r.event_time_ms >= (pending[0]?.atMs ?? Number.POSITIVE_INFINITY)) {
            detector.release(pending.shift()?.model ?? "");
          }
          detector.observe(r);
          if (detector.hasReady) {
            const o = detector.scoreReady(r.event_time_ms);
            out.alerts.push(...o.alerts);
          }
        },
        async finish(endMs) {
          while (next < endMs) {
            evaluate(next);
            next += every;
          }
          evaluate(endMs);
          return out;
        },
      };
    },
  };
}

/**
 * Through the real Kafka pipeline: each run's events go to fresh topics, the streaming detector
 * and campaign-linker services (the `pipeline` command's, in this process) consume them, and the
 * alerts and campaign updates are read back from their topics once every group has committed its
 * input. Differences from in process, by design of the services: no release notices (they have
 * no API for them yet) and no extra evaluation at the stream's end; campaign updates list at
 * most 1000 members (counted in `truncatedUpdates`).
 */
export function pipelineBackend(options: {
  kafka: KafkaConnection;
  evaluateEveryMs: number;
}): DetectionBackend {
  const every = options.evaluateEveryMs;
  const logger = createLogger("bench-quality", "warn", "json");
  const kafka = createKafka({ clientId: "dg-bench-quality", logger, ...options.kafka });
  return {
    name: "pipeline",
    describe: `Kafka → detector and linker services, evaluate every ${every / 60_000} min of event time`,
    open() {
      const prefix = `dg-quality-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const env: Record<string, string> = {
        KAFKA_BROKERS: options.kafka.brokers.join(","),
        LOG_LEVEL: "warn",
        LOG_FORMAT: "json",
        ...runScopedEnv(prefix),
        DG_DETECTOR_EVALUATE_EVERY: `${every}ms`,
        DG_LINKER_EVALUATE_EVERY: `${every}ms`,
      };
      const detectorS = parseConfig(detectorSettings, env, { prefix: "DG_DETECTOR_" });
      const linkerS = parseConfig(linkerSettings, env, { prefix: "DG_LINKER_" });
      const buffered: { key: string; value: Buffer }[] = [];
      const producer = createProducer(kafka);
      const ready = (async () => {
        await ensureTopic(kafka, detectorS.requestsTopic, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
        await producer.connect();
      })();
      const flush = async () => {
        await ready;
        while (buffered.length > 0) {
          await producer.send({
            topic: detectorS.requestsTopic,
            acks: -1,
            messages: buffered.splice(0, 2_000),
          });
        }
      };
      return {
        send(r) {
          buffered.push({ key: r.account_id, value: apiRequestCodec.encode(r) });
        },
        async drain() {
          if (buffered.length >= 10_000) await flush();
        },
        async finish() {
          await flush();
          await producer.disconnect();
          await ensureDetectorTopics(kafka, detectorS);
          await ensureLinkerTopics(kafka, linkerS);
          const detector = createDetectorService(detectorS, { kafka, logger });
          const linker = createLinkerService(linkerS, { kafka, logger });
          await detector.start();
          await linker.start();
          try {
            await untilCommitted(kafka, detectorS.groupId, detectorS.requestsTopic);
            await untilCommitted(kafka, linkerS.groupId, linkerS.linksTopic);
          } finally {
            await detector.stop();
            await linker.stop();
          }
          const out: DetectionOutput = { alerts: [], campaigns: [], truncatedUpdates: 0 };
          for (const v of await readAll(kafka, detectorS.alertsTopic)) out.alerts.push(alertCodec.decode(v));
          for (const v of await readAll(kafka, detectorS.campaignsTopic)) {
            const c = campaignUpdateCodec.decode(v);
            if (c.members_truncated) out.truncatedUpdates++;
            out.campaigns.push(c);
          }
          // Records of one topic come back partition by partition: restore emission order.
          out.alerts.sort((a, b) => a.event_time_ms - b.event_time_ms || a.revision - b.revision);
          out.campaigns.sort((a, b) => a.event_time_ms - b.event_time_ms);
          const admin = kafka.admin();
          await admin.connect();
          const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
          await admin.deleteTopics({ topics: mine }).catch(() => {});
          await admin.disconnect();
          return out;
        },
      };
    },
  };
}

async function untilCommitted(kafka: Kafka, groupId: string, topic: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const [c] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const at = new Map((c?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      if (ends.every((e) => BigInt(e.high) === 0n || (at.get(e.partition) ?? -1n) >= BigInt(e.high))) return;
    } finally {
      await admin.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`${groupId} did not process ${topic} within 10 min`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every record value of a topic, read to its end by a throwaway group. */
async function readAll(kafka: Kafka, topic: string): Promise<Buffer[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
  await admin.disconnect();
  const pending = new Set([...ends].filter(([, e]) => e > 0n).map(([p]) => p));
  const out: Buffer[] = [];
  if (pending.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) if (m.value) out.push(m.value);
          if (BigInt(batch.lastOffset()) + 1n >= (ends.get(batch.partition) ?? 0n))
            pending.delete(batch.partition);
          if (pending.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}
