import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { ContractError } from "@distillguard/contract";
import {
  type ClickHouseClient,
  createMetrics,
  deadLetter,
  emptyStats,
  type Logger,
  type PartitionProcessor,
  type ProcessorRunner,
  runProcessor,
  type ServiceMetrics,
} from "@distillguard/runtime";
import type { Kafka, Message } from "kafkajs";
import {
  clickhouseErrorCode,
  insertSplittingRejects,
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
  const rowsStored = Object.fromEntries(Object.values(RESULT_TABLES).map((t) => [t, 0])) as Record<
    ResultTable,
    number
  >;
  const totals = { sampledOut: 0, rejectedRows: 0, inserts: 0, insertRetries: 0 };
  const abort = new AbortController();
  let inFlight: Chunk<RowOrigin> | null = null;
  let runner: ProcessorRunner | undefined;
  let capabilities: ServerCapabilities | null = null;
  let useTokens = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | null = null;
  /** Inserts are being retried: stop() does not wait for ClickHouse then, the rows replay. */
  let clickhouseFailing = false;
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
    if (on) runner?.pause(reason);
    else runner?.resume(reason);
  }

  /**
   * The consume side, on the shared loop: a batch becomes dead letters for what cannot be
   * stored, and rows buffered per table once those are acknowledged; its offsets wait for the
   * buffers' inserts (BatchOutput.deliver, the runner's CommitLedger).
   */
  const processor: PartitionProcessor<undefined> = {
    process(_state, topic, partition, messages) {
      const arrivedAt = Date.now();
      const kind = kinds.get(topic);
      if (!kind) throw new Error(`result sink received records of unsubscribed topic ${topic}`);
      const byTable = new Map<ResultTable, { lines: string[]; origins: RowOrigin[] }>();
      const dead: Message[] = [];
      const origin = { topic, partition, service: SERVICE };
      let sampledOut = 0;
      for (const m of messages) {
        let rows: TableRow[];
        try {
          rows = toTableRows(
            kind,
            m.value ?? Buffer.alloc(0),
            { topic, partition, offset: m.offset },
            sampleRate,
          );
        } catch (e) {
          if (!(e instanceof ContractError || e instanceof UnstorableRecordError)) throw e;
          dead.push(deadLetter(m, origin, { message: e.message, kind: e.kind }));
          continue;
        }
        if (rows.length === 0) {
          sampledOut += 1;
          continue;
        }
        const from = rowOrigin(topic, partition, m);
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
      const first = messages[0]?.offset ?? "0";
      const last = messages[messages.length - 1]?.offset ?? first;
      return {
        outputs: [],
        dead,
        // After the dead letters are acknowledged: a failed send redelivers the batch, and
        // nothing of it is buffered twice.
        deliver() {
          const range = { topic, partition, first, last };
          const tags: string[] = [];
          for (const [table, { lines, origins }] of byTable) {
            const buffer = buffers.get(table);
            if (!buffer) continue;
            tags.push(buffer.tag);
            buffer.add(lines, range, arrivedAt, origins);
          }
          totals.sampledOut += sampledOut;
          const bytes = bufferedBytes();
          metrics.state(bytes);
          if (bytes >= maxBufferedBytes) setPaused("memory", true);
          // The runner tracks these tags before anything can be stored: an insert acknowledges
          // only after I/O, and this returns synchronously.
          kick();
          return tags;
        },
      };
    },

    async drain() {
      // ClickHouse already failing: do not hold the shutdown for it, the rows replay instead.
      if (clickhouseFailing) abort.abort();
      const deadline = setTimeout(() => abort.abort(), stopTimeoutMs);
      try {
        await pumping?.catch(() => {});
        kick(true);
        await pumping?.catch(() => {});
      } finally {
        clearTimeout(deadline);
      }
    },
  };

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
      await runner?.commit();
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
            clickhouseFailing = true;
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
      clickhouseFailing = false;
      setPaused("clickhouse", false);
    }
    rowsStored[chunk.table as ResultTable] += chunk.lines.length - split.rejected.length;
    runner?.acknowledge(chunk.tag);
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
        if (!runner) throw new Error("result sink is not started");
        await runner.sendDeadLetters(messages);
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
    if (!pumping) void runner?.commit();
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
      runner = runProcessor({
        kafka: opts.kafka,
        logger: opts.logger,
        metrics,
        groupId: opts.groupId,
        topics: [...kinds.keys()],
        dlqTopic: opts.dlqTopic,
        processor,
        fromBeginning: opts.fromBeginning ?? true,
        // A short long-poll: stop() waits for the fetch in flight, and 5 s (kafkajs's default)
        // makes every shutdown and rebalance that much slower for no throughput gain.
        maxWaitTimeInMs: 500,
        ...(opts.onFatal ? { onFatal: opts.onFatal } : {}),
      });
      await runner.start();
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
        // The runner pauses, finishes the batch in flight, drains the buffers (drain above),
        // commits what ClickHouse acknowledged and leaves the group.
        await runner?.stop();
        log.info({ ...totals, rows: rowsStored, pendingRows: pendingRows() }, "result sink stopped");
      })();
      return stopping;
    },

    stats: () => {
      const r = runner?.stats() ?? emptyStats();
      return {
        records: r.records,
        rows: { ...rowsStored },
        sampledOut: totals.sampledOut,
        dlq: r.dead,
        rejectedRows: totals.rejectedRows,
        inserts: totals.inserts,
        insertRetries: totals.insertRetries,
        pendingRows: pendingRows(),
        paused: r.paused,
        commits: r.commits,
      };
    },

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
