import { type ApiRequest, apiRequestCodec, ContractError } from "@distillguard/contract";
import {
  decodeStandardLoggingPayload,
  type Enricher,
  LiteLLMPayloadError,
  type MappingOptions,
  toApiRequest,
} from "@distillguard/litellm";
import type { DeadLetterReason } from "@distillguard/runtime";

export type Translation =
  | { ok: true; request: ApiRequest; key: string; value: Buffer; timestamp: string }
  | { ok: false; reason: DeadLetterReason };

/**
 * One input record's bytes → the ApiRequest record to produce, or why it goes to the DLQ.
 * Every failure becomes a reason rather than an exception, so one record can neither stop the
 * consumer nor vanish. Reasons name fields and kinds, never prompt text.
 */
export function translateRecord(
  bytes: Buffer | null | undefined,
  enrich?: Enricher,
  options?: MappingOptions,
): Translation {
  try {
    const request = toApiRequest(decodeStandardLoggingPayload(bytes), enrich, options);
    return {
      ok: true,
      request,
      // Keyed by account so one account's requests stay ordered in one partition.
      key: request.account_id,
      value: apiRequestCodec.encode(request),
      // Event time, so windowed consumers and retention see when the request happened.
      timestamp: String(request.event_time_ms),
    };
  } catch (e) {
    if (e instanceof LiteLLMPayloadError || e instanceof ContractError) {
      return { ok: false, reason: { kind: e.kind, message: e.message } };
    }
    // A bug in mapping or fingerprinting: park the record for replay after the fix instead of
    // blocking the partition on it forever.
    const name = e instanceof Error ? e.name : typeof e;
    const message = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      reason: { kind: "internal", message: `unexpected ${name} while mapping: ${message}` },
    };
  }
}
