/**
 * The records topic of a linker split by account (DG_LINKER_ROLE): what its account stages send
 * its link stage. Three kinds, told by the links headers (LINK_HEADERS): `touches`, a batch of
 * units, one per request in the order the stage applied them, each its sort key (event time,
 * source partition, source offset) and the stage's link records for it (evictions it caused,
 * then its touch; packages/campaigns link-records.ts); `totals`, the changed accounts' totals for
 * the evaluation at the header's time; `watermark`, the stage's clock. The stage's partition of
 * the links topic is the header's source partition.
 */
export const RECORD_KINDS = { touches: "touches", totals: "totals", watermark: "watermark" } as const;

export interface Unit {
  t: number;
  source: number;
  offset: bigint;
  bytes: Buffer;
}

const MAGIC = 0x55; // "U"
const HEAD = 8 + 2 + 8 + 4;

export function packUnits(units: readonly Unit[]): Buffer {
  let size = 2;
  for (const u of units) size += HEAD + u.bytes.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = MAGIC;
  out[1] = 1;
  let at = 2;
  for (const u of units) {
    out.writeDoubleBE(u.t, at);
    out.writeUInt16BE(u.source, at + 8);
    out.writeBigUInt64BE(u.offset, at + 10);
    out.writeUInt32BE(u.bytes.length, at + 18);
    at += HEAD;
    u.bytes.copy(out, at);
    at += u.bytes.length;
  }
  return out;
}

/** The units of a `touches` record; RangeError for anything else. */
export function unpackUnits(b: Buffer): Unit[] {
  if (b.length < 2 || b[0] !== MAGIC) throw new RangeError("not a batch of link record units");
  if (b[1] !== 1) throw new RangeError(`link record units of version ${b[1]}, this linker reads 1`);
  const units: Unit[] = [];
  let at = 2;
  while (at < b.length) {
    if (at + HEAD > b.length) throw new RangeError("truncated link record unit");
    const n = b.readUInt32BE(at + 18);
    if (at + HEAD + n > b.length) throw new RangeError("truncated link record unit");
    units.push({
      t: b.readDoubleBE(at),
      source: b.readUInt16BE(at + 8),
      offset: b.readBigUInt64BE(at + 10),
      bytes: b.subarray(at + HEAD, at + HEAD + n),
    });
    at += HEAD + n;
  }
  return units;
}
