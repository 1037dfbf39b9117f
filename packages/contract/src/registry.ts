import avro from "avsc";
import { crc64Avro } from "./crc64-avro.ts";
import { loadSchemaFiles } from "./schema-files.ts";

export type Subject = "api-request" | "account-score" | "campaign-update" | "alert";

export interface SchemaVersion {
  readonly subject: Subject;
  readonly version: number;
  readonly type: avro.Type;
  /** CRC-64-AVRO of the Parsing Canonical Form, as 16 hex digits (the Java `%016x` form). */
  readonly fingerprintHex: string;
  /** The same fingerprint little-endian, as it appears in single-object headers. */
  readonly fingerprintLE: Buffer;
}

function fingerprint(type: avro.Type): { hex: string; le: Buffer } {
  // avsc's schema() is the Parsing Canonical Form: names fully qualified, docs and logical
  // types dropped, already-defined named types referenced by name (as Avro Java does).
  const fp = crc64Avro(Buffer.from(JSON.stringify(type.schema()), "utf8"));
  const le = Buffer.alloc(8);
  le.writeBigUInt64LE(fp);
  return { hex: fp.toString(16).padStart(16, "0"), le };
}

const versions: SchemaVersion[] = loadSchemaFiles().map((f) => {
  const type = avro.Type.forSchema(f.schema as avro.Schema);
  const fp = fingerprint(type);
  return {
    subject: f.subject as Subject,
    version: f.version,
    type,
    fingerprintHex: fp.hex,
    fingerprintLE: fp.le,
  };
});

const byFingerprint = new Map<string, SchemaVersion>(
  versions.map((v) => [v.fingerprintLE.toString("latin1"), v]),
);

export function allSchemaVersions(): readonly SchemaVersion[] {
  return versions;
}

/** A subject's version, the newest when `version` is omitted. */
export function schemaVersion(subject: Subject, version?: number): SchemaVersion {
  const candidates = versions.filter((v) => v.subject === subject);
  const found =
    version === undefined ? candidates[candidates.length - 1] : candidates.find((v) => v.version === version);
  if (!found) {
    throw new Error(
      `no schema ${subject} v${version ?? "(latest)"}; known: ${candidates.map((v) => `v${v.version}`).join(", ")}`,
    );
  }
  return found;
}

/** Looks a writer schema up by the 8 fingerprint bytes at `offset` of a single-object record. */
export function schemaByFingerprint(bytes: Uint8Array, offset: number): SchemaVersion | undefined {
  return byFingerprint.get(Buffer.from(bytes.buffer, bytes.byteOffset + offset, 8).toString("latin1"));
}
