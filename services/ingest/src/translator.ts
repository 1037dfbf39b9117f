import { Worker } from "node:worker_threads";
import type { Enricher, MappingOptions } from "@distillguard/litellm";
import type { DeadLetterReason } from "@distillguard/runtime";
import type { NetworkTables } from "./networks.ts";
import { translateRecord } from "./translate.ts";

/** What one record became: a record to produce, or why it goes to the DLQ. */
export type RecordResult =
  | { ok: true; key: string; value: Buffer; timestamp: string }
  | { ok: false; reason: DeadLetterReason };

/**
 * Translates a batch of record values, in order. The translator, not the caller, owns the
 * budget: a record that overruns it comes back as a dead-letter reason, never as a stall.
 */
export interface BatchTranslator {
  translate(values: readonly (Buffer | null)[], onWait?: () => void): Promise<RecordResult[]>;
  /** Stops at once: a translate() in flight rejects with TranslatorClosedError. */
  close(): Promise<void>;
}

export class TranslatorClosedError extends Error {
  constructor() {
    super("the translator was closed while a batch was in flight");
    this.name = "TranslatorClosedError";
  }
}

/** The translation the worker runs, and the pure function tests call directly. */
export function toRecordResult(
  value: Buffer | null,
  enrich?: Enricher,
  options?: MappingOptions,
): RecordResult {
  const t = translateRecord(value, enrich, options);
  return t.ok ? { ok: true, key: t.key, value: t.value, timestamp: t.timestamp } : t;
}

/** In the calling thread, no budget: for tests and benchmarks that measure translation alone. */
export function inlineTranslator(
  translate: (value: Buffer | null) => RecordResult = (value) => toRecordResult(value),
) {
  return {
    translate: async (values: readonly (Buffer | null)[]) => values.map(translate),
    close: async () => {},
  } satisfies BatchTranslator;
}

export interface WorkerTranslatorOptions {
  /**
   * A record still being translated this long after it started loses its worker, which is
   * replaced; the record is tried once more on the fresh one, and if it overruns again it is
   * dead-lettered with kind `budget-exceeded` and the batch goes on without it. A record that
   * really stalls thus costs two budgets.
   */
  recordBudgetMs: number;
  /** IP → ASN and country tables (shared memory); absent, those fields stay null. */
  networks?: NetworkTables;
  /** How records are fingerprinted (the elicitation scorer); default the mapping's. */
  mapping?: MappingOptions;
  /**
   * Module the worker loads; it must export `toRecordResult(value, enrich?): RecordResult`.
   * Defaults to this module. Tests point it at a translation that stalls.
   */
  module?: URL;
  /** Called when a record is dead-lettered for its budget or a worker dies (for the log). */
  onRecordLost?: (event: { index: number; reason: DeadLetterReason }) => void;
  /** Called when a record loses its first worker and is to be tried again (for the log). */
  onRecordStruck?: (event: { index: number; reason: DeadLetterReason }) => void;
}

/** Messages to and from translate-worker.ts. */
export interface WorkRequest {
  /** Record values back to back; a SharedArrayBuffer, so a retry after a stall can reuse it. */
  bytes: SharedArrayBuffer;
  starts: Int32Array;
  /** -1 for a record with no value. */
  lengths: Int32Array;
  /** Which records to translate, in order. */
  indices: Int32Array;
}

export interface WorkReply {
  /** Per index in the request: [key, timestamp] of a record, or [kind, message] of a dead letter. */
  ok: Uint8Array;
  strings: string[];
  /** Values of the ok records back to back, their lengths in `lengths`. */
  values: ArrayBuffer;
  lengths: Int32Array;
}

const BOOTSTRAP = new URL("./translate-worker-bootstrap.mjs", import.meta.url);
const ENTRY = new URL("./translate-worker.ts", import.meta.url);

/**
 * Translation in a worker thread with a budget per record. The main thread stays free while
 * the worker works, so heartbeats, rebalances and SIGTERM are answered however long a record
 * takes; a record that overruns its budget is charged to itself alone: the worker is
 * terminated (V8 stops it even inside a backtracking regex), the record goes to the DLQ with
 * kind `budget-exceeded`, and the rest of the batch runs on a fresh worker.
 */
