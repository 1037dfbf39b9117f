import { describe, expect, it } from "vitest";
import {
  type ApiRequest,
  apiRequestFieldNames,
  ContractError,
  decodeApiRequest,
  encodeApiRequest,
} from "./api-request.ts";

const sample: ApiRequest = {
  request_id: "req-1",
  event_time_ms: 1_767_225_600_000,
  account_id: "acct-42",
  model: "model-large-2026-02",
  input_tokens: 812,
  output_tokens: 1_904,
};

describe("ApiRequest codec", () => {
  it("round-trips a record", () => {
    expect(decodeApiRequest(encodeApiRequest(sample))).toEqual(sample);
  });

  it("keeps the TypeScript interface and the .avsc in step", () => {
    expect([...apiRequestFieldNames].sort()).toEqual(Object.keys(sample).sort());
  });

  it("names the bad field when a record does not match the schema", () => {
    const bad = { ...sample, input_tokens: "many" } as unknown as ApiRequest;
    expect(() => encodeApiRequest(bad)).toThrow(/input_tokens/);
  });

  it("rejects truncated bytes with a ContractError", () => {
    const bytes = encodeApiRequest(sample);
    expect(() => decodeApiRequest(bytes.subarray(0, 5))).toThrow(ContractError);
  });
});
