import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalAddress,
  formatAddress,
  formatPrefix48,
  formatPrefix64,
  formatV6,
  parseAddress,
} from "./address.ts";

describe("parseAddress", () => {
  it.each([
    ["1.2.3.4", "1.2.3.4"],
    [" 203.0.113.9 ", "203.0.113.9"],
    ["203.0.113.9:51234", "203.0.113.9"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["::FFFF:cb00:7109", "203.0.113.9"],
    ["[::ffff:203.0.113.9]:443", "203.0.113.9"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["[2001:db8::1]", "2001:db8:0:0::/64"],
    ["[2001:db8:a:b::1]:8080", "2001:db8:a:b::/64"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["64:ff9b::192.0.2.33", "64:ff9b:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["1:2:3:4:5:6:7::", "1:2:3:4::/64"],
  ])("%j → %s", (text, want) => {
    const a = parseAddress(text);
    expect(a && formatAddress(a)).toBe(want);
  });

  it.each([
    "",
    "unknown",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.4:",
    "1.2.3.4:99999999",
    "[2001:db8::1",
    "[2001:db8::1]x",
    "2001:db8:::1",
    "2001:db8::1::2",
    "1:2:3:4:5:6:7:8:9",
    "12345::1",
    "g::1",
    "::ffff:1.2.3",
    "1.2.3.4, 10.0.0.1",
    "x".repeat(100),
  ])("%j → null", (text) => {
    expect(parseAddress(text)).toBeNull();
  });

  it("reads back every IPv4 address it formats", () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const a = parseAddress(ip);
        expect(a && formatAddress(a)).toBe(ip);
      }),
      { seed: 3, numRuns: 2_000 },
    );
  });

  it("agrees with Node's URL parser on the /64 of any IPv6 address", () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        // WHATWG URL canonicalises IPv6 hosts; its first four groups are the /64.
        const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
        const a = parseAddress(ip);
        if (a?.family === 4) {
          expect(host.startsWith("::ffff:")).toBe(true);
          return;
        }
        const full = host.includes("::")
          ? (() => {
              const [l = "", r = ""] = host.split("::");
              const left = l ? l.split(":") : [];
              const right = r ? r.split(":") : [];
              return [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
            })()
          : host.split(":");
        expect(a && formatAddress(a)).toBe(
          `${full
            .slice(0, 4)
            .map((g) => Number.parseInt(g, 16).toString(16))
            .join(":")}::/64`,
        );
      }),
      { seed: 4, numRuns: 2_000 },
    );
  });
});

describe("canonicalAddress", () => {
  it.each([
    ["1.2.3.4", "1.2.3.4"],
    [" 1.2.3.4\t", "1.2.3.4"],
    ["1.2.3.4:5678", "1.2.3.4"],
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["::FFFF:0102:0304", "1.2.3.4"],
    ["[::ffff:1.2.3.4]:443", "1.2.3.4"],
    ["2001:db8::1", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"],
    ["2001:0:1:2:3:4:5:6", "2001:0:1:2:3:4:5:6"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ["::", "::"],
    ["::1", "::1"],
  ])("%j → %s", (text, want) => {
    expect(canonicalAddress(text)).toBe(want);
  });

  it.each(["", "unknown", "1.2.3.4, 10.0.0.1", "[2001:db8::1", "01.2.3.4", "::ffff:1.2.3", "2001:db8::1::2"])(
    "%j → absent",
    (text) => {
      expect(canonicalAddress(text)).toBe("");
    },
  );

  it("prints every IPv6 address as Node's URL parser canonicalises it (RFC 5952)", () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
        if (host.startsWith("::ffff:") && parseAddress(ip)?.family === 4) return;
        expect(canonicalAddress(ip)).toBe(host);
        // Idempotent: the canonical form reads back as itself.
        expect(canonicalAddress(host)).toBe(host);
      }),
      { seed: 5, numRuns: 2_000 },
    );
  });

  it("formats /48 and /64 prefixes of the upper 64 bits", () => {
    const a = parseAddress("2001:db8:7:1:aaaa::1");
    if (a?.family !== 6) throw new Error("not IPv6");
    expect(formatPrefix48(a.hi, a.lo)).toBe("2001:db8:7::/48");
    expect(formatPrefix64(a.hi, a.lo)).toBe("2001:db8:7:1::/64");
    expect(formatV6(0, 0, 0, 1)).toBe("::1");
  });
});
