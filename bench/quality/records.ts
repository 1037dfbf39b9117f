// A suite on real text is hours of work (the test split is ~40M requests), longer than a
// working session or a CI job. Each finished run is kept on disk, keyed by everything that
// decides its result, so `--resume` finishes a suite across processes without mixing runs
// of different code or options into one report.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { FeedOptions, RunRecord, SuiteEntry } from "./suite.ts";

const FORMAT = "distillguard-quality-run/1";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * sha256 over every non-test source file under `dirs` (relative to the repository), in path
 * order, with the lockfile: the code a run's result depends on. READMEs, tests and test
 * helpers (src/testing) do not change a result, so they do not change the hash.
 */
export function codeHash(dirs: readonly string[], base = root): string {
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && e.name !== "testing") walk(p);
      } else if (/\.(ts|mjs|json|avsc)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) {
        h.update(relative(base, p));
        h.update("\0");
        h.update(readFileSync(p));
      }
    }
  };
  for (const d of dirs) if (existsSync(join(base, d))) walk(join(base, d));
  const lock = join(base, "pnpm-lock.yaml");
  if (existsSync(lock)) h.update(readFileSync(lock));
  return h.digest("hex");
}

/** Every package and service (the detector, linker, ingest, simulator) and the bench itself. */
export function detectionCodeHash(): string {
  const dirs = ["bench/quality"];
  for (const group of ["packages", "services"]) {
    for (const name of readdirSync(join(root, group)).sort()) dirs.push(`${group}/${name}/src`);
  }
  dirs.push("packages/contract/schemas");
  return codeHash(dirs);
}

/** What decides one run's record: the code, the run, and every option that changes it. */
export interface RunIdentity {
  code: string;
  /** In process or through Kafka, and the evaluation cadence. */
  backend: string;
  split: string;
  evaluate_every: string;
  /** The suite entry less its seed list: adding a seed to a scenario keeps its other runs. */
  entry: Omit<SuiteEntry, "seeds">;
  seed: number;
  /** The trace by file name, so that two clones of the repository agree. */
  feed: Omit<FeedOptions, "enrich" | "cacheDir">;
}

export function runIdentity(
  code: string,
  backend: string,
  split: string,
  evaluateEvery: string,
  entry: SuiteEntry,
  seed: number,
  feed: Omit<FeedOptions, "enrich">,
): RunIdentity {
  const { seeds: _seeds, ...rest } = entry;
  const { cacheDir: _cache, ...options } = feed;
  return {
    code,
    backend,
    split,
    evaluate_every: evaluateEvery,
    entry: rest,
    seed,
    feed: { ...options, trace: options.trace === undefined ? undefined : basename(options.trace) },
  };
}

export function runKey(id: RunIdentity): string {
  return createHash("sha256").update(JSON.stringify(id)).digest("hex").slice(0, 32);
}

function runFile(dir: string, scenario: string, seed: number): string {
  return join(dir, `${scenario}-s${seed}.json`);
}

/**
 * The record kept for this run, or why there is none to reuse: absent, unreadable (a process
 * killed while writing leaves no file, see `keepRun`, but a hand-edited one might), or made
 * under another key (other code or options), which is never reused.
 */
export function keptRun(
  dir: string,
  id: RunIdentity,
): { record: RunRecord } | { missing: "absent" | "unreadable" | "other code or options" } {
  const file = runFile(dir, id.entry.scenario, id.seed);
  if (!existsSync(file)) return { missing: "absent" };
  let kept: { format?: unknown; key?: unknown; record?: RunRecord };
  try {
    kept = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return { missing: "unreadable" };
  }
  if (kept.format !== FORMAT || typeof kept.record !== "object" || kept.record === null) {
    return { missing: "unreadable" };
  }
  if (kept.key !== runKey(id)) return { missing: "other code or options" };
  return { record: kept.record };
}

/** Keeps a finished run; written whole under a temporary name first, so a kill leaves no half file. */
export function keepRun(dir: string, id: RunIdentity, record: RunRecord): void {
  mkdirSync(dir, { recursive: true });
  const file = runFile(dir, id.entry.scenario, id.seed);
  const body = { format: FORMAT, key: runKey(id), identity: id, record };
  writeFileSync(`${file}.partial`, `${JSON.stringify(body)}\n`);
  renameSync(`${file}.partial`, file);
}
