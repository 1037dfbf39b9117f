import { describe, expect, it } from "vitest";
import {
  hash53,
  hex,
  net,
  networkKey,
  networkName,
  networkPrefix,
  prefix24String,
  scanNetwork,
} from "./keys.ts";

describe("keys", () => {
  // One case per form a client address arrives in; the same client is the same network.
  it.each([
    ["203.0.113.45", "203.0.113.0/24"],
    ["203.0.113.45:5678", "203.0.113.0/24"],
    ["::ffff:203.0.113.45", "203.0.113.0/24"],
    ["[::ffff:203.0.113.45]:443", "203.0.113.0/24"],
    ["2001:db8::1", "2001:db8::/48"],
    ["[2001:db8::1]", "2001:db8::/48"],
    ["[2001:db8::1]:443", "2001:db8::/48"],
    ["2001:0DB8:0000:0001:0000:0000:0000:0001", "2001:db8::/48"],
    ["2001:db8:85a3:7::8a2e:370:7334", "2001:db8:85a3::/48"],
    ["fe80::1%eth0", "fe80::/48"],
    ["", ""],
    ["unknown", ""],
    ["1.2.3", ""],
    ["[2001:db8::1", ""],
    ["1.2.3.4, 10.0.0.1", ""],
  ])("%j is network %j", (ip, want) => {
    expect(networkPrefix(ip)).toBe(want);
    expect(Number.isNaN(networkKey(ip))).toBe(want === "");
  });

  it("keys IPv4 /24s as their number and IPv6 /48s as negative numbers, exactly", () => {
    expect(networkKey("203.0.113.45")).toBe(203 * 65536 + 0 * 256 + 113);
    expect(prefix24String(networkKey("203.0.113.45"))).toBe("203.0.113.0/24");
    expect(networkKey("::ffff:203.0.113.45")).toBe(networkKey("203.0.113.45"));
    expect(networkKey("2001:db8:7::1")).toBe(-1 - (0x20010db8 * 65536 + 7));
    expect(networkKey("ffff:ffff:ffff::1")).toBe(-(2 ** 48));
    expect(networkName(networkKey("ffff:ffff:ffff:ffff::1"))).toBe("ffff:ffff:ffff::/48");
    // Distinct dual-stack clients are distinct networks: ::ffff: is no shared "0:0:0:0" prefix.
    expect(networkKey("::ffff:198.51.100.1")).not.toBe(networkKey("::ffff:203.0.113.1"));
  });

  it("puts privacy addresses of one /64 in one /64 and /48; another /64 of the /48 apart only at /64", () => {
    const of = (ip: string) => (scanNetwork(ip) === 6 ? { p48: net.p48, h64: net.h64 } : null);
    const a = of("2001:db8:7:1:a:b:c:d");
    const b = of("2001:db8:7:1:ffff:1:2:3");
    const c = of("2001:db8:7:2::1");
    expect(b).toEqual(a);
    expect(c?.p48).toBe(a?.p48);
    expect(c?.h64).not.toBe(a?.h64);
    expect(a?.h64).toBeLessThan(2 ** 48);
  });

  it("answers for the address asked, not the one before", () => {
    expect(scanNetwork("198.51.100.7")).toBe(4);
    expect(net.p24).toBe(198 * 65536 + 51 * 256 + 100);
    expect(scanNetwork("2001:db8::1")).toBe(6);
    expect(scanNetwork("garbage")).toBe(0);
    expect(scanNetwork("198.51.100.7")).toBe(4);
    expect(net.p24).toBe(198 * 65536 + 51 * 256 + 100);
  });

  it("keys 64-bit hashes by 53 bits and prints them as hex", () => {
    const h = Buffer.from("00ff10a2b3c4d5e6", "hex");
    expect(hex(h)).toBe("00ff10a2b3c4d5e6");
    expect(hash53(h)).toBe((0x00ff10a2 & 0x1fffff) * 2 ** 32 + 0xb3c4d5e6);
    expect(hash53(Buffer.from("ffffffffffffffff", "hex"))).toBe(2 ** 53 - 1);
  });
});
