// Runs of a suite are independent: spread them over worker threads, one run per thread at a
// time, longest first so the last run to finish is a short one.

import { Worker } from "node:worker_threads";
import type { NetworkTables } from "@distillguard/ingest";
import { parseDuration } from "@distillguard/simulator";
import type { FeedOptions, RunProgress, RunRecord, Suite, SuiteEntry } from "./suite.ts";

export interface RunTask {
  id: number;
  entry: SuiteEntry;
  seed: number;
  suite: Suite;
  evaluateEveryMs: number;
  /** Everything but the enricher, which each thread builds over the shared tables. */
  feed: Omit<FeedOptions, "enrich">;
}

export type WorkerReply =
  | { id: number; progress: RunProgress }
  | { id: number; record: RunRecord }
  | { id: number; error: string };

const BOOTSTRAP = new URL("./worker-bootstrap.mjs", import.meta.url);
const ENTRY = new URL("./worker.ts", import.meta.url);

/**
 * Runs every task on `threads` workers; `onProgress` and `onDone` are called as runs advance
 * and finish. Resolves with the records in task order; rejects on the first failed run.
 */
export async function runPool(
  tasks: readonly RunTask[],
  options: {
    threads: number;
    networks: NetworkTables | null;
    trace: string | undefined;
    onProgress: (task: RunTask, p: RunProgress) => void;
    onDone: (task: RunTask, r: RunRecord) => void;
  },
): Promise<RunRecord[]> {
  // Rough events of a run: accounts × simulated time.
  const size = (t: RunTask) => t.entry.accounts * parseDuration(t.entry.duration);
  const queue = [...tasks].sort((a, b) => size(b) - size(a));
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const records = new Map<number, RunRecord>();
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      const feed = (w: Worker) => {
        const t = queue.shift();
        if (!t) {
          if (running === 0) resolve();
          return;
        }
        running++;
        w.postMessage(t);
      };
      const threads = Math.max(1, Math.min(options.threads, tasks.length));
      for (let i = 0; i < threads; i++) {
        const w = new Worker(BOOTSTRAP, {
          workerData: { entry: ENTRY.href, networks: options.networks, trace: options.trace },
          execArgv: [],
        });
        workers.push(w);
        w.on("error", reject);
        w.on("message", (m: WorkerReply) => {
          const t = byId.get(m.id);
          if (!t) return;
          if ("progress" in m) options.onProgress(t, m.progress);
          else if ("error" in m) reject(new Error(`${t.entry.scenario} seed ${t.seed}: ${m.error}`));
          else {
            records.set(t.id, m.record);
            options.onDone(t, m.record);
            running--;
            if (queue.length === 0 && running === 0) resolve();
            else feed(w);
          }
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return tasks.map((t) => {
    const r = records.get(t.id);
    if (!r) throw new Error(`run ${t.id} has no record`);
    return r;
  });
}
