import type {
  Consumer,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  Message,
  Producer,
  TopicMessages,
  Transaction,
} from "kafkajs";
import type { Logger } from "pino";
import { type AlignmentPolicy, type PartitionClock, partitionsAhead } from "./alignment.ts";
import type { AlignmentBoard } from "./alignment-board.ts";
import { CommitLedger, type OffsetToCommit } from "./commit-ledger.ts";
import { DLQ_HEADERS, readDeadLetter } from "./dead-letter.ts";
import { createProducer } from "./kafka.ts";
import type { ServiceMetrics } from "./metrics.ts";
import { readRanges } from "./reader.ts";
import {
  isFencedError,
  PartitionProducers,
  retryConcurrentTransactions,
  type Sender,
} from "./transactions.ts";

/** What processing one batch of one partition produced. */
export interface BatchOutput {
  /** Records to produce, per topic, in order. */
  outputs: TopicMessages[];
  /** Dead letters (build them with `deadLetter`: the metrics read their kind from it). */
  dead: Message[];
  /** Events the processor dropped as late. */
  late?: number;
  /**
   * For effects written outside Kafka (the sink's ClickHouse tables). Called once the batch's
   * outputs and dead letters are acknowledged; returns the tags of the writes the batch's
   * offsets must wait for, each released by `ProcessorRunner.acknowledge(tag)`. Called after
   * the sends so that a failed send, which kafkajs redelivers, leaves nothing written twice.
   */
  deliver?: () => readonly string[];
}

export interface BatchContext {
  /** Keeps the group membership alive through a long `process` (a worker translating). */
  heartbeat(): Promise<void>;
}

/**
 * A partitioned processor, in the shape of a Kafka Streams task: the runner owns the consumer,
 * the producer, the dead-letter queue and the offsets; the processor owns what a batch becomes.
 *
 * A stateful processor (one with `open`) keeps one state per input partition: it is restored
 * from its last checkpoint, which names the input offset it covers, and the runner replays from
 * there. Processing is deterministic, so the records re-produced while catching up are
 * byte-identical to those produced before a crash, and every consumer downstream keys on them
 * idempotently. With `exactlyOnce` each batch's outputs, checkpoint and offsets are one Kafka
 * transaction, which also fences a member that wakes after losing its partitions.
 *
 * A processor without `open` keeps no state per partition (the ingest, the sink): each batch
 * starts where the group's offset is, and its state argument is undefined.
 */
export interface PartitionProcessor<S> {
  /**
   * Called once per input topic after each rebalance, before the first `open` of the new
   * assignment, with the topic's partitions assigned: the place to read a changelog once.
   */
  prepare?(topic: string, partitions: number[]): Promise<void>;
  /**
   * A partition was assigned. Returns its restored state and the offset to resume from
   * (the first offset the state does not cover), or null to start at the log's beginning.
   */
  open?(topic: string, partition: number): Promise<{ state: S; resumeAt: string | null }>;
  /**
   * One batch, in offset order. Null: the batch was abandoned because `interrupt` was called;
   * nothing is sent or committed, and a stateful processor must not have changed its state.
   */
  process(
    state: S,
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    context: BatchContext,
  ): BatchOutput | null | Promise<BatchOutput | null>;
  /**
   * After the batch's outputs were acknowledged: checkpoint if due. `nextOffset` is the first
   * offset not yet processed. `force` on shutdown. `via`, with `exactlyOnce`: the partition's
   * open transaction, which the checkpoint must be written through to commit with the batch.
   */
  checkpoint?(
    state: S,
    topic: string,
    partition: number,
    nextOffset: string,
    force: boolean,
    via?: Sender,
  ): Promise<void>;
  /** Bytes of state, for the metrics. */
  size?(state: S): number;
  /** stop() began: give up work that may take long (a batch in flight may then return null). */
  interrupt?(): Promise<void>;
  /** stop(), after the last batch and before the final commit: write what is deferred. */
  drain?(): Promise<void>;
}

/** A processor with state per partition: what the detector and the linker are. */
export type StatefulProcessor<S> = PartitionProcessor<S> &
  Required<Pick<PartitionProcessor<S>, "open" | "checkpoint">>;

