import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { ContractError } from "@distillguard/contract";
import {
  type ClickHouseClient,
  createMetrics,
  createProducer,
  deadLetter,
  type Logger,
  type ServiceMetrics,
} from "@distillguard/runtime";
import type { Consumer, EachBatchPayload, Kafka, Message, Producer } from "kafkajs";
import { CommitLedger, type OffsetToCommit } from "./commit-ledger.ts";
import {
  clickhouseErrorCode,
  insertSplittingRejects,
  REJECTED_KIND,
  type RowOrigin,
  rejectedDeadLetters,
  rowOrigin,
  type SplitOutcome,
} from "./poison.ts";
import {
  RESULT_TABLES,
  type ResultKind,
  type ResultTable,
  type TableRow,
  toTableRows,
  UnstorableRecordError,
} from "./result-rows.ts";
import { type BackoffPolicy, DEFAULT_BACKOFF, describeInsertError, retryUntilStored } from "./retry.ts";
import { detectServer, enableInsertDeduplication, type ServerCapabilities } from "./server.ts";
import {
  type Chunk,
  chunkBody,
  DEFAULT_FLUSH_LIMITS,
  dedupToken,
  type FlushLimits,
  TableBuffer,
} from "./table-buffer.ts";

export interface ResultSinkOptions {
  kafka: Kafka;
  /** Bound to the database holding the tables of infra/clickhouse/migrations (see applyMigrations). */
  clickhouse: ClickHouseClient;
  logger: Logger;
  /** AccountScore records → account_scores. */
  scoresTopic: string;
  /** Alert records → alerts. */
  alertsTopic: string;
  /** CampaignUpdate records → campaign_updates and campaign_members. */
  campaignsTopic: string;
  /**
   * Raw ApiRequest records → api_requests, keeping the share `sampleRate` (0..1) chosen by
   * request id. Omitted or rate 0: the topic is not read.
   */
  requests?: { topic: string; sampleRate: number };
  /** Undecodable records go here with the reason and their source coordinates. */
  dlqTopic: string;
  groupId: string;
  fromBeginning?: boolean;
  /** Per table: flush at this many rows, bytes, or ms after the first buffered row. */
  flush?: Partial<FlushLimits>;
  /**
   * Alerts are few and on-call waits for them: the alerts table flushes this many ms after its
   * first buffered row (default 200, never later than `flush.maxDelayMs`).
   */
  alertsMaxDelayMs?: number;
  /** Stop fetching while this many bytes wait for ClickHouse (default 64 MiB). */
  maxBufferedBytes?: number;
  /** Backoff between insert attempts while ClickHouse is down or failing. */
  retry?: Partial<BackoffPolicy>;
  /** How long stop() keeps trying to flush before leaving the rows to a replay (default 10 s). */
  stopTimeoutMs?: number;
  /**
   * Insert blocks a table remembers for insert_deduplication_token, on servers that have it
   * (set with ALTER TABLE at start). 0 leaves the tables alone. Default 1000.
   */
  deduplicationWindow?: number;
  /** Default: createMetrics("sink") on the process-wide registry. */
  metrics?: ServiceMetrics;
  /** The consumer crashed and kafkajs will not restart it, or an insert failed with a bug. */
  onFatal?: (error: Error) => void;
}

export interface ResultSinkStats {
  /** Records read from Kafka. */
  records: number;
  /** Rows ClickHouse acknowledged, by table. */
  rows: Record<ResultTable, number>;
  /** Raw requests left out by sampling. */
  sampledOut: number;
  dlq: number;
  /** Rows ClickHouse refused for their data; their records are among `dlq`. */
  rejectedRows: number;
  /** Successful INSERTs. */
  inserts: number;
  /** Failed insert attempts that were retried. */
  insertRetries: number;
  /** Rows buffered or in an insert not yet acknowledged. */
  pendingRows: number;
  paused: boolean;
  /** Offset commits the broker accepted. */
  commits: number;
}

export interface ResultSink {
  start(): Promise<void>;
  /** Flushes what is buffered if ClickHouse takes it, commits, disconnects; safe to call twice. */
  stop(): Promise<void>;
  stats(): ResultSinkStats;
  /** Known after start(). */
  server(): ServerCapabilities | null;
}

