// The translation worker of workerTranslator (translator.ts): translates the records it is
// sent with the module it was given, counting each record it starts in shared memory so the
// main thread can tell which record overran its budget.
import { parentPort, workerData } from "node:worker_threads";
import type { Enricher, MappingOptions } from "@distillguard/litellm";
import { type NetworkTables, networkEnricher } from "./networks.ts";
import type { RecordResult, WorkReply, WorkRequest } from "./translator.ts";

const { module, progress, networks, mapping } = workerData as {
  module: string;
  progress: SharedArrayBuffer;
  networks: NetworkTables | null;
  mapping: MappingOptions;
};
const translateWith = (
  (await import(module)) as {
    toRecordResult: (v: Buffer | null, enrich?: Enricher, options?: MappingOptions) => RecordResult;
  }
).toRecordResult;
// The tables are the main thread's shared memory: nothing is parsed or copied here.
const enrich = networks ? networkEnricher(networks) : undefined;
const translate = (v: Buffer | null) => translateWith(v, enrich, mapping);
const started = new Int32Array(progress);

parentPort?.on("message", (req: WorkRequest) => {
  const n = req.indices.length;
  const ok = new Uint8Array(n);
  const strings: string[] = new Array(2 * n);
  const lengths = new Int32Array(n);
  const values: Buffer[] = [];
  let total = 0;
  for (let k = 0; k < n; k++) {
    const i = req.indices[k] ?? 0;
    const len = req.lengths[i] ?? -1;
    Atomics.add(started, 0, 1);
    const r = translate(len < 0 ? null : Buffer.from(req.bytes, req.starts[i] ?? 0, len));
    if (r.ok) {
      ok[k] = 1;
      strings[2 * k] = r.key;
      strings[2 * k + 1] = r.timestamp;
      lengths[k] = r.value.length;
      values.push(r.value);
      total += r.value.length;
    } else {
      strings[2 * k] = r.reason.kind;
      strings[2 * k + 1] = r.reason.message;
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const v of values) {
    out.set(v, at);
    at += v.length;
  }
  const reply: WorkReply = { ok, strings, values: out.buffer, lengths };
  parentPort?.postMessage(reply, [out.buffer]);
});
