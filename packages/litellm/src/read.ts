import { LiteLLMPayloadError } from "./errors.ts";

// Field readers that carry the JSONPath along, so every rejection names its field. They
// describe a bad value by its JSON type only: values may be prompt text or secrets.

export type JsonObject = Record<string, unknown>;

/** Avro `int` bounds: counts land in int fields of ApiRequest. */
const INT32_MAX = 2 ** 31 - 1;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number" && !Number.isFinite(v)) return "non-finite number";
  return typeof v;
}

export function child(path: string, key: string | number): string {
  return typeof key === "number" ? `${path}[${key}]` : `${path}.${key}`;
}

export function missing(path: string, expected: string): LiteLLMPayloadError {
  return new LiteLLMPayloadError("missing-field", path, `missing required field ${path} (${expected})`);
}

export function wrongType(path: string, expected: string, got: unknown): LiteLLMPayloadError {
  return new LiteLLMPayloadError("schema", path, `${path} must be ${expected}, got ${jsonType(got)}`);
}

export function invalid(path: string, why: string): LiteLLMPayloadError {
  return new LiteLLMPayloadError("schema", path, `${path} ${why}`);
}

export function expectObject(v: unknown, path: string): JsonObject {
  if (!isObject(v)) throw wrongType(path, "an object", v);
  return v;
}

export function requiredObject(o: JsonObject, key: string, path: string): JsonObject {
  const v = o[key];
  const p = child(path, key);
  if (v === undefined || v === null) throw missing(p, "object");
  return expectObject(v, p);
}

export function optionalObject(o: JsonObject, key: string, path: string): JsonObject | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  return expectObject(v, child(path, key));
}

/** A string that must be present; `nonEmpty` also rejects "" (LiteLLM's "unset" for several fields). */
export function requiredString(o: JsonObject, key: string, path: string, nonEmpty = false): string {
  const v = o[key];
  const p = child(path, key);
  if (v === undefined || v === null || (nonEmpty && v === "")) throw missing(p, "string");
  if (typeof v !== "string") throw wrongType(p, "a string", v);
  return v;
}

/** A string or absent; LiteLLM writes "" for unset ids, which reads as null. */
export function optionalString(o: JsonObject, key: string, path: string): string | null {
  const v = o[key];
  if (v === undefined || v === null || v === "") return null;
  if (typeof v !== "string") throw wrongType(child(path, key), "a string or null", v);
  return v;
}

export function requiredNumber(o: JsonObject, key: string, path: string): number {
  const v = o[key];
  const p = child(path, key);
  if (v === undefined || v === null) throw missing(p, "number");
  if (typeof v !== "number" || !Number.isFinite(v)) throw wrongType(p, "a finite number", v);
  return v;
}

export function optionalNumber(o: JsonObject, key: string, path: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw wrongType(child(path, key), "a finite number or null", v);
  return v;
}

function checkCount(v: number, p: string): number {
  if (!Number.isInteger(v) || v < 0 || v > INT32_MAX) {
    throw invalid(p, `must be a whole number between 0 and ${INT32_MAX}`);
  }
  return v;
}

/** A token or item count: a non-negative integer that fits the contract's int fields. */
export function requiredCount(o: JsonObject, key: string, path: string): number {
  return checkCount(requiredNumber(o, key, path), child(path, key));
}

export function optionalCount(o: JsonObject, key: string, path: string): number | null {
  const v = optionalNumber(o, key, path);
  return v === null ? null : checkCount(v, child(path, key));
}

export function optionalBoolean(o: JsonObject, key: string, path: string): boolean | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "boolean") throw wrongType(child(path, key), "a boolean or null", v);
  return v;
}

export function optionalArray(o: JsonObject, key: string, path: string): unknown[] | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) throw wrongType(child(path, key), "an array or null", v);
  return v;
}
