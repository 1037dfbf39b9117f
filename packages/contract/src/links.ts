/**
 * The links topic, between the detector service and the campaign linker (docs/events.md). Kept
 * here with the other wire formats so that neither service imports the other.
 * Observations travel packed: one record per batch run of a source partition holds the
 * ApiRequest bytes of many requests with their source offsets, so the Kafka client's
 * per-record work (partitioning, encoding, checksums) is paid once per run, not per request.
 * Watermarks say a source partition will forward no observation older than `dg-watermark-ms`.
 */
export const LINK_HEADERS = {
  kind: "dg-link-kind",
  sourcePartition: "dg-source-partition",
  sourcePartitions: "dg-source-partitions",
  watermarkMs: "dg-watermark-ms",
} as const;

export type LinkKind = "observations" | "watermark";

const MAGIC = 0x4c; // "L"
const VERSION = 1;

/** Packs (source offset, ApiRequest bytes) pairs: magic, version, then u64 offset, u32 length, bytes. */
export function packObservations(items: readonly { offset: string; value: Buffer }[]): Buffer {
  let size = 2;
  for (const it of items) size += 12 + it.value.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = MAGIC;
  out[1] = VERSION;
  let pos = 2;
  for (const it of items) {
    out.writeBigUInt64BE(BigInt(it.offset), pos);
    out.writeUInt32BE(it.value.length, pos + 8);
    it.value.copy(out, pos + 12);
    pos += 12 + it.value.length;
  }
  return out;
}

/** The pairs of `packObservations`, in order; throws RangeError on anything else. */
export function unpackObservations(b: Buffer): { offset: bigint; value: Buffer }[] {
  if (b.length < 2 || b[0] !== MAGIC) throw new RangeError("not a packed link record");
  if (b[1] !== VERSION) throw new RangeError(`unknown packed link record version ${b[1]}`);
  const out: { offset: bigint; value: Buffer }[] = [];
  let pos = 2;
  while (pos < b.length) {
    if (pos + 12 > b.length) throw new RangeError("truncated packed link record");
    const offset = b.readBigUInt64BE(pos);
    const len = b.readUInt32BE(pos + 8);
    if (pos + 12 + len > b.length) throw new RangeError("truncated packed link record");
    out.push({ offset, value: b.subarray(pos + 12, pos + 12 + len) });
    pos += 12 + len;
  }
  return out;
}
