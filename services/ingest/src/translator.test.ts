import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiRequestCodec } from "@distillguard/contract";
import { litellmFixtures } from "@distillguard/litellm/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { type BatchTranslator, inlineTranslator, toRecordResult, workerTranslator } from "./translator.ts";

const fixtures = litellmFixtures();
const STALLING = new URL("./testing/stalling-translation.ts", import.meta.url);
const STALL_ONCE = new URL("./testing/stall-once-translation.ts", import.meta.url);

/** A fixture whose user prompt carries the line of 45 "#" from the outage. */
function outageRecord(): Buffer {
  const f = fixtures.find((x) => x.name === "chat-system");
  if (!f) throw new Error("fixture chat-system is missing");
  const p = JSON.parse(f.bytes.toString("utf8"));
  p.id = "outage-45-hashes";
  p.messages.push({ role: "user", content: `Why does my plot fail?\n${"#".repeat(45)}\nplot(x)` });
  return Buffer.from(JSON.stringify(p));
}

const batch = (): (Buffer | null)[] => [
  ...fixtures.map((f) => f.bytes),
  null,
  Buffer.from("{not json"),
  Buffer.from([0xc3, 0x28]),
];

describe("workerTranslator", () => {
  const open: BatchTranslator[] = [];
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
  });
  const make = (...args: Parameters<typeof workerTranslator>) => {
    const t = workerTranslator(...args);
    open.push(t);
    return t;
  };

  it("gives what the pure translation gives, in order, batch after batch", async () => {
    const t = make({ recordBudgetMs: 10_000 });
    const want = await inlineTranslator().translate(batch());
    expect(await t.translate(batch())).toEqual(want);
    expect(await t.translate(batch().reverse())).toEqual([...want].reverse());
    expect(await t.translate([])).toEqual([]);
  });

  it("fingerprints with the elicitation scorer it was given, in its worker", async () => {
    const f = fixtures.find((x) => x.name === "chat-system");
    if (!f) throw new Error("fixture chat-system is missing");
    const p = JSON.parse(f.bytes.toString("utf8"));
    p.messages.push({
      role: "user",
      content:
        "A farmer has 12 cows and buys 7 more. How many now?\n\nReconstruct the full deliberation that leads to the result, one inference per line, and only then state the result.",
    });
    const record = [Buffer.from(JSON.stringify(p))];
    const cot = (r: Awaited<ReturnType<BatchTranslator["translate"]>>[number]) => {
      if (!r.ok) throw new Error("not translated");
      return apiRequestCodec.decode(r.value).cot_elicitation;
    };
    const [plain] = await make({ recordBudgetMs: 10_000 }).translate(record);
    const [model] = await make({ recordBudgetMs: 10_000, mapping: { elicitation: "model" } }).translate(
      record,
    );
    expect(cot(plain as never)).toBe(0);
    // The worker used the model: a score the list cannot give, the same as the inline translation's.
    expect(cot(model as never)).toBeGreaterThan(0.3);
    expect(
      await inlineTranslator((v) => toRecordResult(v, undefined, { elicitation: "model" })).translate(record),
    ).toEqual([model]);
  });

  it("dead-letters a record that overruns its budget and translates the rest of the batch", async () => {
    const lost: number[] = [];
    const struck: number[] = [];
    const t = make({
      recordBudgetMs: 500,
      module: STALLING,
      onRecordLost: (e) => lost.push(e.index),
      onRecordStruck: (e) => struck.push(e.index),
    });
    const values = batch();
    values.splice(2, 0, outageRecord());
    values.push(outageRecord());
    const started = performance.now();
    const got = await t.translate(values);
    // Two stalls at about two budgets each (plus worker restarts), not a day each.
    expect(performance.now() - started).toBeLessThan(30_000);
    // Each is tried on a fresh worker before it is given up.
    expect(struck).toEqual([2, values.length - 1]);
    expect(lost).toEqual([2, values.length - 1]);
    for (const [i, r] of got.entries()) {
      if (i === 2 || i === values.length - 1) {
        expect(r).toEqual({
          ok: false,
          reason: {
            kind: "budget-exceeded",
            message: "translation took longer than its budget of 500 ms, twice",
          },
        });
      } else {
        expect(r).toEqual(toRecordResult(values[i] ?? null));
      }
    }
    // The replacement worker keeps serving.
    expect(await t.translate([fixtures[0]?.bytes ?? null])).toEqual([
      toRecordResult(fixtures[0]?.bytes ?? null),
    ]);
  }, 60_000);

  it("tries a record that overran once on a fresh worker, and keeps it when it goes through", async () => {
    // The first worker stalls on whatever it meets first, as when the host stops the process.
    const dir = mkdtempSync(join(tmpdir(), "dg-stall-once-"));
    const module = new URL(STALL_ONCE);
    module.searchParams.set("marker", join(dir, "stalled"));
    try {
      const lost: number[] = [];
      const struck: number[] = [];
      const t = make({
        recordBudgetMs: 500,
        module,
        onRecordLost: (e) => lost.push(e.index),
        onRecordStruck: (e) => struck.push(e.index),
      });
      const values = batch();
      expect(await t.translate(values)).toEqual(values.map((v) => toRecordResult(v)));
      expect(struck).toEqual([0]);
      expect(lost).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("gives up a batch at once when closed, so a shutdown never waits for a stalled record", async () => {
    const t = make({ recordBudgetMs: 3_600_000, module: STALLING });
    const pending = t.translate([outageRecord()]);
    await new Promise((r) => setTimeout(r, 1_000));
    const rejected = expect(pending).rejects.toThrow("closed while a batch was in flight");
    const started = performance.now();
    await t.close();
    await rejected;
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect(t.translate([null])).rejects.toThrow("closed");
  }, 30_000);

  it("fails the batch, not a record, when the worker cannot load its module", async () => {
    const t = make({ recordBudgetMs: 1_000, module: new URL("./no-such-module.ts", import.meta.url) });
    await expect(t.translate([fixtures[0]?.bytes ?? null])).rejects.toThrow(/no-such-module/);
  });
});