const SERVICE = "sink";

type PauseReason = "clickhouse" | "memory" | "failed";

/**
 * One consumer group reads scores, alerts, campaign updates and (sampled) raw requests and
 * writes them to ClickHouse in batches per table. A partition's offset is committed only once
 * every row from the records below it is stored (CommitLedger), so a crash replays rather than
 * loses, and ReplacingMergeTree keys (plus insert deduplication tokens where the server has
 * them) make the replay harmless. While ClickHouse fails, consumption pauses and the same
 * insert is retried with backoff; nothing is dropped and nothing is committed past it.
 */
export function createResultSink(opts: ResultSinkOptions): ResultSink {
  const limits: FlushLimits = { ...DEFAULT_FLUSH_LIMITS, ...opts.flush };
  const backoff: BackoffPolicy = { ...DEFAULT_BACKOFF, ...opts.retry };
  const maxBufferedBytes = opts.maxBufferedBytes ?? 64 << 20;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
  const dedupWindow = opts.deduplicationWindow ?? 1_000;
  const sampleRate = opts.requests?.sampleRate ?? 0;
  const kinds = topicKinds(opts);
  validate(opts, limits, backoff, maxBufferedBytes, dedupWindow);

  const log = opts.logger.child({ component: "result-sink" });
  const metrics = opts.metrics ?? createMetrics(SERVICE);
  const alertLimits = { ...limits, maxDelayMs: Math.min(limits.maxDelayMs, opts.alertsMaxDelayMs ?? 200) };
  const buffers = new Map<ResultTable, TableBuffer<RowOrigin>>(
    Object.values(RESULT_TABLES).map((t) => [
      t,
      new TableBuffer<RowOrigin>(t, t === RESULT_TABLES.alerts ? alertLimits : limits),
    ]),
  );
  const ledger = new CommitLedger();
  const highWatermarks = new Map<string, { topic: string; partition: number; hw: bigint }>();
  const rowsStored = Object.fromEntries(Object.values(RESULT_TABLES).map((t) => [t, 0])) as Record<
    ResultTable,
    number
  >;
  const totals = {
    records: 0,
    sampledOut: 0,
    dlq: 0,
    rejectedRows: 0,
    inserts: 0,
    insertRetries: 0,
    commits: 0,
  };
  const pauseReasons = new Set<PauseReason>();
  const inFlightBatches = new Set<Promise<void>>();
  const storedArrivals: number[] = [];
  const abort = new AbortController();
  let inFlight: Chunk<RowOrigin> | null = null;
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let capabilities: ServerCapabilities | null = null;
  let useTokens = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | null = null;
  let committing: Promise<void> = Promise.resolve();
  let closing = false;
  let failed: Error | null = null;
  let stopping: Promise<void> | undefined;

  function bufferedBytes(): number {
    let n = inFlight?.bytes ?? 0;
    for (const b of buffers.values()) n += b.bytes;
    return n;
  }

  function pendingRows(): number {
    let n = inFlight?.lines.length ?? 0;
    for (const b of buffers.values()) n += b.rows;
    return n;
  }

  function setPaused(reason: PauseReason, on: boolean) {
    const was = pauseReasons.size > 0;
    if (on) pauseReasons.add(reason);
    else pauseReasons.delete(reason);
    const now = pauseReasons.size > 0;
    if (was === now || !consumer) return;
    const topics = [...kinds.keys()].map((topic) => ({ topic }));
    try {
      if (now) consumer.pause(topics);
      else if (!closing) consumer.resume(topics);
    } catch (e) {
      log.warn({ err: e instanceof Error ? e.message : String(e) }, "could not pause or resume the consumer");
    }
    log.info({ reasons: [...pauseReasons] }, now ? "consumption paused" : "consumption resumed");
  }

  async function handleBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload) {
    // Records fetched after stop() began are left uncommitted for the next owner.
    if (closing || batch.isEmpty()) return;
    const arrivedAt = Date.now();
    const kind = kinds.get(batch.topic);
    if (!kind) throw new Error(`result sink received records of unsubscribed topic ${batch.topic}`);
    const byTable = new Map<ResultTable, { lines: string[]; origins: RowOrigin[] }>();
    const dead: Message[] = [];
    const deadKinds: Record<string, number> = {};
    const origin = { topic: batch.topic, partition: batch.partition, service: SERVICE };
    let sampledOut = 0;
    for (const m of batch.messages) {
      let rows: TableRow[];
      try {
        rows = toTableRows(
          kind,
          m.value ?? Buffer.alloc(0),
          { topic: batch.topic, partition: batch.partition, offset: m.offset },
          sampleRate,
        );
      } catch (e) {
        if (!(e instanceof ContractError || e instanceof UnstorableRecordError)) throw e;
        dead.push(deadLetter(m, origin, { message: e.message, kind: e.kind }));
        deadKinds[e.kind] = (deadKinds[e.kind] ?? 0) + 1;
        continue;
      }
      if (rows.length === 0) {
        sampledOut += 1;
        continue;
      }
      const from = rowOrigin(batch.topic, batch.partition, m);
      for (const { table, row } of rows) {
        let rowsOf = byTable.get(table);
        if (!rowsOf) {
          rowsOf = { lines: [], origins: [] };
          byTable.set(table, rowsOf);
        }
        rowsOf.lines.push(JSON.stringify(row));
        rowsOf.origins.push(from);
      }
    }
    // Dead letters before buffering: if the send fails, kafkajs redelivers the batch and nothing
    // of it is buffered twice.
    if (dead.length > 0) {
      if (!producer) throw new Error("result sink producer is not connected");
      await producer.send({ topic: opts.dlqTopic, acks: -1, messages: dead });
      for (const [k, n] of Object.entries(deadKinds)) metrics.deadLettered(k, n);
      metrics.produced(opts.dlqTopic, dead.length);
      log.warn(
        { topic: batch.topic, partition: batch.partition, count: dead.length, kinds: deadKinds },
        "records sent to DLQ",
      );
    }
    const first = batch.firstOffset() ?? batch.messages[0]?.offset ?? batch.lastOffset();
    const last = batch.lastOffset();
    const range = { topic: batch.topic, partition: batch.partition, first, last };
    const tags: string[] = [];
    for (const [table, { lines, origins }] of byTable) {
      const buffer = buffers.get(table);
      if (!buffer) continue;
      tags.push(buffer.tag);
      buffer.add(lines, range, arrivedAt, origins);
    }
    ledger.track(batch.topic, batch.partition, first, last, tags, arrivedAt);
    resolveOffset(last);
    highWatermarks.set(`${batch.topic}\u0000${batch.partition}`, {
      topic: batch.topic,
      partition: batch.partition,
      hw: BigInt(batch.highWatermark),
    });
    totals.records += batch.messages.length;
    totals.dlq += dead.length;
    totals.sampledOut += sampledOut;
    metrics.consumed(batch.topic, batch.messages.length);
    const bytes = bufferedBytes();
    metrics.state(bytes);
    if (bytes >= maxBufferedBytes) setPaused("memory", true);
    kick();
    await heartbeat();
  }

  /** Starts the flush loop if a buffer is due and none runs. */
  function kick(drain = false) {
    if (pumping || failed) return;
    const now = Date.now();
    if (![...buffers.values()].some((b) => (drain ? b.rows > 0 : b.due(now) !== null))) return;
    pumping = pump(drain)
      .catch(fail)
      .finally(() => {
        pumping = null;
      });
  }

  async function pump(drain: boolean) {
    for (;;) {
      const now = Date.now();
      const due = [...buffers.values()].filter((b) => (drain ? b.rows > 0 : b.due(now) !== null));
      if (due.length === 0) break;
      for (const buffer of due) {
        const reason = drain ? "drain" : buffer.due(now);
        const chunk = buffer.take();
        if (!chunk) continue;
        if (!(await store(chunk, reason ?? "drain"))) return;
        if (bufferedBytes() < maxBufferedBytes / 2) setPaused("memory", false);
      }
      await commit();
    }
    metrics.state(bufferedBytes());
  }

  /**
   * Stores one chunk: inserted, retrying while ClickHouse is down; rows it refuses for their
   * data split out and dead-lettered, so that one bad row cannot hold its partition forever.
   * False if stop() gave up on it.
   */
  async function store(chunk: Chunk<RowOrigin>, reason: string): Promise<boolean> {
    inFlight = chunk;
    const token = useTokens
      ? dedupToken(chunk, chunk.table === RESULT_TABLES.requests ? `s${sampleRate}` : "")
      : null;
    const started = Date.now();
    let retried = false;
    let split: SplitOutcome;
    try {
      split = await insertSplittingRejects(chunk.lines.length, async (start, end) => {
        const whole = start === 0 && end === chunk.lines.length;
        const lines = whole ? chunk.lines : chunk.lines.slice(start, end);
        // A part gets a token of its own: the server must not take it for the whole chunk.
        const partToken = token && !whole ? `${token}|${start}-${end}` : token;
        const outcome = await retryUntilStored(() => insertLines(chunk.table, lines, partToken), {
          policy: backoff,
          signal: abort.signal,
          onRetry(attempt, delayMs, error) {
            retried = true;
            totals.insertRetries += 1;
            // Pausing stops the fetches (kafkajs keeps heartbeating), so the group keeps its
            // partitions through an outage instead of rebalancing them to members equally stuck.
            setPaused("clickhouse", true);
            log.warn(
              {
                table: chunk.table,
                rows: lines.length,
                attempt,
                retryInMs: delayMs,
                ...describeInsertError(error),
              },
              "ClickHouse insert failed; consumption paused, retrying",
            );
          },
        });
        if (!outcome.stored) throw new Abandoned();
        totals.inserts += 1;
      });
      if (split.rejected.length > 0 && !(await deadLetterRejected(chunk, split))) throw new Abandoned();
    } catch (e) {
      if (!(e instanceof Abandoned)) throw e;
      log.warn(
        { table: chunk.table, rows: chunk.lines.length },
        "stopping with rows not stored; their offsets stay uncommitted for a replay",
      );
      return false;
    } finally {
      inFlight = null;
    }
    if (retried) {
      log.info({ table: chunk.table }, "ClickHouse insert succeeded after retries");
      setPaused("clickhouse", false);
    }
    rowsStored[chunk.table as ResultTable] += chunk.lines.length - split.rejected.length;
    storedArrivals.push(...ledger.acknowledge(chunk.tag));
    log.debug(
      { table: chunk.table, rows: chunk.lines.length, bytes: chunk.bytes, reason, ms: Date.now() - started },
      "rows stored",
    );
    return true;
  }

  /**
   * Sends the records of the rows ClickHouse refused to the DLQ, retrying like an insert (their
   * offsets commit with the chunk); false if stop() gave up first.
   */
  async function deadLetterRejected(chunk: Chunk<RowOrigin>, split: SplitOutcome): Promise<boolean> {
    const { messages, sources } = rejectedDeadLetters(chunk.table, chunk.origins, split.rejected, SERVICE);
    const outcome = await retryUntilStored(
      async () => {
        if (!producer) throw new Error("result sink producer is not connected");
        await producer.send({ topic: opts.dlqTopic, acks: -1, messages });
      },
      {
        policy: backoff,
        signal: abort.signal,
        onRetry(attempt, delayMs, error) {
          log.warn(
            { attempt, retryInMs: delayMs, ...describeInsertError(error) },
            "DLQ send failed; retrying",
          );
        },
      },
    );
    if (!outcome.stored) return false;
    totals.rejectedRows += split.rejected.length;
    totals.dlq += messages.length;
    metrics.deadLettered(REJECTED_KIND, messages.length);
    metrics.produced(opts.dlqTopic, messages.length);
    // Codes and coordinates only: the server's message quotes the row and stays in the DLQ.
    log.warn(
      {
        table: chunk.table,
        rows: chunk.lines.length,
        rejectedRows: split.rejected.length,
        codes: [...new Set(split.rejected.map((r) => clickhouseErrorCode(r.error)))],
        inserts: split.inserts,
        records: sources.slice(0, 20).map((o) => `${o.topic}/${o.partition}@${o.offset}`),
      },
      "ClickHouse refused rows for their data; their records sent to DLQ, the rest stored",
    );
    return true;
  }

  async function insertLines(table: string, lines: readonly string[], token: string | null) {
    const result = await opts.clickhouse.exec({
      query: `INSERT INTO ${table} FORMAT JSONEachRow`,
      values: Readable.from([chunkBody({ lines })], { objectMode: false }),
      ...(token ? { clickhouse_settings: { insert_deduplication_token: token } } : {}),
    });
    // The response is empty, but reading it to the end returns the socket to the pool.
    result.stream.resume();
    await finished(result.stream);
  }

  /** Commits every partition whose stored prefix moved; one commit at a time. */
  function commit(): Promise<void> {
    committing = committing.then(async () => {
      const offsets = ledger.committable();
      if (offsets.length === 0 || !consumer) return;
      try {
        await consumer.commitOffsets(offsets.map((o) => ({ ...o })));
      } catch (e) {
        // A rebalance in progress or a lost coordinator: the next commit carries the offsets.
        log.warn(
          { err: e instanceof Error ? e.message : String(e), partitions: offsets.length },
          "commit failed",
        );
        return;
      }
      ledger.committed(offsets);
      totals.commits += 1;
      const now = Date.now();
      for (const at of storedArrivals.splice(0)) metrics.batch((now - at) / 1000);
      reportLag(offsets);
    });
    return committing;
  }

  function reportLag(offsets: readonly OffsetToCommit[]) {
    for (const o of offsets) {
      const seen = highWatermarks.get(`${o.topic}\u0000${o.partition}`);
      if (seen) metrics.lag(o.topic, o.partition, Number(seen.hw - BigInt(o.offset)));
    }
  }

  /** An insert threw a bug: stop consuming (nothing more is committed) and let the owner exit. */
  function fail(e: unknown) {
    failed = e instanceof Error ? e : new Error(String(e));
    log.error({ ...describeInsertError(e) }, "result sink failed; consumption stopped");
    setPaused("failed", true);
    opts.onFatal?.(failed);
  }

  function tick() {
    if (closing) return;
    kick();
    // Batches that were all dead letters or sampled out are committable without any insert.
    if (!pumping) void commit();
  }

  return {
    async start() {
      capabilities = await detectServer(opts.clickhouse);
      if (
        capabilities.insertDeduplicationToken &&
        capabilities.nonReplicatedDeduplicationWindow &&
        dedupWindow > 0
      ) {
        useTokens = await enableInsertDeduplication(
          opts.clickhouse,
          Object.values(RESULT_TABLES),
          dedupWindow,
          log,
        );
      }
      producer = createProducer(opts.kafka);
      await producer.connect();
      // A short long-poll: stop() waits for the fetch in flight (see api-request-sink.ts).
      consumer = opts.kafka.consumer({
        groupId: opts.groupId,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: 500,
      });
      const c = consumer;
      c.on(c.events.CRASH, ({ payload }) => {
        log.error({ err: payload.error, restart: payload.restart }, "consumer crashed");
        if (!payload.restart) opts.onFatal?.(payload.error);
      });
      c.on(c.events.GROUP_JOIN, ({ payload }) => {
        const assigned = payload.memberAssignment;
        ledger.retain((topic, partition) => assigned[topic]?.includes(partition) ?? false);
        // A new generation starts unpaused: keep holding back while ClickHouse is still down.
        if (pauseReasons.size > 0) c.pause([...kinds.keys()].map((topic) => ({ topic })));
      });
      // A fetch holding only transaction markers or aborted records never reaches eachBatch;
      // without this its offsets would stay uncommitted and show as lag forever.
      c.on(c.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize === 0 && payload.firstOffset !== null && !closing) {
          ledger.track(
            payload.topic,
            payload.partition,
            payload.firstOffset,
            payload.lastOffset,
            [],
            Date.now(),
          );
        }
      });
      await c.connect();
      for (const topic of kinds.keys()) {
        try {
          await c.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });
        } catch (cause) {
          const why = cause instanceof Error ? cause.message : String(cause);
          throw new Error(`cannot subscribe to ${topic}: ${why} (does the topic exist?)`, { cause });
        }
      }
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => {
          const p = handleBatch(payload);
          inFlightBatches.add(p);
          return p.finally(() => inFlightBatches.delete(p));
        },
      });
      timer = setInterval(tick, Math.max(10, Math.min(250, Math.floor(alertLimits.maxDelayMs / 4))));
      timer.unref();
      log.info(
        {
          groupId: opts.groupId,
          topics: Object.fromEntries(kinds),
          server: capabilities.version,
          dedupTokens: useTokens,
          flush: limits,
          requestSampleRate: sampleRate,
        },
        "result sink started",
      );
    },

    stop() {
      stopping ??= (async () => {
        closing = true;
        if (timer) clearInterval(timer);
        if (consumer) {
          try {
            consumer.pause([...kinds.keys()].map((topic) => ({ topic })));
          } catch {
            // Not running yet: nothing to pause.
          }
        }
        await Promise.allSettled([...inFlightBatches]);
        // ClickHouse already failing: do not hold the shutdown for it, the rows replay instead.
        if (pauseReasons.has("clickhouse")) abort.abort();
        const deadline = setTimeout(() => abort.abort(), stopTimeoutMs);
        try {
          await pumping?.catch(() => {});
          kick(true);
          await pumping?.catch(() => {});
          await commit();
        } finally {
          clearTimeout(deadline);
        }
        await consumer?.disconnect();
        await producer?.disconnect();
        log.info({ ...totals, rows: rowsStored, pendingRows: pendingRows() }, "result sink stopped");
      })();
      return stopping;
    },

    stats: () => ({
      ...totals,
      rows: { ...rowsStored },
      pendingRows: pendingRows(),
      paused: pauseReasons.size > 0,
    }),

    server: () => capabilities,
  };
}

