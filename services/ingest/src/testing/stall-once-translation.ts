// The ingest's translation, except that the first record any worker meets stalls: a stand-in
// for a host that stops the process for a while (nothing in the record is to blame). The
// marker file named by DG_TEST_STALL_ONCE_MARKER tells later, fresh workers that the stall
// already happened, so they translate normally.

import { existsSync, writeFileSync } from "node:fs";
import type { Enricher } from "@distillguard/litellm";
import { type RecordResult, toRecordResult as translate } from "../translator.ts";

export function toRecordResult(value: Buffer | null, enrich?: Enricher): RecordResult {
  const marker = process.env.DG_TEST_STALL_ONCE_MARKER;
  if (marker && !existsSync(marker)) {
    writeFileSync(marker, "stalled\n");
    const until = Date.now() + 600_000;
    while (Date.now() < until) {
      // Spins until the main thread terminates this worker.
    }
  }
  return translate(value, enrich);
}
