import { laneOf } from "@distillguard/campaigns";
import {
  type AccountScore,
  type Alert,
  type ApiRequest,
  accountScoreCodec,
  alertCodec,
  apiRequestCodec,
  ContractError,
  encodeLinkEvent,
  LINK_HEADERS,
  packObservations,
} from "@distillguard/contract";
import {
  CheckpointLayoutError,
  Detector,
  type DetectorConfig,
  type DetectorMark,
} from "@distillguard/detector";
import {
  type BatchOutput,
  type Changelog,
  deadLetter,
  type Logger,
  type Snapshot,
  type StatefulProcessor,
} from "@distillguard/runtime";
import type { Message } from "kafkajs";

export interface DetectorTask {
  detector: Detector;
  /** Next evaluation time (event time), set by the first event. */
  nextEvalMs: number | null;
  /** Last watermark announced on the links topic. */
  lastTickMs: number;
  /** Wall clock of the last checkpoint (the shell's clock; the detector never reads one). */
  checkpointedAt: number;
  /** Where the last durable checkpoint left the detector's changes; null: the next one is full. */
  mark: DetectorMark | null;
}

export interface DetectorProcessorOptions {
  config: DetectorConfig;
  changelog: Changelog;
  logger: Logger;
  topics: { scores: string; alerts: string; links: string };
  /** Event time between evaluations (scores, alerts). */
  evaluateEveryMs: number;
  /** Grain of the watermarks forwarded to the linker. */
  linkTickMs: number;
  /** Checkpoint at least this often (wall clock) even without an evaluation. */
  checkpointEveryMs: number;
  partitionCount: (topic: string) => Promise<number>;
  now?: () => number;
}

const SERVICE = "detector";
/** Changelog tables of the detector's window stores. */
const ACCOUNTS = "a";
const ENTITIES = "e";

/**
 * One Detector per input partition. Everything it emits is a function of the partition's
 * records in offset order: evaluations happen when event time crosses a boundary, watermarks
 * are announced right after the record that moved them. So replaying from a checkpoint
 * re-emits byte-identical records.
 */