/** stop() ended the retries of a chunk: its rows replay from the uncommitted offsets. */
class Abandoned extends Error {
  constructor() {
    super("stopped before the rows were stored");
    this.name = "Abandoned";
  }
}

/** Topic → record kind; two kinds on one topic could not be told apart. */
function topicKinds(opts: ResultSinkOptions): Map<string, ResultKind> {
  const wanted: Array<[ResultKind, string | undefined]> = [
    ["scores", opts.scoresTopic],
    ["alerts", opts.alertsTopic],
    ["campaigns", opts.campaignsTopic],
    ["requests", opts.requests && opts.requests.sampleRate > 0 ? opts.requests.topic : undefined],
  ];
  const kinds = new Map<string, ResultKind>();
  for (const [kind, topic] of wanted) {
    if (topic === undefined) continue;
    const other = kinds.get(topic);
    if (other) throw new Error(`result sink: topic ${topic} is given for both ${other} and ${kind}`);
    kinds.set(topic, kind);
  }
  return kinds;
}

function validate(
  opts: ResultSinkOptions,
  limits: FlushLimits,
  backoff: BackoffPolicy,
  maxBufferedBytes: number,
  dedupWindow: number,
) {
  const problems: string[] = [];
  const positive = (name: string, v: number) => {
    if (!Number.isFinite(v) || v <= 0) problems.push(`${name} must be a positive number (got ${v})`);
  };
  positive("flush.maxRows", limits.maxRows);
  positive("flush.maxBytes", limits.maxBytes);
  positive("flush.maxDelayMs", limits.maxDelayMs);
  if (opts.alertsMaxDelayMs !== undefined) positive("alertsMaxDelayMs", opts.alertsMaxDelayMs);
  positive("retry.initialMs", backoff.initialMs);
  if (backoff.maxMs < backoff.initialMs) problems.push("retry.maxMs must be at least retry.initialMs");
  if (maxBufferedBytes < limits.maxBytes) problems.push("maxBufferedBytes must be at least flush.maxBytes");
  const rate = opts.requests?.sampleRate;
  if (rate !== undefined && !(rate >= 0 && rate <= 1))
    problems.push(`requests.sampleRate must be 0..1 (got ${rate})`);
  if (!Number.isInteger(dedupWindow) || dedupWindow < 0) {
    problems.push(`deduplicationWindow must be a whole number ≥ 0 (got ${dedupWindow})`);
  }
  if (problems.length > 0) throw new Error(`result sink: ${problems.join("; ")}`);
}
