/**
 * Typed-array views over one ArrayBuffer. Every sketch here is a fixed-size region of such a
 * buffer at a byte offset, so a caller can keep thousands of them back to back (the window
 * engine stores one per key, field and bucket) and serialise them by copying bytes.
 * Multi-byte values use the platform's byte order (little-endian on every Node target we run).
 */
export interface Mem {
  readonly buffer: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
}

/** Views over `buffer`, whose length must be a multiple of 8. */
export function memOf(buffer: ArrayBuffer): Mem {
  if (buffer.byteLength % 8 !== 0)
    throw new RangeError(`buffer length ${buffer.byteLength} is not a multiple of 8`);
  return {
    buffer,
    u8: new Uint8Array(buffer),
    u16: new Uint16Array(buffer),
    u32: new Uint32Array(buffer),
    i32: new Int32Array(buffer),
    f64: new Float64Array(buffer),
  };
}

/** A zeroed buffer of at least `bytes` bytes (rounded up to a multiple of 8). */
export function allocMem(bytes: number): Mem {
  return memOf(new ArrayBuffer(align(bytes, 8)));
}

export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** True when typed arrays store the low byte first; serialised regions assume it. */
export const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
