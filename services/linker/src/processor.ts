import { CampaignLinker, type LinkerConfig } from "@distillguard/campaigns";
import {
  API_REQUEST_VALUES,
  alertCodec,
  apiRequestCodec,
  ContractError,
  campaignUpdateCodec,
  decodeLinkEvent,
  encodeLinkEvent,
  LINK_HEADERS,
  type LinkObservation,
  unpackObservations,
} from "@distillguard/contract";
import {
  type BatchOutput,
  type Changelog,
  deadLetter,
  type Logger,
  type StatefulProcessor,
} from "@distillguard/runtime";
import type { Message } from "kafkajs";
import type { LinkerMetrics } from "./metrics.ts";
import { combinedWatermark, idleSources } from "./watermarks.ts";

interface Pending {
  t: number;
  source: number;
  offset: bigint;
  /** The link event's bytes (encodeLinkEvent), kept for checkpoints. */
  bytes: Buffer;
  event: LinkObservation;
}

export interface LinkerTask {
  linker: CampaignLinker;
  /** Source partitions of the detectors' input, learnt from their watermarks. */
  sources: number;
  watermarks: Map<number, number>;
  /** Wall time of each source's last record, for idleness; not checkpointed (a restart waits anew). */
  lastInputAt: Map<number, number>;
  /** Wall time this task started waiting for its sources. */
  openedAt: number;
  /** Sources left out of the clock at the last advance, to log when they leave and rejoin. */
  idle: number[];
  /** Highest source offset taken per source partition: a detector's replay is dropped by it. */
  maxSeen: Map<number, bigint>;
  /** Observations not yet applied: the linker applies them in event-time order per interval. */
  buffer: Pending[];
  /** Every observation before this event time has been applied. */
  appliedUntilMs: number | null;
  nextEvalMs: number | null;
  checkpointedAt: number;
  late: number;
}

export interface LinkerProcessorOptions {
  config: LinkerConfig;
  changelog: Changelog;
  logger: Logger;
  topics: { campaigns: string; alerts: string };
  evaluateEveryMs: number;
  checkpointEveryMs: number;
  /** Wall time after which a silent source partition stops holding the clock back; 0: never. */
  sourceIdleMs?: number;
  metrics?: LinkerMetrics;
  now?: () => number;
}

const SERVICE = "linker";

/**
 * The campaign linker over every detector partition. The links topic interleaves the
 * detectors' outputs in whatever order they ran; to give the same campaigns whatever that
 * order, observations wait in a buffer until every source partition's watermark passed them,
 * then are applied sorted by (event time, source partition, source offset), and evaluations
 * happen at fixed event times. A detector replaying after a crash re-sends observations it
 * sent before: their source offsets are at or below `maxSeen`, so they are dropped.
 */