export interface ProcessorRunnerOptions<S> {
  kafka: Kafka;
  logger: Logger;
  metrics: ServiceMetrics;
  groupId: string;
  /** Input topics: every partition of each is a task of its own. */
  topics: readonly string[];
  dlqTopic: string;
  processor: PartitionProcessor<S>;
  /** Where a group without committed offsets starts; default the beginning. */
  fromBeginning?: boolean;
  /** The consumer crashed and kafkajs will not restart it: the process should exit. */
  onFatal?: (error: Error) => void;
  /** Long-poll wait; short so shutdown and rebalances are quick. */
  maxWaitTimeInMs?: number;
  sessionTimeoutMs?: number;
  /** Largest fetch per partition: bounds a batch's size, hence its latency and memory. */
  maxBytesPerPartition?: number;
  /**
   * One Kafka transaction per batch, through a transactional producer per input partition:
   * outputs, dead letters, the checkpoint (`via`) and the offsets commit or abort together, and
   * a member that wakes after its successor claimed its partitions writes nothing. Consumers
   * downstream must read committed records only (kafkajs's default). Not with `deliver`.
   */
  exactlyOnce?: boolean;
  /** The broker aborts a transaction left open this long (a member stopped mid-batch). */
  transactionTimeoutMs?: number;
  /**
   * Event-time alignment of this member's partitions (see `alignment.ts`): a partition whose
   * watermark (`watermark` of its state after a batch; null before it has one) is more than
   * `maxDriftMs` ahead of the slowest partition with input waiting is paused until that one
   * catches up, so nothing downstream that waits for every partition buffers the backlog.
   */
  alignment?: {
    maxDriftMs: number;
    staleAfterMs?: number;
    watermark(state: S): number | null;
    /** Shares the clocks with the group's other members, to align across members too. */
    board?: AlignmentBoard;
  };
}

export interface RunnerStats {
  /** Records processed. */
  records: number;
  batches: number;
  /** Records produced to the output topics (dead letters not included). */
  produced: number;
  /** Records sent to the DLQ. */
  dead: number;
  /** Offset commits the broker accepted. */
  commits: number;
  paused: boolean;
  /** Partitions paused because their event time ran ahead of this member's slowest (alignment). */
  heldBack: number[];
  /** Partitions with open state, and the group's current assignment (over every input topic). */
  partitions: number[];
  assigned: number[];
}

/** What stats() says before start(). */
export function emptyStats(): RunnerStats {
  return {
    records: 0,
    batches: 0,
    produced: 0,
    dead: 0,
    commits: 0,
    paused: false,
    heldBack: [],
    partitions: [],
    assigned: [],
  };
}

export interface ProcessorRunner {
  start(): Promise<void>;
  /**
   * Interrupts the processor, finishes (or abandons) the batch in flight, drains, checkpoints
   * every open partition, commits, leaves the group; safe to call twice.
   */
  stop(): Promise<void>;
  stats(): RunnerStats;
  /** Writes tagged `tag` (see BatchOutput.deliver) are stored. */
  acknowledge(tag: string): void;
  /** Commits every partition whose stored prefix moved; one commit at a time. */
  commit(): Promise<void>;
  /** Stops fetching while any reason holds (kafkajs keeps heartbeating, so the group stays). */
  pause(reason: string): void;
  resume(reason: string): void;
  /** Sends dead letters found after their batch (rows ClickHouse refused), acks=all. */
  sendDeadLetters(messages: Message[]): Promise<void>;
}

