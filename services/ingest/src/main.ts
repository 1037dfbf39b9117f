// The ingest process: LiteLLM logs → fingerprinted ApiRequests. Run from the repo root with
// `node --import tsx services/ingest/src/main.ts`; settings come from the environment
// (services/ingest/README.md). SIGTERM or SIGINT stops it at once: the batch in flight is left
// uncommitted and replayed by the next owner.
import { describeStartFailure } from "@distillguard/runtime";
import { runIngestProcess } from "./process.ts";

runIngestProcess().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`ingest failed: ${describeStartFailure(e)}`);
    process.exit(1);
  },
);
