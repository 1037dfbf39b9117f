// The ingest's translation, except that the first record any worker meets stalls: a stand-in
// for a host that stops the process for a while (nothing in the record is to blame). The
// marker file named in this module's URL (`?marker=PATH`, so no setting is involved) tells
// later, fresh workers that the stall already happened, so they translate normally.

import { existsSync, writeFileSync } from "node:fs";
import type { Enricher } from "@distillguard/litellm";
import { type RecordResult, toRecordResult as translate } from "../translator.ts";

export function toRecordResult(value: Buffer | null, enrich?: Enricher): RecordResult {
  const marker = new URL(import.meta.url).searchParams.get("marker");
  if (marker && !existsSync(marker)) {
    writeFileSync(marker, "stalled\n");
    const until = Date.now() + 600_000;
    while (Date.now() < until) {
      // Spins until the main thread terminates this worker.
    }
  }
  return translate(value, enrich);
}
