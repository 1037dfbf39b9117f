import { describe, expect, it } from "vitest";
import { hash53, hex, ipv4Prefix24, networkPrefix, prefix24String } from "./keys.ts";

describe("keys", () => {
  it("prefixes IPv4 to /24 and IPv6 to /64", () => {
    expect(networkPrefix("203.0.113.45")).toBe("203.0.113.0/24");
    expect(networkPrefix("2001:db8:85a3::8a2e:370:7334")).toBe("2001:db8:85a3:0::/64");
    expect(networkPrefix("2001:0db8:0000:0001:0000:0000:0000:0001")).toBe("2001:db8:0:1::/64");
  });

  it("parses IPv4 /24 prefixes without allocating, and rejects anything else", () => {
    expect(ipv4Prefix24("203.0.113.45")).toBe(203 * 65536 + 0 * 256 + 113);
    expect(prefix24String(ipv4Prefix24("203.0.113.45"))).toBe("203.0.113.0/24");
    for (const bad of ["2001:db8::1", "1.2.3", "256.1.1.1", "a.b.c.d", "", "1..2.3"])
      expect(ipv4Prefix24(bad), bad).toBe(-1);
  });

  it("keys 64-bit hashes by 53 bits and prints them as hex", () => {
    const h = Buffer.from("00ff10a2b3c4d5e6", "hex");
    expect(hex(h)).toBe("00ff10a2b3c4d5e6");
    expect(hash53(h)).toBe((0x00ff10a2 & 0x1fffff) * 2 ** 32 + 0xb3c4d5e6);
    expect(hash53(Buffer.from("ffffffffffffffff", "hex"))).toBe(2 ** 53 - 1);
  });
});