export function detectorProcessor(opts: DetectorProcessorOptions): StatefulProcessor<DetectorTask> {
  const now = opts.now ?? Date.now;
  let snapshots = new Map<string, Snapshot>();
  const sources = new Map<string, number>();
  /** Partitions of the links topic: a split linker's account stages each read some (lanes). */
  let lanes = 1;
  const name = (topic: string, partition: number) => `detector/${topic}/${partition}`;

  return {
    async prepare(topic, partitions) {
      const mine = new Set(partitions.map((p) => name(topic, p)));
      snapshots = await opts.changelog.readAll(opts.logger, (n) => mine.has(n));
      sources.set(topic, await opts.partitionCount(topic));
      lanes = Math.max(1, await opts.partitionCount(opts.topics.links));
    },

    async open(topic, partition) {
      let snap = snapshots.get(name(topic, partition));
      snapshots.delete(name(topic, partition));
      let detector: Detector | null = null;
      let mark: DetectorMark | null = null;
      if (snap) {
        try {
          if (snap.tables) {
            const r = Detector.fromChanges(
              snap.bytes,
              snap.tables.get(ACCOUNTS) ?? [],
              snap.tables.get(ENTITIES) ?? [],
              opts.config,
            );
            detector = r.detector;
            mark = r.mark;
          } else {
            // A whole snapshot (written before incremental checkpoints): the next one is full.
            detector = Detector.deserialize(snap.bytes, opts.config);
          }
        } catch (err) {
          if (!(err instanceof CheckpointLayoutError)) throw err;
          // An upgrade changed what the windows hold: rebuild them from the input's retention
          // (its results are written again; alert ids are stable) rather than stop here.
          opts.logger.warn(
            { partition, reason: err.message },
            "checkpoint from another version: replaying the partition",
          );
          snap = undefined;
        }
      }
      if (!snap || !detector) {
        return {
          state: {
            detector: new Detector(opts.config),
            nextEvalMs: null,
            lastTickMs: Number.NEGATIVE_INFINITY,
            checkpointedAt: now(),
            mark: null,
          },
          resumeAt: null,
        };
      }
      const m = snap.meta as { nextOffset: string; nextEvalMs: number | null; lastTickMs: number | null };
      return {
        state: {
          detector,
          nextEvalMs: m.nextEvalMs,
          lastTickMs: m.lastTickMs ?? Number.NEGATIVE_INFINITY,
          checkpointedAt: now(),
          mark,
        },
        resumeAt: m.nextOffset,
      };
    },

    process(task, topic, partition, messages): BatchOutput {
      const scores: Message[] = [];
      const alerts: Message[] = [];
      const links: Message[] = [];
      const dead: Message[] = [];
      let late = 0;
      const partitions = String(sources.get(topic) ?? 0);
      const p = String(partition);
      const d = task.detector;
      // Observations since the last watermark, packed into one record per links partition
      // before the next one. An account's observations all go to one partition (its lane), so
      // each account stage of a split linker keeps whole accounts; one partition: one linker.
      const pending: { offset: string; value: Buffer }[][] = Array.from({ length: lanes }, () => []);
      const flushObservations = () => {
        for (let lane = 0; lane < lanes; lane++) {
          const items = pending[lane] as { offset: string; value: Buffer }[];
          if (items.length === 0) continue;
          links.push({
            key: p,
            partition: lane,
            value: packObservations(items),
            headers: { [LINK_HEADERS.kind]: "observations", [LINK_HEADERS.sourcePartition]: p },
          });
          pending[lane] = [];
        }
      };
      const emit = (out: { scores: AccountScore[]; alerts: Alert[] }) => {
        for (const s of out.scores) scores.push({ key: s.account_id, value: accountScoreCodec.encode(s) });
        for (const a of out.alerts) alerts.push({ key: a.subject_id, value: alertCodec.encode(a) });
      };
      for (const m of messages) {
        let r: ApiRequest;
        try {
          r = apiRequestCodec.decode(m.value ?? Buffer.alloc(0));
        } catch (e) {
          if (!(e instanceof ContractError)) throw e;
          dead.push(
            deadLetter(m, { topic, partition, service: SERVICE }, { message: e.message, kind: e.kind }),
          );
          continue;
        }
        const t = r.event_time_ms;
        if (task.nextEvalMs === null)
          task.nextEvalMs = (Math.floor(t / opts.evaluateEveryMs) + 1) * opts.evaluateEveryMs;
        while (t >= task.nextEvalMs) {
          emit(d.evaluate(task.nextEvalMs));
          task.nextEvalMs += opts.evaluateEveryMs;
        }
        if (!d.observe(r)) {
          late++;
          continue;
        }
        if (d.hasReady) emit(d.scoreReady(t));
        (pending[lanes === 1 ? 0 : laneOf(r.account_id) % lanes] as { offset: string; value: Buffer }[]).push(
          {
            offset: m.offset,
            value: encodeLinkEvent(r),
          },
        );
        const tick = Math.floor(d.watermarkMs / opts.linkTickMs) * opts.linkTickMs;
        if (tick > task.lastTickMs) {
          task.lastTickMs = tick;
          flushObservations();
          for (let lane = 0; lane < lanes; lane++) {
            links.push({
              key: "watermark",
              partition: lane,
              value: null,
              headers: {
                [LINK_HEADERS.kind]: "watermark",
                [LINK_HEADERS.sourcePartition]: p,
                [LINK_HEADERS.sourcePartitions]: partitions,
                [LINK_HEADERS.watermarkMs]: String(tick),
              },
            });
          }
        }
      }
      flushObservations();
      return {
        outputs: [
          { topic: opts.topics.scores, messages: scores },
          { topic: opts.topics.alerts, messages: alerts },
          { topic: opts.topics.links, messages: links },
        ],
        dead,
        late,
      };
    },

    async checkpoint(task, topic, partition, nextOffset, force, via) {
      // On a wall-clock cadence: a checkpoint's content is the state at an input offset, so when
      // it is taken changes how much a restart replays, never what the replay produces.
      const due = now() - task.checkpointedAt >= opts.checkpointEveryMs;
      if (!force && !due) return;
      // Only what changed since the last checkpoint: its size follows the traffic between
      // checkpoints, not the number of accounts held.
      const full = task.mark === null;
      const c = task.detector.changes(task.mark);
      const written = await opts.changelog.writeChanges(
        name(topic, partition),
        {
          head: c.head,
          meta: {
            nextOffset,
            nextEvalMs: task.nextEvalMs,
            lastTickMs: Number.isFinite(task.lastTickMs) ? task.lastTickMs : null,
          },
          full,
          tables: [
            { name: ACCOUNTS, puts: c.accounts.puts, removed: c.accounts.removed },
            { name: ENTITIES, puts: c.entities.puts, removed: c.entities.removed },
          ],
        },
        via,
      );
      task.detector.persisted(c.mark);
      task.mark = c.mark;
      task.checkpointedAt = now();
      opts.logger.debug(
        { partition, nextOffset, full, records: written.records, bytes: written.bytes },
        "checkpoint written",
      );
    },

    size(task) {
      return task.detector.features.store.stats().allocatedBytes;
    },
  };
}
