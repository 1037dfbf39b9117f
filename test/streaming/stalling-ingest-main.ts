// services/ingest/src/main.ts with the pre-issue-12 translation in its worker: the process a
// test sends SIGTERM to while a record stalls (ingest-adversarial.test.ts).
import { runIngestProcess, workerTranslator } from "@distillguard/ingest";
import { STALLING_TRANSLATION } from "@distillguard/ingest/testing";

runIngestProcess({
  translator: (recordBudgetMs, networks) =>
    workerTranslator({ recordBudgetMs, networks, module: STALLING_TRANSLATION }),
}).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`ingest failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