export function linkerProcessor(opts: LinkerProcessorOptions): StatefulProcessor<LinkerTask> {
  const now = opts.now ?? Date.now;
  const idleMs = opts.sourceIdleMs ?? 0;
  let snapshots = new Map<string, { bytes: Buffer; meta: Record<string, unknown> }>();
  const name = (topic: string, partition: number) => `linker/${topic}/${partition}`;

  function fresh(): LinkerTask {
    return {
      linker: new CampaignLinker(opts.config),
      sources: 0,
      watermarks: new Map(),
      lastInputAt: new Map(),
      openedAt: now(),
      idle: [],
      maxSeen: new Map(),
      buffer: [],
      appliedUntilMs: null,
      nextEvalMs: null,
      checkpointedAt: now(),
      late: 0,
    };
  }

  /** Applies buffered observations before `untilMs`, in a fixed order. */
  function apply(task: LinkerTask, untilMs: number): void {
    const ready: Pending[] = [];
    const rest: Pending[] = [];
    for (const o of task.buffer) (o.t < untilMs ? ready : rest).push(o);
    ready.sort(
      (a, b) => a.t - b.t || a.source - b.source || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
    );
    for (const o of ready) task.linker.observe(o.event);
    task.buffer = rest;
    task.appliedUntilMs = untilMs;
  }

  /** Advances to the lowest watermark over the sources not idle: apply, evaluate on the way. */
  function advance(task: LinkerTask, campaigns: Message[], alerts: Message[]): void {
    const clocks = { ...task, since: task.openedAt };
    const idle = idleSources(clocks, now(), idleMs);
    if (idle.join() !== task.idle.join()) {
      opts.logger.info(
        { idle, rejoined: task.idle.filter((p) => !idle.includes(p)), idleMs },
        "idle source partitions changed: the linker's clock skips the idle ones",
      );
      task.idle = idle;
    }
    const low = combinedWatermark(clocks, idle);
    if (low === null || !Number.isFinite(low) || (task.appliedUntilMs !== null && low <= task.appliedUntilMs))
      return;
    if (task.nextEvalMs === null) {
      let first = low;
      // The earliest observation before `low` is the stream's earliest whatever the interleaving
      // (every source forwarded all of those before announcing its watermark).
      for (const o of task.buffer) if (o.t < low) first = Math.min(first, o.t);
      task.nextEvalMs = (Math.floor(first / opts.evaluateEveryMs) + 1) * opts.evaluateEveryMs;
    }
    while (task.nextEvalMs <= low) {
      apply(task, task.nextEvalMs);
      const out = task.linker.evaluate(task.nextEvalMs);
      for (const c of out.campaigns)
        campaigns.push({ key: c.campaign_id, value: campaignUpdateCodec.encode(c) });
      for (const a of out.alerts) alerts.push({ key: a.subject_id, value: alertCodec.encode(a) });
      task.nextEvalMs += opts.evaluateEveryMs;
    }
    apply(task, low);
  }

  return {
    async prepare(topic, partitions) {
      if (partitions.length > 1 || (partitions[0] ?? 0) !== 0) {
        throw new Error(
          `the links topic ${topic} must have exactly one partition: the linker needs every observation (got ${partitions.join(", ")})`,
        );
      }
      const mine = new Set(partitions.map((p) => name(topic, p)));
      snapshots = await opts.changelog.readAll(opts.logger, (n) => mine.has(n));
    },

    async open(topic, partition) {
      const snap = snapshots.get(name(topic, partition));
      if (!snap) return { state: fresh(), resumeAt: null };
      return { state: restore(snap.bytes, opts.config, now()), resumeAt: String(snap.meta.nextOffset) };
    },

    process(task, topic, partition, messages): BatchOutput {
      const campaigns: Message[] = [];
      const alerts: Message[] = [];
      const dead: Message[] = [];
      const lateBefore = task.late;
      for (const m of messages) {
        const h = (k: string) => m.headers?.[k]?.toString();
        const kind = h(LINK_HEADERS.kind);
        const source = Number(h(LINK_HEADERS.sourcePartition));
        if (Number.isInteger(source)) task.lastInputAt.set(source, now());
        if (kind === "watermark") {
          task.sources = Math.max(task.sources, Number(h(LINK_HEADERS.sourcePartitions) ?? 0));
          const w = Number(h(LINK_HEADERS.watermarkMs));
          if (w > (task.watermarks.get(source) ?? Number.NEGATIVE_INFINITY)) task.watermarks.set(source, w);
          advance(task, campaigns, alerts);
          continue;
        }
        let packed: ReturnType<typeof unpackObservations>;
        try {
          if (kind !== "observations" || !Number.isInteger(source)) throw new RangeError("not a link record");
          packed = unpackObservations(m.value ?? Buffer.alloc(0));
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          dead.push(
            deadLetter(m, { topic, partition, service: SERVICE }, { message: why, kind: "link-record" }),
          );
          continue;
        }
        // Whole requests come from detectors that predate link events (a rolling upgrade):
        // kept as link events, so the buffer and checkpoints hold one kind.
        const requests = packed.version === API_REQUEST_VALUES;
        for (const o of packed.items) {
          if (o.offset <= (task.maxSeen.get(source) ?? -1n)) continue;
          task.maxSeen.set(source, o.offset);
          let event: LinkObservation;
          let bytes: Buffer;
          try {
            bytes = requests ? encodeLinkEvent(apiRequestCodec.decode(o.value)) : Buffer.from(o.value);
            event = decodeLinkEvent(bytes);
          } catch (e) {
            if (!(e instanceof ContractError || e instanceof RangeError)) throw e;
            const why = e instanceof ContractError ? e.kind : "link-event";
            dead.push(
              deadLetter(
                { ...m, value: o.value },
                { topic, partition, service: SERVICE },
                { message: `${e.message} (source offset ${o.offset})`, kind: why },
              ),
            );
            continue;
          }
          if (task.appliedUntilMs !== null && event.event_time_ms < task.appliedUntilMs) {
            // Cannot happen while detectors keep their watermark promise; counted if it does.
            task.late++;
            continue;
          }
          task.buffer.push({
            t: event.event_time_ms,
            source,
            offset: o.offset,
            bytes,
            event,
          });
        }
      }
      if (opts.metrics) {
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (const w of task.watermarks.values()) {
          lo = Math.min(lo, w);
          hi = Math.max(hi, w);
        }
        opts.metrics.buffer(task.buffer.length, hi > lo ? hi - lo : 0);
      }
      return {
        outputs: [
          { topic: opts.topics.campaigns, messages: campaigns },
          { topic: opts.topics.alerts, messages: alerts },
        ],
        dead,
        late: task.late - lateBefore,
      };
    },

    async checkpoint(task, topic, partition, nextOffset, force, via) {
      // On a wall-clock cadence: a checkpoint's content is the state at an input offset, so when
      // it is taken changes how much a restart replays, never what the replay produces.
      const due = now() - task.checkpointedAt >= opts.checkpointEveryMs;
      if (!force && !due) return;
      const bytes = snapshot(task);
      await opts.changelog.write(name(topic, partition), bytes, { nextOffset }, via);
      task.checkpointedAt = now();
      opts.logger.debug(
        { nextOffset, bytes: bytes.length, buffered: task.buffer.length },
        "checkpoint written",
      );
    },

    size(task) {
      return task.buffer.length * 300 + task.linker.activeAccounts * 400;
    },
  };
}

