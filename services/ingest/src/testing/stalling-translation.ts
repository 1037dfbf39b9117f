// The ingest's translation as it was before issue 12: the same records out, but each prompt's
// template also computed with the backtracking expressions that shipped then. A prompt with a
// line of 45 "#" makes it run for about a day. Tests load it into the translation worker to
// prove that such a record costs its budget, not the partition.

import { foldText } from "@distillguard/fingerprint";
import { maskFoldedBacktracking } from "@distillguard/fingerprint/testing";
import { decodeStandardLoggingPayload, type Enricher, extractPrompt } from "@distillguard/litellm";
import { type RecordResult, toRecordResult as translate } from "../translator.ts";

export function toRecordResult(value: Buffer | null, enrich?: Enricher): RecordResult {
  try {
    const { user } = extractPrompt(decodeStandardLoggingPayload(value).messages);
    maskFoldedBacktracking(foldText(user));
  } catch {
    // Undecodable records are the real translation's to dead-letter.
  }
  return translate(value, enrich);
}
