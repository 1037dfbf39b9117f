// One thread of the quality bench: runs the suite entries it is sent, in process, one at a time.

import { parentPort, workerData } from "node:worker_threads";
import { type NetworkTables, networkEnricher } from "@distillguard/ingest";
import { loadAzureTrace } from "@distillguard/simulator";
import type { RunTask, WorkerReply } from "./pool.ts";
import { inProcessBackend } from "./runner.ts";
import { runOne } from "./suite.ts";

const data = workerData as { networks: NetworkTables | null; trace: string | undefined };
const calibration = loadAzureTrace(data.trace);
const enrich = data.networks ? networkEnricher(data.networks) : undefined;
const port = parentPort;
if (!port) throw new Error("bench/quality/worker.ts runs as a worker thread");

port.on("message", async (t: RunTask) => {
  const reply = (m: WorkerReply) => port.postMessage(m);
  try {
    const backend = inProcessBackend({ evaluateEveryMs: t.evaluateEveryMs });
    let last = 0;
    const record = await runOne(
      t.entry,
      t.seed,
      t.suite,
      backend,
      calibration,
      { ...t.feed, enrich },
      (p) => {
        const now = performance.now();
        if (now - last < 500) return;
        last = now;
        reply({ id: t.id, progress: p });
      },
    );
    reply({ id: t.id, record });
  } catch (e) {
    reply({ id: t.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
