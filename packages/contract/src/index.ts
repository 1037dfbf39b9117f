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
export { LINK_HEADERS, type LinkKind, packObservations, unpackObservations } from "./links.ts";
export { allSchemaVersions, type SchemaVersion, type Subject, schemaVersion } from "./registry.ts";
