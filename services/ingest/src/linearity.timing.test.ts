/*
 * Issue 12, item 2, for the whole per-record path: a record's translation (UTF-8 decode, JSON
 * parse, validation, mapping, fingerprints, status from error text, language guess, Avro) costs
 * time linear in the record, whatever its text. Adversarial text goes in as the user prompt, the
 * system prompt, a content part and the error string of a failure; ≤ 2.5x per doubling from
 * 256K to 2M characters (the stages themselves are tested unbounded in packages/fingerprint).
 */
import { ADVERSARIES, growthRatio } from "@distillguard/fingerprint/testing";
import { litellmFixtures } from "@distillguard/litellm/fixtures";
import { describe, expect, it } from "vitest";
import { translateRecord } from "./translate.ts";

const fixtures = litellmFixtures();
const base = (name: string) =>
  JSON.parse(fixtures.find((f) => f.name === name)?.bytes.toString("utf8") ?? "{}");

const PLACES: readonly [place: string, record: (text: string) => Buffer][] = [
  [
    "user prompt",
    (text) => {
      const p = base("chat-system");
      p.messages = [{ role: "user", content: text }];
      return Buffer.from(JSON.stringify(p));
    },
  ],
  [
    "system prompt and content part",
    (text) => {
      const p = base("chat-system");
      p.messages = [
        { role: "system", content: text },
        { role: "user", content: [{ type: "text", text }] },
      ];
      return Buffer.from(JSON.stringify(p));
    },
  ],
  [
    "error string of a failure",
    (text) => {
      const p = base("failure-429");
      p.error_str = text;
      p.error_information = { error_code: "", error_class: null };
      return Buffer.from(JSON.stringify(p));
    },
  ],
];

describe("translateRecord is linear in the record on adversarial text (≤ 2.5x per doubling)", () => {
  for (const [place, record] of PLACES) {
    it(`as the ${place}, 256K → 2M characters`, () => {
      const slow: string[] = [];
      for (const a of ADVERSARIES) {
        const ratio = growthRatio(translateRecord, (n) => record(a.make(n)), 262_144, 2);
        if (ratio > 2.5) slow.push(`${a.name}: ${ratio.toFixed(2)}x`);
      }
      expect(slow).toEqual([]);
    }, 120_000);
  }

  it("still maps such records", () => {
    for (const [place, record] of PLACES) {
      for (const a of ADVERSARIES)
        expect(translateRecord(record(a.make(100_000))).ok, `${place}: ${a.name}`).toBe(true);
    }
  });
});
