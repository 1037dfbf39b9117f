export { type SimulatedExchange, toStandardLoggingPayload } from "./emit.ts";
export { LiteLLMPayloadError, type LiteLLMPayloadErrorKind } from "./errors.ts";
export { guessPromptLanguage } from "./language.ts";
export {
  type Enricher,
  type Enrichment,
  keyIdOf,
  MASTER_KEY_PLACEHOLDER,
  type MappingOptions,
  toApiRequest,
} from "./map.ts";
export { decodeStandardLoggingPayload, parseJson, parseStandardLoggingPayload } from "./parse.ts";
export { extractPrompt, LITELLM_REDACTED, type PromptText } from "./prompt.ts";
export { readAnswer } from "./response.ts";
export { endpointOf, statusCodeOf } from "./status.ts";
export type * from "./types.ts";
