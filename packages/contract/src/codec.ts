import type avro from "avsc";
import { ContractError } from "./errors.ts";
import { type SchemaVersion, type Subject, schemaByFingerprint, schemaVersion } from "./registry.ts";

/** Avro single-object encoding: 0xC3 0x01, 8-byte little-endian schema fingerprint, body. */
export const SINGLE_OBJECT_MAGIC = [0xc3, 0x01] as const;
export const HEADER_LENGTH = 10;

export interface Codec<T> {
  readonly subject: Subject;
  /** The version this codec writes, and reads every other known version into. */
  readonly version: number;
  readonly fingerprintHex: string;
  /** Single-object bytes for `value`; throws ContractError("invalid") naming the bad fields. */
  encode(value: T): Buffer;
  /**
   * Decodes a record written with any known version of the subject, resolved to this codec's
   * version (fields added later are dropped, fields missing get their defaults).
   */
  decode(bytes: Uint8Array): T;
  /** Field paths that make `value` invalid; empty when it is valid. */
  validate(value: T): string[];
}

export function createCodec<T>(subject: Subject, version?: number): Codec<T> {
  const reader = schemaVersion(subject, version);
  const header = Buffer.alloc(HEADER_LENGTH);
  header[0] = SINGLE_OBJECT_MAGIC[0];
  header[1] = SINGLE_OBJECT_MAGIC[1];
  reader.fingerprintLE.copy(header, 2);
  const resolvers = new Map<SchemaVersion, avro.Resolver | null>();
  // Reused across calls so encode makes one allocation, the returned buffer.
  let scratch = Buffer.alloc(4096);

  function resolverFor(writer: SchemaVersion): avro.Resolver | null {
    let r = resolvers.get(writer);
    if (r === undefined) {
      if (writer === reader) {
        r = null;
      } else {
        try {
          r = reader.type.createResolver(writer.type);
        } catch (cause) {
          throw new ContractError(
            "incompatible-schema",
            `${writer.subject} v${writer.version} cannot be read as ${reader.subject} v${reader.version}`,
            { cause },
          );
        }
      }
      resolvers.set(writer, r);
    }
    return r;
  }

  const codec: Codec<T> = {
    subject,
    version: reader.version,
    fingerprintHex: reader.fingerprintHex,

    encode(value: T): Buffer {
      for (;;) {
        let end: number;
        try {
          end = reader.type.encode(value, scratch, HEADER_LENGTH);
        } catch (cause) {
          throw new ContractError(
            "invalid",
            `${subject} v${reader.version} invalid at: ${codec.validate(value).join(", ")}`,
            {
              cause,
            },
          );
        }
        if (end >= 0) {
          header.copy(scratch, 0);
          return Buffer.from(scratch.subarray(0, end));
        }
        scratch = Buffer.alloc(Math.max(scratch.length * 2, -end + 64));
      }
    },

    decode(bytes: Uint8Array): T {
      if (bytes.length === 0) throw new ContractError("empty", "empty record");
      if (
        bytes.length < HEADER_LENGTH ||
        bytes[0] !== SINGLE_OBJECT_MAGIC[0] ||
        bytes[1] !== SINGLE_OBJECT_MAGIC[1]
      ) {
        throw new ContractError("not-single-object", "not Avro single-object encoded (missing C3 01 header)");
      }
      const writer = schemaByFingerprint(bytes, 2);
      if (!writer) {
        const fp = Buffer.from(bytes.subarray(2, HEADER_LENGTH))
          .readBigUInt64LE()
          .toString(16)
          .padStart(16, "0");
        throw new ContractError("unknown-schema", `unknown schema fingerprint ${fp}`);
      }
      if (writer.subject !== subject) {
        throw new ContractError(
          "incompatible-schema",
          `record is ${writer.subject} v${writer.version}, expected ${subject}`,
        );
      }
      const resolver = resolverFor(writer);
      const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
      let decoded: { value: unknown; offset: number };
      try {
        decoded = resolver
          ? reader.type.decode(buf, HEADER_LENGTH, resolver)
          : reader.type.decode(buf, HEADER_LENGTH);
      } catch (cause) {
        throw new ContractError("undecodable", `corrupt ${subject} v${writer.version} body`, { cause });
      }
      if (decoded.offset !== buf.length) {
        throw new ContractError(
          "undecodable",
          decoded.offset < 0
            ? `truncated ${subject} v${writer.version} record (${buf.length} bytes)`
            : `${buf.length - decoded.offset} trailing bytes after ${subject} v${writer.version} record`,
        );
      }
      return decoded.value as T;
    },

    validate(value: T): string[] {
      const paths: string[] = [];
      reader.type.isValid(value, { errorHook: (path) => paths.push(path.join(".") || "(root)") });
      return paths;
    },
  };
  return codec;
}
