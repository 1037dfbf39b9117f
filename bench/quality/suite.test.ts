import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadNetworkTables, networkEnricher } from "@distillguard/ingest";
import { loadAzureTrace } from "@distillguard/simulator";
import { afterAll, describe, expect, it } from "vitest";
import { feeds } from "./gateway.ts";
import { precision, recall } from "./metrics.ts";
import { inProcessBackend } from "./runner.ts";
import { detectorMethods, type RunRecord, runOne, tinySuite } from "./suite.ts";

describe("the tiny suite end to end", () => {
  const backend = inProcessBackend({ evaluateEveryMs: 5 * 60_000 });
  const calibration = loadAzureTrace();
  const enrich = networkEnricher(loadNetworkTables());
  const cacheDir = mkdtempSync(join(tmpdir(), "dg-quality-cache-"));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
  const live: Record<string, RunRecord> = {};

  for (const entry of tinySuite.entries) {
    it(`scores every method and feed consistently on ${entry.scenario}`, async () => {
      const run = await runOne(entry, entry.seeds[0] ?? 1, tinySuite, backend, calibration, {
        feeds,
        enrich,
        cacheDir,
      });
      live[entry.scenario] = run;
      expect(Object.keys(run.methods).sort()).toEqual(
        [...detectorMethods(feeds).map((m) => m.key), ...tinySuite.limits.map((l) => l.key)].sort(),
      );
      // Every simulated request went through the ingest, and none was rejected.
      expect(run.gateway).toMatchObject({ translated: run.events, dead_letters: {}, cached: false });
      // Every form a gateway logs (::ffff:, ports, forwarded chains) back to the simulator's address.
      expect(run.gateway?.addresses).toMatchObject({ absent: 0, differs: 0 });
      expect(run.gateway?.addresses?.ipv6).toBeGreaterThan(0);
      for (const score of Object.values(run.methods)) {
        const benign = Object.values(score.benign).reduce((n, g) => n + g.accounts, 0);
        const positives = score.accounts.tp + score.accounts.fn;
        // Every active account is either a campaign account or benign, once.
        expect(benign + positives).toBe(run.active_accounts);
        expect(positives).toBe(score.campaigns.reduce((n, c) => n + c.active_accounts, 0));
        for (const x of [precision(score.accounts), recall(score.accounts)]) {
          if (x !== null) expect(x).toBeGreaterThanOrEqual(0);
          if (x !== null) expect(x).toBeLessThanOrEqual(1);
        }
      }
      const detector = run.methods.detector;
      const accountsOnly = run.methods.detector_no_linking;
      // Linking only adds flags: account alerts are common to both views.
      expect(detector?.accounts.tp).toBeGreaterThanOrEqual(accountsOnly?.accounts.tp ?? 0);
      const out = run.detector_output.gateway;
      expect(detector?.alerts).toBe((out?.account_alerts ?? -1) + (out?.campaign_alert_chains ?? -1));
    }, 60_000);
  }

  it("replays a cached translation to the same scores as translating", async () => {
    expect(readdirSync(cacheDir).filter((f) => f.endsWith(".frames"))).toHaveLength(tinySuite.entries.length);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith(".partial"))).toHaveLength(0);
    for (const entry of tinySuite.entries) {
      const again = await runOne(entry, entry.seeds[0] ?? 1, tinySuite, backend, calibration, {
        feeds,
        enrich,
        cacheDir,
      });
      const first = live[entry.scenario];
      expect(again.gateway?.cached).toBe(true);
      expect(again.gateway?.translated).toBe(first?.gateway?.translated);
      expect(again.methods).toEqual(first?.methods);
      expect(again.detector_output).toEqual(first?.detector_output);
    }
  }, 60_000);

  it("resumes a killed run's translation after its last complete record, to the same stream and scores", async () => {
    const entry = tinySuite.entries[0];
    if (!entry) throw new Error("the tiny suite has no entries");
    const frames = readdirSync(cacheDir).find(
      (f) => f.startsWith(`${entry.scenario}-s`) && f.endsWith(".frames"),
    );
    if (!frames) throw new Error(`no cache of ${entry.scenario}`);
    const path = join(cacheDir, frames);
    const whole = readFileSync(path);
    // A run killed mid-write: its temporary file ends partway through a record.
    renameSync(path, `${path}.partial`);
    truncateSync(`${path}.partial`, Math.floor(statSync(`${path}.partial`).size * 0.6));
    const resumed = await runOne(entry, entry.seeds[0] ?? 1, tinySuite, backend, calibration, {
      feeds,
      enrich,
      cacheDir,
    });
    const first = live[entry.scenario];
    expect(resumed.gateway?.cached).toBe(false);
    expect(resumed.gateway?.resumed).toBeGreaterThan(0);
    expect(resumed.gateway?.resumed).toBeLessThan(first?.gateway?.translated ?? 0);
    expect(resumed.gateway?.translated).toBe(first?.gateway?.translated);
    expect(resumed.methods).toEqual(first?.methods);
    expect(resumed.detector_output).toEqual(first?.detector_output);
    expect(readFileSync(path).equals(whole)).toBe(true);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith(".partial"))).toHaveLength(0);
  }, 60_000);

  it("resumes a run killed again while translating the rest of a resumed one", async () => {
    const entry = tinySuite.entries[1];
    if (!entry) throw new Error("the tiny suite has fewer than two entries");
    const frames = readdirSync(cacheDir).find(
      (f) => f.startsWith(`${entry.scenario}-s`) && f.endsWith(".frames"),
    );
    if (!frames) throw new Error(`no cache of ${entry.scenario}`);
    const path = join(cacheDir, frames);
    const whole = readFileSync(path);
    const ends: number[] = [];
    for (let at = 0; at < whole.length; ) {
      at += 4 + (whole.readUInt32LE(at) & 0x7fff_ffff);
      ends.push(at);
    }
    const cut = (i: number) => ends[Math.floor(ends.length * i)] as number;
    // The first kill left 30% and part of a record; the second, the next 30% of the rest.
    writeFileSync(`${path}.partial`, whole.subarray(0, cut(0.3) + 3));
    writeFileSync(`${path}.more.partial`, whole.subarray(cut(0.3), cut(0.6) + 7));
    rmSync(path);
    const resumed = await runOne(entry, entry.seeds[0] ?? 1, tinySuite, backend, calibration, {
      feeds,
      enrich,
      cacheDir,
    });
    const first = live[entry.scenario];
    expect(resumed.gateway?.resumed).toBe(Math.floor(ends.length * 0.6) + 1);
    expect(resumed.gateway?.translated).toBe(first?.gateway?.translated);
    expect(resumed.methods).toEqual(first?.methods);
    expect(readFileSync(path).equals(whole)).toBe(true);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith(".partial") || f.endsWith(".more"))).toHaveLength(
      0,
    );
  }, 60_000);
});
