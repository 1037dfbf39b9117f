/**
 * Why a LiteLLM record was rejected; the ingest puts it in the DLQ `dg-error-kind` header.
 * - empty: no bytes at all
 * - invalid-utf8: the bytes are not UTF-8 text
 * - json-parse: the text is not JSON
 * - schema: JSON, but a field has the wrong type or an impossible value
 * - missing-field: a field the mapping needs is absent, null or empty
 */
export type LiteLLMPayloadErrorKind = "empty" | "invalid-utf8" | "json-parse" | "schema" | "missing-field";

/**
 * Every rejection of a LiteLLM record. Never retriable: the same bytes fail the same way.
 * Messages name the field (`path`, JSONPath from `$`) and the expected type, never the value,
 * so they are safe to log and to copy into DLQ headers even when the value is prompt text.
 */
export class LiteLLMPayloadError extends Error {
  readonly kind: LiteLLMPayloadErrorKind;
  /** JSONPath of the offending field, `$` for the record as a whole. */
  readonly path: string;
  readonly retriable = false;

  constructor(kind: LiteLLMPayloadErrorKind, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LiteLLMPayloadError";
    this.kind = kind;
    this.path = path;
  }
}
