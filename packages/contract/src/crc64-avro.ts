/**
 * CRC-64-AVRO, the Rabin fingerprint the Avro spec uses for schema identity in single-object
 * encoding. Computed once per schema at start-up, so BigInt's speed does not matter here.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const table: bigint[] = (() => {
  const t: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
    t.push(fp & MASK);
  }
  return t;
})();

/** The fingerprint as the unsigned 64-bit value Avro's Java SchemaNormalization returns. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const b of bytes) fp = (fp >> 8n) ^ (table[Number((fp ^ BigInt(b)) & 0xffn)] as bigint);
  return fp & MASK;
}