/** Checkpoint: a JSON head, the linker's own bytes, then the buffered observations' bytes. */
function snapshot(task: LinkerTask): Uint8Array {
  const head = Buffer.from(
    JSON.stringify({
      // v2: buffered observations are link events; v1 held whole requests.
      v: 2,
      sources: task.sources,
      watermarks: [...task.watermarks],
      maxSeen: [...task.maxSeen].map(([p, o]) => [p, o.toString()]),
      buffer: task.buffer.map((o) => [o.source, o.offset.toString(), o.bytes.length]),
      appliedUntilMs: task.appliedUntilMs,
      nextEvalMs: task.nextEvalMs,
      late: task.late,
    }),
  );
  const linker = task.linker.serialize();
  const parts: Buffer[] = [u32(head.length), head, u32(linker.length), Buffer.from(linker)];
  for (const o of task.buffer) parts.push(o.bytes);
  return Buffer.concat(parts);
}

function restore(bytes: Buffer, config: LinkerConfig, nowMs: number): LinkerTask {
  let pos = 0;
  const take = () => {
    const n = bytes.readUInt32BE(pos);
    const b = bytes.subarray(pos + 4, pos + 4 + n);
    pos += 4 + n;
    return b;
  };
  const h = JSON.parse(take().toString());
  if (h.v !== 1 && h.v !== 2) throw new Error(`unsupported linker checkpoint version ${h.v}`);
  const linker = CampaignLinker.deserialize(take(), config);
  const buffer: Pending[] = [];
  for (const [source, offset, len] of h.buffer as [number, string, number][]) {
    const kept = bytes.subarray(pos, pos + len);
    pos += len;
    const b = h.v === 1 ? encodeLinkEvent(apiRequestCodec.decode(kept)) : Buffer.from(kept);
    const event = decodeLinkEvent(b);
    buffer.push({ t: event.event_time_ms, source, offset: BigInt(offset), bytes: b, event });
  }
  return {
    linker,
    sources: h.sources,
    watermarks: new Map(h.watermarks),
    lastInputAt: new Map(),
    openedAt: nowMs,
    idle: [],
    maxSeen: new Map((h.maxSeen as [number, string][]).map(([p, o]) => [p, BigInt(o)])),
    buffer,
    appliedUntilMs: h.appliedUntilMs,
    nextEvalMs: h.nextEvalMs,
    checkpointedAt: nowMs,
    late: h.late,
  };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
