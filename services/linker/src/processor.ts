import {
  AccountStage,
  applyLinkRecords,
  CampaignLinker,
  type LinkerConfig,
  LinkRecordWriter,
} from "@distillguard/campaigns";
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
import type { KafkaMessage, Message } from "kafkajs";
import type { LinkerMetrics } from "./metrics.ts";
import { packUnits, RECORD_KINDS, type Unit, unpackUnits } from "./records.ts";
import { combinedWatermark, idleSources } from "./watermarks.ts";

/**
 * What a linker process does (DG_LINKER_ROLE): `all`, the whole linker over a one-partition
 * links topic; a linker split by account has `accounts` members, one account stage per links
 * partition sending link records (records.ts), and one `link` member reading them.
 */
export type LinkerRole = "all" | "accounts" | "link";

interface Pending {
  t: number;
  source: number;
  offset: bigint;
  /** The link event's bytes (encodeLinkEvent), or in the link role the unit's link records. */
  bytes: Buffer;
  /** The link event; null in the link role. */
  event: LinkObservation | null;
}

/** A link stage's pending totals: an account stage's (lane's) changed accounts for evaluation `t`. */
interface Totals {
  t: number;
  lane: number;
  bytes: Buffer;
}

export interface LinkerTask {
  /** Roles all and link; null in the accounts role. */
  linker: CampaignLinker | null;
  /** The accounts role: the account stage and the writer of its link records. */
  stage: AccountStage | null;
  writer: LinkRecordWriter | null;
  /** The link role: totals received for evaluations not reached yet. */
  totals: Totals[];
  /** The accounts role: the last watermark sent to the link stage. */
  sentWatermarkMs: number | null;
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
  /** Default all. */
  role?: LinkerRole;
  changelog: Changelog;
  logger: Logger;
  /** `records`: the split linker's records topic (roles accounts and link). */
  topics: { campaigns: string; alerts: string; records?: string };
  /** Partitions of a topic (the accounts role tells the link stage how many stages there are). */
  partitionCount?: (topic: string) => Promise<number>;
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
  const role = opts.role ?? "all";
  const recordsTopic = opts.topics.records ?? "";
  if (role !== "all" && !recordsTopic) throw new Error(`the ${role} role needs the link records topic`);
  let snapshots = new Map<string, { bytes: Buffer; meta: Record<string, unknown> }>();
  /** The accounts role: partitions of the links topic, the link stage's sources. */
  let lanes = 0;
  const name = (topic: string, partition: number) => `linker/${topic}/${partition}`;
  /** An account stage keeps its share of the cap: the stages together keep what one linker would. */
  const stageConfig = (): LinkerConfig => ({
    ...opts.config,
    maxAccounts: Math.max(1, Math.floor(opts.config.maxAccounts / Math.max(1, lanes))),
  });