interface Task<S> {
  state: S;
  /** First offset the state does not cover; null for a processor without state. */
  next: string | null;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export function runProcessor<S>(opts: ProcessorRunnerOptions<S>): ProcessorRunner {
  const { processor, metrics } = opts;
  const topics = [...new Set(opts.topics)];
  if (topics.length === 0) throw new Error("runProcessor: no input topic");
  const log = opts.logger.child({ component: "processor", topics, groupId: opts.groupId });
  const tasks = new Map<string, Task<S>>();
  /** Partitions in the current assignment, per topic; tasks for others are dropped on rebalance. */
  let assigned = new Map<string, Set<number>>();
  /** Topics whose `prepare` ran since the last rebalance. */
  const prepared = new Set<string>();
  const ledger = new CommitLedger();
  const highWatermarks = new Map<string, { topic: string; partition: number; hw: bigint }>();
  /** Arrival times of batches stored but not yet committed, for the batch latency histogram. */
  const storedArrivals: number[] = [];
  const pauseReasons = new Set<string>();
  /** Alignment: each open partition's event-time clock, and the partitions it holds back. */
  const clocks = new Map<string, PartitionClock>();
  let heldBack = new Set<string>();
  let alignTimer: NodeJS.Timeout | undefined;
  const policy: AlignmentPolicy | undefined = opts.alignment && {
    maxDriftMs: opts.alignment.maxDriftMs,
    staleAfterMs: opts.alignment.staleAfterMs ?? 30_000,
  };
  const totals = { records: 0, batches: 0, produced: 0, dead: 0, commits: 0 };
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let stopping: Promise<void> | undefined;
  /** Set by stop(): batches arriving after it are left for the next owner. */
  let closing = false;
  let inFlight: Promise<void> = Promise.resolve();
  let committing: Promise<void> = Promise.resolve();
  /** With exactlyOnce: each owned partition's transactional producer. */
  const eos = opts.exactlyOnce
    ? new PartitionProducers(opts.kafka, opts.groupId, log, opts.transactionTimeoutMs ?? 60_000)
    : undefined;
  /** Partitions whose producer was fenced in this generation: a newer member owns them. */
  const fenced = new Set<string>();

  /** Runs after the batch in flight and before the next: one transaction per producer at a time. */
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = inFlight.then(fn);
    inFlight = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  const owns = (topic: string, partition: number) => assigned.get(topic)?.has(partition) ?? false;
  const allTopics = () => topics.map((topic) => ({ topic }));

  /**
   * Opens a partition at its first batch after assignment. Lazily: a partition whose committed
   * offset is already at the end needs no state until new input arrives, and its outputs up to
   * there were acknowledged before that commit.
   */
  async function openTask(topic: string, partition: number): Promise<Task<S>> {
    if (!prepared.has(topic)) {
      const partitions = [...(assigned.get(topic) ?? [])].sort((a, b) => a - b);
      // Fenced before anything is read: an older owner's open transaction is aborted first,
      // so the changelog read holds every checkpoint that will ever commit for these partitions.
      if (eos) {
        await eos.claim(
          partitions
            .filter((q) => !eos.get(topic, q) && !fenced.has(key(topic, q)))
            .map((q) => ({ topic, partition: q })),
        );
      }
      await processor.prepare?.(topic, partitions);
      prepared.add(topic);
    }
    if (!processor.open) {
      const task: Task<S> = { state: undefined as S, next: null };
      tasks.set(key(topic, partition), task);
      return task;
    }
    const { state, resumeAt } = await processor.open(topic, partition);
    let at = resumeAt;
    if (at === null) {
      const admin = opts.kafka.admin();
      await admin.connect();
      try {
        const o = (await admin.fetchTopicOffsets(topic)).find((x) => x.partition === partition);
        at = o?.low ?? "0";
      } finally {
        await admin.disconnect();
      }
    }
    const task = { state, next: at };
    tasks.set(key(topic, partition), task);
    log.info({ topic, partition, resumeAt: at, restored: resumeAt !== null }, "partition opened");
    return task;
  }

  /**
   * Tells the consumer what is paused: every topic while a reason holds, else the partitions
   * alignment holds back. kafkajs keeps one pause state per topic in which pausing a partition
   * undoes a topic-wide pause, so the whole state is set at once (synchronously: no fetch sees
   * it half-set).
   */
  function applyPauses() {
    if (!consumer) return;
    try {
      if (pauseReasons.size > 0 || closing) {
        consumer.pause(allTopics());
        return;
      }
      consumer.resume(allTopics());
      if (heldBack.size === 0) return;
      const byTopic = new Map<string, number[]>();
      for (const k of heldBack) {
        const [t, p] = k.split("\u0000") as [string, string];
        byTopic.set(t, [...(byTopic.get(t) ?? []), Number(p)]);
      }
      consumer.pause([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
    } catch (e) {
      log.warn({ err: e instanceof Error ? e.message : String(e) }, "could not pause or resume the consumer");
    }
  }

  function setPaused(reason: string, on: boolean) {
    const was = pauseReasons.size > 0;
    if (on) pauseReasons.add(reason);
    else pauseReasons.delete(reason);
    const now = pauseReasons.size > 0;
    if (was === now || !consumer) return;
    applyPauses();
    log.info({ reasons: [...pauseReasons] }, now ? "consumption paused" : "consumption resumed");
  }

  /** After a batch of `k` (or a fetch without records): update its clock and re-align. */
  function align(k: string, state: S | undefined, backlog: boolean) {
    if (!policy || !opts.alignment) return;
    const w = state === undefined ? null : opts.alignment.watermark(state);
    const prev = clocks.get(k);
    if (w !== null && Number.isFinite(w)) clocks.set(k, { watermarkMs: w, backlog, at: Date.now() });
    else if (prev && prev.watermarkMs !== null) clocks.set(k, { ...prev, backlog, at: Date.now() });
    // Waiting for a first batch is over once one came, even one whose state has no time yet: a
    // partition without a clock holds nothing back.
    else clocks.delete(k);
    realign();
  }

  /**
   * At an assignment, before its first fetch: every newly owned partition gets a clock without
   * a time, so none runs ahead of the others before it is known which have input waiting. A
   * lookup done after the fetches began let a partition of small records run several batches
   * ahead of one of large records on a loaded machine (test/integration/alignment.test.ts).
   */
  function awaitAssigned(mine: ReadonlyMap<string, ReadonlySet<number>>) {
    for (const [topic, partitions] of mine) {
      for (const p of partitions) {
        const k = key(topic, p);
        if (!clocks.has(k)) clocks.set(k, { watermarkMs: null, backlog: true, at: Date.now() });
      }
    }
  }

  /**
   * After an assignment: the partitions with input waiting beyond their committed offset (or
   * from their start, for a group that never committed) keep their clock without a time, so
   * they hold the others back until their first batch (see `alignment.ts`); the others (caught
   * up, empty) lose it. A failed lookup drops them all: alignment then starts at first batches.
   */
  async function awaitFirstBatches(mine: ReadonlyMap<string, ReadonlySet<number>>) {
    const waiting = (topic: string, p: number) => {
      const c = clocks.get(key(topic, p));
      return c !== undefined && c.watermarkMs === null;
    };
    const admin = opts.kafka.admin();
    try {
      await admin.connect();
      const committed = await admin.fetchOffsets({ groupId: opts.groupId, topics: [...mine.keys()] });
      for (const [topic, partitions] of mine) {
        const ends = await admin.fetchTopicOffsets(topic);
        const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const p of partitions) {
          if (!owns(topic, p) || !waiting(topic, p)) continue;
          const end = ends.find((e) => e.partition === p);
          const at = done.find((c) => c.partition === p)?.offset ?? "-1";
          const from = !end
            ? 0n
            : BigInt(at) >= 0n
              ? BigInt(at)
              : (opts.fromBeginning ?? true)
                ? BigInt(end.low)
                : BigInt(end.high);
          if (!end || BigInt(end.high) <= from) clocks.delete(key(topic, p));
        }
      }
    } catch (err) {
      for (const [topic, partitions] of mine)
        for (const p of partitions) if (waiting(topic, p)) clocks.delete(key(topic, p));
      throw err;
    } finally {
      await admin.disconnect();
      realign();
    }
  }

  /** Holds back this member's partitions ahead of the slowest anywhere in the group (that it knows of). */
  function realign() {
    if (!policy || closing) return;
    let view: ReadonlyMap<string, PartitionClock> = clocks;
    const board = opts.alignment?.board;
    if (board) {
      const all = new Map<string, PartitionClock>();
      // Another member's clock of a partition this member now owns is its previous owner's.
      for (const [k, c] of board.clocks()) {
        const [t, p] = k.split("\u0000") as [string, string];
        if (!owns(t, Number(p))) all.set(k, c);
      }
      for (const [k, c] of clocks) all.set(k, c);
      view = all;
    }
    const next = new Set(partitionsAhead(view, policy, Date.now()).filter((k) => clocks.has(k)));
    if (next.size === heldBack.size && [...next].every((x) => heldBack.has(x))) return;
    heldBack = next;
    metrics.heldBack(next.size);
    applyPauses();
    log.debug(
      { heldBack: [...next].map((x) => x.replace("\u0000", "/")) },
      "partitions held back for alignment",
    );
  }

  /** The broker took these offsets. */
  function committedNow(offsets: readonly OffsetToCommit[]) {
    ledger.committed(offsets);
    totals.commits += 1;
    const now = Date.now();
    for (const at of storedArrivals.splice(0)) metrics.batch((now - at) / 1000);
    reportLag(offsets);
  }

  /**
   * One transaction of `topic`/`p` (exactlyOnce): what `body` sends, then the partition's
   * committable offset. If the producer was fenced, a newer member owns the partition: the task
   * is dropped and the error thrown tells kafkajs to rejoin the group (it has a rebalance's
   * type). Any other failure aborts and drops the task, to be restored from the changelog.
   */
  async function transact(topic: string, p: number, body?: (tx: Transaction) => Promise<void>) {
    if (!eos) throw new Error("transact: the runner is not exactlyOnce");
    const k = key(topic, p);
    if (fenced.has(k)) throw fencedError(topic, p);
    if (!eos.get(topic, p)) await eos.claim([{ topic, partition: p }]);
    const producer = eos.get(topic, p) as Producer;
    const offsets = ledger.committable().filter((o) => o.topic === topic && o.partition === p);
    let tx: Transaction | undefined;
    try {
      tx = await producer.transaction();
      await body?.(tx);
      if (offsets.length > 0) {
        const open = tx;
        await retryConcurrentTransactions(() =>
          open.sendOffsets({
            consumerGroupId: opts.groupId,
            topics: [{ topic, partitions: offsets.map((o) => ({ partition: p, offset: o.offset })) }],
          }),
        );
      }
      await tx.commit();
    } catch (err) {
      tasks.delete(k);
      // Stored past the committed offset, as far as the ledger knew, but never committed.
      ledger.retain((t, q) => t !== topic || q !== p);
      if (isFencedError(err)) {
        fenced.add(k);
        await eos.drop(topic, p);
        log.warn(
          { topic, partition: p, reason: String(err) },
          "producer fenced: a newer member owns the partition; this member's batch is aborted",
        );
        throw fencedError(topic, p, err);
      }
      if (tx?.isActive()) await tx.abort().catch(() => {});
      await eos.drop(topic, p);
      prepared.delete(topic);
      throw err;
    }
    if (offsets.length > 0) committedNow(offsets);
  }

  /**
   * Commits what the ledger allows, one commit at a time. While running, a refused commit is
   * logged and the next one carries its offsets; the final one (`final`) tolerates only a
   * rebalance, after which the partitions' next owners resume from their checkpoints.
   */
  function commit(final = false): Promise<void> {
    if (eos) {
      // Offsets of batches that had no records (transaction markers), in a transaction each.
      return exclusive(async () => {
        for (const o of ledger.committable()) {
          if (!owns(o.topic, o.partition) || fenced.has(key(o.topic, o.partition))) continue;
          try {
            await transact(o.topic, o.partition);
          } catch (err) {
            if (final && !isRebalanceError(err)) throw err;
            log.warn(
              { topic: o.topic, partition: o.partition, reason: String(err) },
              "offsets commit failed",
            );
          }
        }
      });
    }
    const run = committing
      .catch(() => {})
      .then(async () => {
        const offsets = ledger.committable();
        if (offsets.length === 0 || !consumer) return;
        try {
          await consumer.commitOffsets(offsets.map((o) => ({ ...o })));
        } catch (err) {
          if (final && !isRebalanceError(err)) throw err;
          log.warn(
            { offsets: offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`), reason: String(err) },
            final ? "final commit refused by a rebalance" : "commit failed; the next one carries its offsets",
          );
          return;
        }
        committedNow(offsets);
      });
    committing = run;
    return run;
  }

  function reportLag(offsets: readonly OffsetToCommit[]) {
    for (const o of offsets) {
      const seen = highWatermarks.get(key(o.topic, o.partition));
      if (seen) metrics.lag(o.topic, o.partition, Number(seen.hw - BigInt(o.offset)));
    }
  }

  function countDead(dead: readonly Message[]): Record<string, number> {
    const kinds: Record<string, number> = {};
    for (const m of dead) {
      const k = m.headers?.[DLQ_HEADERS.kind]?.toString() ?? "unknown";
      kinds[k] = (kinds[k] ?? 0) + 1;
    }
    for (const [k, n] of Object.entries(kinds)) metrics.deadLettered(k, n);
    totals.dead += dead.length;
    return kinds;
  }

  async function handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    if (closing) return;
    const arrivedAt = Date.now();
    const { topic, partition: p } = batch;
    if (!isRunning() || isStale() || !owns(topic, p) || fenced.has(key(topic, p))) return;
    const first = batch.messages[0];
    if (!first) return;
    // Past trailing transaction markers and aborted records of the same fetch too: they
    // produce nothing, and committing before them would leave them as lag.
    const last = batch.lastOffset();
    const k = key(topic, p);
    const context: BatchContext = { heartbeat: () => heartbeat() };
    const task = tasks.get(k) ?? (await openTask(topic, p));
    let fresh = batch.messages;
    if (task.next !== null) {
      // The state covers everything before task.next. If the group's offset ran ahead of it
      // (a crash after a commit, before the next checkpoint), the records in between rebuild
      // the state only: their outputs were acknowledged before that commit. They are read
      // apart rather than by seeking this consumer, whose position stays the group's.
      if (BigInt(first.offset) > BigInt(task.next)) {
        const gap: KafkaMessage[] = [];
        await readRanges(opts.kafka, topic, [{ partition: p, from: task.next, to: first.offset }], (_, ms) =>
          gap.push(...ms),
        );
        log.info(
          { topic, partition: p, from: task.next, to: first.offset, records: gap.length },
          "replaying to the group offset",
        );
        if (gap.length > 0 && (await processor.process(task.state, topic, p, gap, context)) === null) {
          tasks.delete(k);
          return;
        }
        task.next = first.offset;
      }
      const next = BigInt(task.next);
      // Records the state already covers (a checkpoint ahead of the group's offset) are not
      // processed again, but still resolved and committed below.
      fresh = batch.messages.filter((m) => BigInt(m.offset) >= next);
    }
    let out: BatchOutput | null = null;
    let topicMessages: TopicMessages[] = [];
    if (fresh.length > 0) {
      out = await processor.process(task.state, topic, p, fresh, context);
      // Abandoned on stop: left uncommitted for the partition's next owner.
      if (out === null) return;
      if (!isRunning() || isStale() || tasks.get(k) !== task) {
        // The partition moved on while `process` ran: its state holds outputs never sent, so it
        // is dropped and rebuilt from the checkpoint if the partition comes back.
        tasks.delete(k);
        return;
      }
      topicMessages = out.outputs.filter((t) => t.messages.length > 0);
      // Dead letters first: if a later send fails, the redelivered batch sends both again, and
      // a duplicate dead letter is harmless where a lost one is not.
      if (out.dead.length > 0) topicMessages.unshift({ topic: opts.dlqTopic, messages: out.dead });
      if (!eos && topicMessages.length > 0) {
        if (!producer) throw new Error("processor producer is not connected");
        await sendInOrder(producer, topicMessages);
      }
    }
    const next = task.next === null ? null : (BigInt(last) + 1n).toString();
    highWatermarks.set(k, { topic, partition: p, hw: BigInt(batch.highWatermark) });
    if (eos) {
      if (out?.deliver) throw new Error("exactlyOnce: writes outside Kafka cannot join its transaction");
      if (ledger.track(topic, p, first.offset, last, [], arrivedAt)) storedArrivals.push(arrivedAt);
      const sends = topicMessages;
      await transact(topic, p, async (tx) => {
        if (sends.length > 0) await sendInOrder(tx, sends);
        if (next !== null) await processor.checkpoint?.(task.state, topic, p, next, false, tx);
      });
    }
    if (out) {
      for (const t of topicMessages) {
        metrics.produced(t.topic, t.messages.length);
        if (t.topic !== opts.dlqTopic) totals.produced += t.messages.length;
      }
      if (out.dead.length > 0) {
        const firstDead = readDeadLetter(out.dead[0] as Message);
        log.warn(
          {
            topic,
            partition: p,
            count: out.dead.length,
            kinds: countDead(out.dead),
            first: { offset: firstDead.sourceOffset, error: firstDead.error },
          },
          "records sent to DLQ",
        );
      }
      if (out.late) metrics.late(out.late);
    }
    if (!eos) {
      // Tracked as soon as the tags exist, before any await: a tag acknowledged before its batch
      // is tracked would hold the partition's commits back for good.
      const tags = out?.deliver?.() ?? [];
      if (ledger.track(topic, p, first.offset, last, tags, arrivedAt)) storedArrivals.push(arrivedAt);
    }
    if (next !== null) {
      task.next = next;
      if (!eos) await processor.checkpoint?.(task.state, topic, p, next, false);
    }
    resolveOffset(last);
    if (fresh.length > 0) {
      totals.records += fresh.length;
      totals.batches++;
      metrics.consumed(topic, fresh.length);
    }
    align(k, tasks.get(k)?.state, BigInt(batch.highWatermark) > BigInt(last) + 1n);
    if (processor.size) {
      let bytes = 0;
      for (const t of tasks.values()) bytes += processor.size(t.state);
      metrics.state(bytes);
    }
    if (!eos) await commit();
    await heartbeat();
  }

  return {
    async start() {
      // One request in flight: a retried request cannot overtake the next, so each output
      // partition sees records in processing order (the linker relies on it).
      producer = createProducer(opts.kafka, { maxInFlightRequests: 1 });
      await producer.connect();
      const c = opts.kafka.consumer({
        groupId: opts.groupId,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 250,
        // A member killed without leaving holds its partitions until its session expires.
        sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
        maxBytesPerPartition: opts.maxBytesPerPartition ?? 1_048_576,
      });
      consumer = c;
      c.on(c.events.GROUP_JOIN, ({ payload }) => {
        const mine = new Map<string, Set<number>>();
        for (const t of topics) mine.set(t, new Set(payload.memberAssignment[t] ?? []));
        assigned = mine;
        // Revoked partitions are dropped without a checkpoint: their new owner restores the
        // last one and replays, which reproduces the same outputs. Their deferred writes may
        // still complete (a harmless duplicate of the new owner's) but commit nothing.
        for (const [k, _] of tasks) {
          const [t, p] = k.split("\u0000") as [string, string];
          if (!owns(t, Number(p))) tasks.delete(k);
        }
        ledger.retain(owns);
        prepared.clear();
        // Clocks of partitions another member now owns would hold this member's back.
        for (const k of [...clocks.keys()]) {
          const [t, p] = k.split("\u0000") as [string, string];
          if (!owns(t, Number(p))) clocks.delete(k);
        }
        heldBack = new Set([...heldBack].filter((k) => clocks.has(k)));
        if (policy) {
          awaitAssigned(mine);
          awaitFirstBatches(mine).catch((err) =>
            log.warn(
              { reason: err instanceof Error ? err.message : String(err) },
              "could not look up the partitions' backlogs; alignment starts at their first batches",
            ),
          );
        }
        if (eos) {
          // Every generation starts from what was committed: a member that was a zombie holds
          // stale tasks and fenced producers, and cannot tell. Claiming the producers now, before
          // any batch, fences the partitions' previous owners at once.
          tasks.clear();
          fenced.clear();
          const claims = [...mine].flatMap(([topic, ps]) =>
            [...ps].map((partition) => ({ topic, partition })),
          );
          exclusive(async () => {
            await eos.dropAll();
            await eos.claim(claims);
          }).catch((err) =>
            log.warn({ reason: String(err) }, "claiming the partitions failed; retried at their first batch"),
          );
        }
        // A new generation starts unpaused: keep holding back while a reason still holds.
        applyPauses();
        log.info(
          { partitions: Object.fromEntries([...mine].map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)])) },
          "partitions assigned",
        );
      });
      // A fetch holding only transaction markers or aborted records never reaches eachBatch
      // (kafkajs resolves it itself); without this its offsets would stay uncommitted and show
      // as lag forever, and a stateful task would replay the empty gap on its next batch.
      c.on(c.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize !== 0 || payload.firstOffset === null || closing) return;
        if (!owns(payload.topic, payload.partition)) return;
        const task = tasks.get(key(payload.topic, payload.partition));
        const after = BigInt(payload.lastOffset) + 1n;
        // Records that were waiting may have been aborted ones: the clock must not keep claiming
        // a backlog that will never arrive as a batch.
        align(key(payload.topic, payload.partition), task?.state, BigInt(payload.highWatermark) > after);
        if (task && task.next !== null) {
          const next = BigInt(task.next);
          if (next >= BigInt(payload.firstOffset) && next < after) task.next = after.toString();
        }
        if (
          ledger.track(
            payload.topic,
            payload.partition,
            payload.firstOffset,
            payload.lastOffset,
            [],
            Date.now(),
          )
        )
          void commit();
      });
      c.on(c.events.CRASH, ({ payload }) => {
        log.error({ err: payload.error, restart: payload.restart }, "consumer crashed");
        if (!payload.restart) opts.onFatal?.(payload.error);
      });
      await c.connect();
      for (const topic of topics) {
        try {
          await c.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });
        } catch (cause) {
          const why = cause instanceof Error ? cause.message : String(cause);
          throw new Error(`cannot subscribe to ${topic}: ${why} (does the topic exist?)`, { cause });
        }
      }
      if (opts.alignment?.board) {
        await opts.alignment.board.start();
        // Other members' clocks change without a batch here (every partition of this member may
        // be held back): re-align on a timer, and tell them this member's clocks.
        alignTimer = setInterval(() => {
          opts.alignment?.board?.publish(clocks);
          realign();
        }, opts.alignment.board.everyMs);
        alignTimer.unref();
      }
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => exclusive(() => handleBatch(payload)),
      });
      log.info("processor started");
    },

    stop() {
      stopping ??= (async () => {
        closing = true;
        clearInterval(alignTimer);
        const c = consumer;
        if (c) {
          try {
            c.pause(allTopics());
          } catch {
            // Not running yet: nothing to pause.
          }
        }
        await processor.interrupt?.();
        await inFlight;
        if (c) {
          await processor.drain?.();
          for (const [k, t] of [...tasks]) {
            const [topic, p] = k.split("\u0000") as [string, string];
            const next = t.next;
            if (eos) {
              if (!owns(topic, Number(p)) || fenced.has(k)) continue;
              try {
                await transact(topic, Number(p), async (tx) => {
                  if (next !== null) await processor.checkpoint?.(t.state, topic, Number(p), next, true, tx);
                });
              } catch (err) {
                if (!isRebalanceError(err)) throw err;
                log.warn(
                  { topic, partition: Number(p) },
                  "final checkpoint refused: a newer member owns the partition",
                );
              }
              continue;
            }
            if (next === null || !processor.checkpoint) continue;
            await processor.checkpoint(t.state, topic, Number(p), next, true);
          }
          await commit(true);
          await c.disconnect();
        }
        await eos?.dropAll();
        await opts.alignment?.board?.stop();
        await producer?.disconnect();
        log.info(totals, "processor stopped");
      })();
      return stopping;
    },

    stats: () => {
      const parts = (ps: Iterable<number>) => [...ps].sort((a, b) => a - b);
      return {
        ...totals,
        paused: pauseReasons.size > 0,
        heldBack: parts([...heldBack].map((k) => Number(k.split("\u0000")[1]))),
        partitions: parts([...tasks.keys()].map((k) => Number(k.split("\u0000")[1]))),
        assigned: parts([...assigned.values()].flatMap((ps) => [...ps])),
      };
    },

    acknowledge(tag) {
      storedArrivals.push(...ledger.acknowledge(tag));
    },

    commit: () => commit(),

    pause: (reason) => setPaused(reason, true),
    resume: (reason) => setPaused(reason, false),

    async sendDeadLetters(messages) {
      if (messages.length === 0) return;
      if (!producer) throw new Error("processor producer is not connected");
      await producer.send({ topic: opts.dlqTopic, acks: -1, messages });
      metrics.produced(opts.dlqTopic, messages.length);
      countDead(messages);
    },
  };
}

/** Bytes per produce request: well under the broker's default 1 MiB record-batch limit. */
const REQUEST_BYTES = 512 * 1024;

/** Sends in order, split so that no request's record batch outgrows the broker's limit. */
async function sendInOrder(producer: Sender, topicMessages: TopicMessages[]): Promise<void> {
  let chunk: TopicMessages[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length > 0) await producer.sendBatch({ topicMessages: chunk, acks: -1 });
    chunk = [];
    bytes = 0;
  };
  for (const t of topicMessages) {
    let current: Message[] = [];
    chunk.push({ topic: t.topic, messages: current });
    for (const m of t.messages) {
      const size = sizeOf(m.value) + sizeOf(m.key) + 64;
      if (bytes + size > REQUEST_BYTES && bytes > 0) {
        await flush();
        current = [];
        chunk.push({ topic: t.topic, messages: current });
      }
      current.push(m);
      bytes += size;
    }
  }
  await flush();
}

function sizeOf(v: Message["value"] | Message["key"]): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "string" ? Buffer.byteLength(v) : v.length;
}

/** Kafka's answers to a commit from a generation the group has left behind. */
const REBALANCE_CODES = new Set([
  22, // ILLEGAL_GENERATION
  25, // UNKNOWN_MEMBER_ID
  27, // REBALANCE_IN_PROGRESS
]);

/**
 * A fenced producer, as kafkajs's runner understands it: a rebalance's type, so it rejoins the
 * group at once, which the member must (its generation is over, or its transaction timed out).
 */
function fencedError(topic: string, partition: number, cause?: unknown): Error {
  return Object.assign(new Error(`${topic}/${partition}: producer fenced by a newer owner`, { cause }), {
    type: "ILLEGAL_GENERATION",
    code: 22,
  });
}

/** Whether a kafkajs error (or the protocol error it wraps) says the group rebalanced. */
export function isRebalanceError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "number" && REBALANCE_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
