import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fnv1a64, hammingDistance, hash64, hash64FromHex, hash64Hex } from "./hash.ts";

// Wire contract: these values are persisted by other services. Never edit a row; a changed
// algorithm needs a new field name.
const VECTORS: readonly [input: string, fnv1a64: string, hash64: string][] = [
  ["", "cbf29ce484222325", "efd01f60ba992926"],
  ["a", "af63dc4c8601ec8c", "82a2a958a9bece5b"],
  ["foobar", "85944171f73967e8", "2c22194922d1672b"],
  ["hello world", "779a65e7023cd2e7", "7c6d8c019b6ee5d5"],
  ["你好", "3d262481d7d5eaa3", "e3e6f99206c9003c"],
  ["😀", "feff073875020288", "da89b0991f06f386"],
  ["naïve café", "459a9306a3b06b55", "1a8071e8d684cd3c"],
  ["\ud800", "6f6d661b9658624a", "cf0b301fe2a776cd"], // lone surrogate hashes as U+FFFD
];

// Whole code points (astral too) and single UTF-16 units, which make lone surrogates.
const anyCodeUnitOrPoint = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
);

const MASK64 = (1n << 64n) - 1n;

/** The specification, written the slow obvious way. */
function referenceHash64(s: string): { fnv: string; mixed: string } {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(s)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & MASK64;
  }
  const fnv = h;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & MASK64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & MASK64;
  h ^= h >> 33n;
  const hex = (v: bigint) => v.toString(16).padStart(16, "0");
  return { fnv: hex(fnv), mixed: hex(h) };
}

describe("hash64", () => {
  it.each(VECTORS)("pins %j", (input, fnv, mixed) => {
    expect(hash64Hex(fnv1a64(input))).toBe(fnv);
    expect(hash64Hex(hash64(input))).toBe(mixed);
  });

  it("agrees with the published FNV-1a 64 vectors and a BigInt reference", () => {
    for (const [input] of VECTORS) expect(referenceHash64(input).mixed).toBe(hash64Hex(hash64(input)));
    fc.assert(
      fc.property(fc.string({ unit: anyCodeUnitOrPoint, maxLength: 40 }), (s) => {
        const ref = referenceHash64(s);
        expect(hash64Hex(fnv1a64(s))).toBe(ref.fnv);
        expect(hash64Hex(hash64(s))).toBe(ref.mixed);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it("returns 8 fresh bytes each call", () => {
    const a = hash64("x");
    const b = hash64("x");
    expect(a).toHaveLength(8);
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
  });
});

describe("hash64Hex / hash64FromHex", () => {
  it("prints 16 lowercase hex digits, most significant byte first", () => {
    expect(hash64Hex(Uint8Array.of(0, 1, 0xab, 0xcd, 0xef, 0x10, 0x7f, 0xff))).toBe("0001abcdef107fff");
  });

  it("round-trips", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        expect(hash64FromHex(hash64Hex(bytes))).toEqual(bytes);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it("rejects anything but 8 bytes / 16 lowercase hex digits", () => {
    expect(() => hash64Hex(new Uint8Array(7))).toThrow(RangeError);
    expect(() => hash64FromHex("ABCDEF0123456789")).toThrow(RangeError);
    expect(() => hash64FromHex("abc")).toThrow(RangeError);
  });
});

describe("hammingDistance", () => {
  const zero = new Uint8Array(8);
  const ones = new Uint8Array(8).fill(0xff);

  it("counts differing bits", () => {
    expect(hammingDistance(zero, zero)).toBe(0);
    expect(hammingDistance(zero, ones)).toBe(64);
    expect(hammingDistance(zero, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0x80))).toBe(2);
  });

  it("is a metric", () => {
    const h = fc.uint8Array({ minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(h, h, h, (a, b, c) => {
        expect(hammingDistance(a, b)).toBe(hammingDistance(b, a));
        expect(hammingDistance(a, a)).toBe(0);
        expect(hammingDistance(a, c)).toBeLessThanOrEqual(hammingDistance(a, b) + hammingDistance(b, c));
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it("rejects hashes that are not 8 bytes", () => {
    expect(() => hammingDistance(zero, new Uint8Array(9))).toThrow(RangeError);
  });
});