  function fresh(): LinkerTask {
    const writer = role === "accounts" ? new LinkRecordWriter() : null;
    return {
      linker: role === "accounts" ? null : new CampaignLinker(opts.config),
      stage: writer ? new AccountStage(stageConfig(), writer, undefined, true) : null,
      writer,
      totals: [],
      sentWatermarkMs: null,
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

  /**
   * Applies buffered observations before `untilMs`, in a fixed order; the accounts role
   * collects the units it sends.
   */
  function apply(task: LinkerTask, untilMs: number, units: Unit[]): void {
    const ready: Pending[] = [];
    const rest: Pending[] = [];
    for (const o of task.buffer) (o.t < untilMs ? ready : rest).push(o);
    ready.sort(
      (a, b) => a.t - b.t || a.source - b.source || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
    );
    const { linker, stage, writer } = task;
    for (const o of ready) {
      if (stage && writer && o.event) {
        stage.observe(o.event);
        units.push({ t: o.t, source: o.source, offset: o.offset, bytes: Buffer.from(writer.take()) });
      } else if (linker && o.event) linker.observe(o.event);
      else if (linker) applyLinkRecords(o.bytes, linker);
    }
    task.buffer = rest;
    task.appliedUntilMs = untilMs;
  }

  /** What the role does at evaluation time `t`, its observations before `t` applied. */
  function evaluateAt(task: LinkerTask, t: number, lane: number, units: Unit[], out: Outputs): void {
    const { linker, stage, writer } = task;
    if (stage && writer) {
      // The stage's units before `t`, then its changed accounts' totals for `t`.
      flushUnits(lane, units, out);
      stage.drainChanged((a) => writer.totals(a));
      out.records.push(recordsMessage(RECORD_KINDS.totals, lane, Buffer.from(writer.take()), t));
      stage.expire(t - opts.config.horizonMs);
      return;
    }
    if (!linker) return;
    // Link role: every stage's totals for `t` (each stage sent them before its watermark passed
    // `t`), in lane order, then the evaluation.
    const due = task.totals.filter((x) => x.t <= t).sort((a, b) => a.t - b.t || a.lane - b.lane);
    task.totals = task.totals.filter((x) => x.t > t);
    for (const x of due) applyLinkRecords(x.bytes, linker);
    const result = linker.evaluate(t);
    for (const c of result.campaigns)
      out.campaigns.push({ key: c.campaign_id, value: campaignUpdateCodec.encode(c) });
    for (const a of result.alerts) out.alerts.push({ key: a.subject_id, value: alertCodec.encode(a) });
  }

  function flushUnits(lane: number, units: Unit[], out: Outputs): void {
    if (units.length === 0) return;
    out.records.push(recordsMessage(RECORD_KINDS.touches, lane, packUnits(units)));
    units.length = 0;
  }

  function recordsMessage(kind: string, lane: number, value: Buffer | null, t?: number): Message {
    const headers: Record<string, string> = {
      [LINK_HEADERS.kind]: kind,
      [LINK_HEADERS.sourcePartition]: String(lane),
      [LINK_HEADERS.sourcePartitions]: String(lanes),
    };
    if (t !== undefined) headers[LINK_HEADERS.watermarkMs] = String(t);
    return { key: String(lane), partition: 0, value, headers };
  }

  /** Advances to the lowest watermark over the sources not idle: apply, evaluate on the way. */
  function advance(task: LinkerTask, lane: number, out: Outputs): void {
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
    const units: Unit[] = [];
    while (task.nextEvalMs <= low) {
      apply(task, task.nextEvalMs, units);
      evaluateAt(task, task.nextEvalMs, lane, units, out);
      task.nextEvalMs += opts.evaluateEveryMs;
    }
    apply(task, low, units);
    if (role === "accounts") {
      flushUnits(lane, units, out);
      if (task.sentWatermarkMs === null || low > task.sentWatermarkMs) {
        out.records.push(recordsMessage(RECORD_KINDS.watermark, lane, null, low));
        task.sentWatermarkMs = low;
      }
    }
  }

  return {
    async prepare(topic, partitions) {
      if (role === "accounts") {
        lanes = (await opts.partitionCount?.(topic)) ?? 0;
        if (lanes < 1) throw new Error(`cannot tell how many partitions ${topic} has`);
      } else if (partitions.length > 1 || (partitions[0] ?? 0) !== 0) {
        throw new Error(
          role === "all"
            ? `the links topic ${topic} must have exactly one partition: the linker needs every observation (got ${partitions.join(", ")}); with more, split the linker (DG_LINKER_ROLE=accounts and link)`
            : `the link records topic ${topic} must have exactly one partition: the link stage needs every record (got ${partitions.join(", ")})`,
        );
      }
      const mine = new Set(partitions.map((p) => name(topic, p)));
      snapshots = await opts.changelog.readAll(opts.logger, (n) => mine.has(n));
    },

    async open(topic, partition) {
      const snap = snapshots.get(name(topic, partition));
      if (!snap) return { state: fresh(), resumeAt: null };
      return {
        state: restore(snap.bytes, role === "accounts" ? stageConfig() : opts.config, role, now()),
        resumeAt: String(snap.meta.nextOffset),
      };
    },

    process(task, topic, partition, messages): BatchOutput {
      const out: Outputs = { campaigns: [], alerts: [], records: [] };
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
          advance(task, partition, out);
          continue;
        }
        if (role === "link") {
          linkRecord(task, m, kind, source, topic, partition, dead);
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
        outputs:
          role === "accounts"
            ? [{ topic: recordsTopic, messages: out.records }]
            : [
                { topic: opts.topics.campaigns, messages: out.campaigns },
                { topic: opts.topics.alerts, messages: out.alerts },
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
      const accounts = task.linker?.activeAccounts ?? task.stage?.accounts.size ?? 0;
      return task.buffer.length * 300 + accounts * 400;
    },
  };

  /** The link role: a batch of units or a lane's totals from an account stage. */
  function linkRecord(
    task: LinkerTask,
    m: KafkaMessage,
    kind: string | undefined,
    lane: number,
    topic: string,
    partition: number,
    dead: Message[],
  ): void {
    try {
      if (!Number.isInteger(lane)) throw new RangeError("a link record without its lane");
      if (kind === RECORD_KINDS.totals) {
        const t = Number(m.headers?.[LINK_HEADERS.watermarkMs]?.toString());
        if (!Number.isFinite(t)) throw new RangeError("totals without their evaluation time");
        if (task.nextEvalMs !== null && t < task.nextEvalMs) task.late++;
        else task.totals.push({ t, lane, bytes: Buffer.from(m.value ?? Buffer.alloc(0)) });
        return;
      }
      if (kind !== RECORD_KINDS.touches) throw new RangeError(`not a link record (kind ${kind})`);
      for (const u of unpackUnits(m.value ?? Buffer.alloc(0))) {
        if (task.appliedUntilMs !== null && u.t < task.appliedUntilMs) {
          task.late++;
          continue;
        }
        task.buffer.push({
          t: u.t,
          source: u.source,
          offset: u.offset,
          bytes: Buffer.from(u.bytes),
          event: null,
        });
      }
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      dead.push(
        deadLetter(m, { topic, partition, service: SERVICE }, { message: e.message, kind: "link-record" }),
      );
    }
  }
}

interface Outputs {
  campaigns: Message[];
  alerts: Message[];
  /** The accounts role: to the link records topic. */
  records: Message[];
}

/**
 * Checkpoint: a JSON head, the linker's (or account stage's) own bytes, the buffered
 * observations' bytes, then in the link role the pending totals' bytes.
 */
function snapshot(task: LinkerTask): Uint8Array {
  const head = Buffer.from(
    JSON.stringify({
      // v2: buffered observations are link events; v1 held whole requests. The split roles'
      // checkpoints add what they keep (`stage`, `sentWatermarkMs`, `totals`, unit times).
      v: 2,
      sources: task.sources,
      watermarks: [...task.watermarks],
      maxSeen: [...task.maxSeen].map(([p, o]) => [p, o.toString()]),
      buffer: task.buffer.map((o) =>
        o.event
          ? [o.source, o.offset.toString(), o.bytes.length]
          : [o.source, o.offset.toString(), o.bytes.length, o.t],
      ),
      appliedUntilMs: task.appliedUntilMs,
      nextEvalMs: task.nextEvalMs,
      late: task.late,
      ...(task.stage ? { stage: true, sentWatermarkMs: task.sentWatermarkMs } : {}),
      ...(task.totals.length > 0 ? { totals: task.totals.map((x) => [x.t, x.lane, x.bytes.length]) } : {}),
    }),
  );
  const state = task.stage ? task.stage.serialize() : (task.linker as CampaignLinker).serialize();
  const parts: Buffer[] = [u32(head.length), head, u32(state.length), Buffer.from(state)];
  for (const o of task.buffer) parts.push(o.bytes);
  for (const x of task.totals) parts.push(x.bytes);
  return Buffer.concat(parts);
}

function restore(bytes: Buffer, config: LinkerConfig, role: LinkerRole, nowMs: number): LinkerTask {
  let pos = 0;
  const take = () => {
    const n = bytes.readUInt32BE(pos);
    const b = bytes.subarray(pos + 4, pos + 4 + n);
    pos += 4 + n;
    return b;
  };
  const h = JSON.parse(take().toString());
  if (h.v !== 1 && h.v !== 2) throw new Error(`unsupported linker checkpoint version ${h.v}`);
  if ((h.stage === true) !== (role === "accounts")) {
    throw new Error(
      `a checkpoint of ${h.stage ? "an account stage" : "a linker"} cannot start the ${role} role`,
    );
  }
  const writer = role === "accounts" ? new LinkRecordWriter() : null;
  const state = take();
  const stage = writer ? AccountStage.deserialize(state, config, writer) : null;
  const linker = stage ? null : CampaignLinker.deserialize(state, config);
  const buffer: Pending[] = [];
  for (const [source, offset, len, t] of h.buffer as [number, string, number, number?][]) {
    const kept = bytes.subarray(pos, pos + len);
    pos += len;
    if (role === "link") {
      buffer.push({ t: t as number, source, offset: BigInt(offset), bytes: Buffer.from(kept), event: null });
      continue;
    }
    const b = h.v === 1 ? encodeLinkEvent(apiRequestCodec.decode(kept)) : Buffer.from(kept);
    const event = decodeLinkEvent(b);
    buffer.push({ t: event.event_time_ms, source, offset: BigInt(offset), bytes: b, event });
  }
  const totals: Totals[] = [];
  for (const [t, lane, len] of (h.totals ?? []) as [number, number, number][]) {
    totals.push({ t, lane, bytes: Buffer.from(bytes.subarray(pos, pos + len)) });
    pos += len;
  }
  return {
    linker,
    stage,
    writer,
    totals,
    sentWatermarkMs: h.sentWatermarkMs ?? null,
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
