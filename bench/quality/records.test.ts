import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { codeHash, keepRun, keptRun, runIdentity, runKey } from "./records.ts";
import type { RunRecord, SuiteEntry } from "./suite.ts";

const dir = mkdtempSync(join(tmpdir(), "dg-quality-runs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry: SuiteEntry = { scenario: "hydra", seeds: [101, 102], duration: "12h", accounts: 10_000 };
const feed = {
  feeds: ["gateway", "gateway_no_enrichment"] as const,
  enrichment: "tables",
  cacheDir: "/somewhere/cache",
  trace: "/clone-a/shared/data/trace.csv",
  text: "corpora" as const,
};
const id = (over: Partial<{ code: string; seed: number; feeds: string[]; trace: string }> = {}) =>
  runIdentity(over.code ?? "c1", "in process", "test", "5m", entry, over.seed ?? 101, {
    ...feed,
    feeds: (over.feeds ?? feed.feeds) as never,
    trace: over.trace ?? feed.trace,
  });
const record = { scenario: "hydra", seed: 101, events: 5, methods: {} } as unknown as RunRecord;

describe("kept runs", () => {
  it("gives back a kept run under the same identity", () => {
    keepRun(dir, id(), record);
    expect(keptRun(dir, id())).toEqual({ record });
  });

  it("never reuses a run made under other code, another seed's file, or other feeds", () => {
    keepRun(dir, id(), record);
    expect(keptRun(dir, id({ code: "c2" }))).toEqual({ missing: "other code or options" });
    expect(keptRun(dir, id({ feeds: ["gateway"] }))).toEqual({ missing: "other code or options" });
    expect(keptRun(dir, id({ seed: 102 }))).toEqual({ missing: "absent" });
  });

  it("keys on what decides the run, not on where the clone or cache is", () => {
    expect(runKey(id({ trace: "/clone-b/shared/data/trace.csv" }))).toBe(runKey(id()));
    expect(
      runKey(runIdentity("c1", "in process", "test", "5m", entry, 101, { ...feed, cacheDir: null })),
    ).toBe(runKey(id()));
    // Another seed list for the scenario keeps the runs of the seeds it still has.
    const more = { ...entry, seeds: [101, 102, 103] };
    expect(runKey(runIdentity("c1", "in process", "test", "5m", more, 101, feed))).toBe(runKey(id()));
    expect(
      runKey(runIdentity("c1", "in process", "test", "5m", { ...entry, duration: "6h" }, 101, feed)),
    ).not.toBe(runKey(id()));
    expect(runKey(runIdentity("c1", "through Kafka", "test", "5m", entry, 101, feed))).not.toBe(runKey(id()));
  });

  it("reports a damaged file as unreadable, not as a run", () => {
    writeFileSync(join(dir, "hydra-s103.json"), '{"format":"distillguard-quality-run/1","key":');
    expect(keptRun(dir, id({ seed: 103 }))).toEqual({ missing: "unreadable" });
    writeFileSync(join(dir, "hydra-s104.json"), '{"format":"something else","key":"x","record":{}}');
    expect(keptRun(dir, id({ seed: 104 }))).toEqual({ missing: "unreadable" });
  });
});

describe("codeHash", () => {
  const base = mkdtempSync(join(tmpdir(), "dg-code-"));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  mkdirSync(join(base, "pkg", "src"), { recursive: true });
  const write = (name: string, text: string) => writeFileSync(join(base, "pkg", "src", name), text);

  it("changes with a source file and not with tests, test helpers or docs", () => {
    write("a.ts", "export const a = 1;\n");
    const first = codeHash(["pkg/src"], base);
    write("a.test.ts", "test\n");
    write("NOTES.md", "notes\n");
    mkdirSync(join(base, "pkg", "src", "testing"), { recursive: true });
    write("testing/helper.ts", "export const h = 1;\n");
    expect(codeHash(["pkg/src"], base)).toBe(first);
    write("a.ts", "export const a = 2;\n");
    expect(codeHash(["pkg/src"], base)).not.toBe(first);
    write("a.ts", "export const a = 1;\n");
    write("b.json", "{}\n");
    expect(codeHash(["pkg/src"], base)).not.toBe(first);
  });
});
