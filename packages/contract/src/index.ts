export { type Codec, createCodec, HEADER_LENGTH, SINGLE_OBJECT_MAGIC } from "./codec.ts";
export {
  accountScoreCodec,
  alertCodec,
  apiRequestCodec,
  apiRequestV1Codec,
  campaignUpdateCodec,
} from "./codecs.ts";
export { ContractError, type ContractErrorKind } from "./errors.ts";
export type * from "./generated/types.ts";
export {
  API_REQUEST_VALUES,
  decodeLinkEvent,
  encodeLinkEvent,
  LINK_EVENT_VALUES,
  LINK_HEADERS,
  type LinkKind,
  type LinkObservation,
  packObservations,
  unpackObservations,
} from "./links.ts";
export { allSchemaVersions, type SchemaVersion, type Subject, schemaVersion } from "./registry.ts";
