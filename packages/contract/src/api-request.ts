import { readFileSync } from "node:fs";
import avro from "avsc";

/** Mirrors schemas/api-request/v1.avsc; api-request.test.ts fails if the two drift. */
export interface ApiRequest {
  request_id: string;
  event_time_ms: number;
  account_id: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
}

export const apiRequestSchemaV1 = JSON.parse(
  readFileSync(new URL("../schemas/api-request/v1.avsc", import.meta.url), "utf8"),
) as avro.schema.RecordType;

const apiRequestType = avro.Type.forSchema(apiRequestSchemaV1) as avro.types.RecordType;

export class ContractError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ContractError";
  }
}

export function encodeApiRequest(value: ApiRequest): Buffer {
  const paths: string[] = [];
  if (!apiRequestType.isValid(value, { errorHook: (p) => paths.push(p.join(".")) })) {
    throw new ContractError(`ApiRequest invalid at: ${paths.join(", ")}`);
  }
  return apiRequestType.toBuffer(value);
}

export function decodeApiRequest(bytes: Buffer): ApiRequest {
  try {
    return apiRequestType.fromBuffer(bytes) as ApiRequest;
  } catch (cause) {
    throw new ContractError(`undecodable ApiRequest (${bytes.length} bytes)`, { cause });
  }
}

export const apiRequestFieldNames: readonly string[] = apiRequestType.fields.map((f) => f.name);
