import { describe, expect, it } from "vitest";
import { packObservations, unpackObservations } from "./links.ts";

describe("packed link observations", () => {
  it("round-trips offsets and bytes in order, including empty values and 64-bit offsets", () => {
    const items = [
      { offset: "0", value: Buffer.from([1, 2, 3]) },
      { offset: "9007199254740993", value: Buffer.alloc(0) },
      { offset: "42", value: Buffer.from("x".repeat(1000)) },
    ];
    const back = unpackObservations(packObservations(items));
    expect(back.map((o) => o.offset.toString())).toEqual(["0", "9007199254740993", "42"]);
    expect(back.map((o) => o.value.toString("hex"))).toEqual(items.map((o) => o.value.toString("hex")));
  });

  it("rejects foreign and truncated records with a reason", () => {
    expect(() => unpackObservations(Buffer.from("{}"))).toThrow(/not a packed link record/);
    const packed = packObservations([{ offset: "7", value: Buffer.from([1, 2, 3, 4]) }]);
    expect(() => unpackObservations(packed.subarray(0, packed.length - 1))).toThrow(/truncated/);
    expect(() => unpackObservations(Buffer.from([0x4c, 9]))).toThrow(/version 9/);
  });
});