export function workerTranslator(opts: WorkerTranslatorOptions): BatchTranslator {
  const module = (opts.module ?? new URL("./translator.ts", import.meta.url)).href;
  const tick = Math.min(250, Math.max(10, Math.floor(opts.recordBudgetMs / 4)));
  let current: { worker: Worker; started: Int32Array } | undefined;
  let closed = false;
  let abort: ((e: Error) => void) | undefined;

  function spawn() {
    const progress = new SharedArrayBuffer(4);
    const worker = new Worker(BOOTSTRAP, {
      workerData: {
        entry: ENTRY.href,
        module,
        progress,
        networks: opts.networks ?? null,
        mapping: opts.mapping ?? {},
      },
      // The parent's flags (tsx's --import among them) are for the parent; the bootstrap
      // registers tsx itself.
      execArgv: [],
    });
    worker.unref();
    current = { worker, started: new Int32Array(progress) };
    return current;
  }

  /** Runs `indices` on the current worker; resolves with the replies or the index that stalled. */
  function run(
    request: WorkRequest,
    onWait?: () => void,
  ): Promise<{ reply: WorkReply } | { lost: number; reason: DeadLetterReason }> {
    const w = current ?? spawn();
    const base = Atomics.load(w.started, 0);
    return new Promise((resolve, reject) => {
      let seen = base;
      let since = performance.now();
      let lastWait = since;
      const done = () => {
        clearInterval(timer);
        w.worker.off("message", onMessage);
        w.worker.off("error", onError);
        w.worker.off("exit", onExit);
        abort = undefined;
      };
      /** The record the worker is on, as an index into the request. */
      const inFlight = () => request.indices[Math.max(0, Atomics.load(w.started, 0) - base - 1)] ?? -1;
      const lose = (reason: DeadLetterReason) => {
        const index = inFlight();
        const beforeAnyRecord = Atomics.load(w.started, 0) === base;
        done();
        current = undefined;
        void w.worker.terminate();
        // A worker that dies before its first record failed to load: no record is to blame,
        // and dead-lettering them one by one would empty the topic into the DLQ.
        if (beforeAnyRecord) reject(new Error(reason.message));
        else resolve({ lost: index, reason });
      };
      const onMessage = (reply: WorkReply) => {
        done();
        resolve({ reply });
      };
      const onError = (e: Error) =>
        lose({ kind: "worker-failed", message: `translation worker failed: ${e.message}` });
      const onExit = (code: number) =>
        lose({ kind: "worker-failed", message: `translation worker exited with code ${code}` });
      const timer = setInterval(() => {
        const now = performance.now();
        const started = Atomics.load(w.started, 0);
        if (started !== seen) {
          seen = started;
          since = now;
        } else if (started > base && now - since > opts.recordBudgetMs) {
          lose({
            kind: "budget-exceeded",
            message: `translation took longer than its budget of ${opts.recordBudgetMs} ms`,
          });
          return;
        }
        if (onWait && now - lastWait >= 1_000) {
          lastWait = now;
          onWait();
        }
      }, tick);
      abort = (e) => {
        done();
        reject(e);
      };
      w.worker.on("message", onMessage);
      w.worker.on("error", onError);
      w.worker.on("exit", onExit);
      w.worker.postMessage(request);
    });
  }

  return {
    async translate(values, onWait) {
      if (closed) throw new TranslatorClosedError();
      const n = values.length;
      const results: (RecordResult | undefined)[] = new Array(n);
      const request = pack(values);
      let pending = Int32Array.from({ length: n }, (_, i) => i);
      // Records that already lost one worker. The budget is wall time, so a machine that stops
      // both threads for a while (a busy CI host, a VM stolen from) makes whichever record is in
      // flight overrun; a record is dead-lettered only when it overruns on a second, fresh worker.
      const struck = new Set<number>();
      while (pending.length > 0) {
        // Closed between two workers: stop() waits for this batch, so no fresh worker starts.
        if (closed) throw new TranslatorClosedError();
        const outcome = await run({ ...request, indices: pending }, onWait);
        if ("reply" in outcome) {
          unpack(outcome.reply, pending, results);
          break;
        }
        // The rest runs again on a fresh worker (the records before the lost one were
        // translated, but their results died with the worker), the lost one too if it is its
        // first strike.
        if (!struck.has(outcome.lost)) {
          struck.add(outcome.lost);
          opts.onRecordStruck?.({ index: outcome.lost, reason: outcome.reason });
          continue;
        }
        const reason = { ...outcome.reason, message: `${outcome.reason.message}, twice` };
        results[outcome.lost] = { ok: false, reason };
        opts.onRecordLost?.({ index: outcome.lost, reason });
        pending = pending.filter((i) => results[i] === undefined);
      }
      return results as RecordResult[];
    },
    async close() {
      closed = true;
      abort?.(new TranslatorClosedError());
      const w = current;
      current = undefined;
      await w?.worker.terminate();
    },
  };
}

function pack(values: readonly (Buffer | null)[]): Omit<WorkRequest, "indices"> {
  let total = 0;
  for (const v of values) total += v?.length ?? 0;
  const bytes = new SharedArrayBuffer(total);
  const view = new Uint8Array(bytes);
  const starts = new Int32Array(values.length);
  const lengths = new Int32Array(values.length);
  let at = 0;
  for (const [i, v] of values.entries()) {
    starts[i] = at;
    if (v === null) {
      lengths[i] = -1;
      continue;
    }
    view.set(v, at);
    lengths[i] = v.length;
    at += v.length;
  }
  return { bytes, starts, lengths };
}

function unpack(reply: WorkReply, indices: Int32Array, results: (RecordResult | undefined)[]): void {
  let at = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] ?? 0;
    const a = reply.strings[2 * k] ?? "";
    const b = reply.strings[2 * k + 1] ?? "";
    if (reply.ok[k] === 1) {
      const len = reply.lengths[k] ?? 0;
      results[i] = { ok: true, key: a, timestamp: b, value: Buffer.from(reply.values, at, len) };
      at += len;
    } else {
      results[i] = { ok: false, reason: { kind: a, message: b } };
    }
  }
}
