import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One statement for chDB; `name` comes back with its result. No FORMAT clause: rows come as JSONEachRow. */
export interface ChdbStatement {
  name: string;
  sql: string;
}

export interface ChdbResult {
  name: string;
  ok: boolean;
  /** Result rows as objects; [] for statements without a result set; null when it failed. */
  rows: Record<string, unknown>[] | null;
  /** The engine's message when it failed. */
  error: string | null;
}

export interface ChdbRun {
  /** The embedded ClickHouse's version(), e.g. "26.9.2.1". */
  version: string;
  /** The database the statements ran in (fresh, Atomic, current). */
  database: string;
  results: ChdbResult[];
}

const python = fileURLToPath(new URL("../../.local/chdb-venv/bin/python", import.meta.url));
const harness = fileURLToPath(new URL("./harness.py", import.meta.url));

export class ChdbUnavailableError extends Error {
  override readonly name = "ChdbUnavailableError";
}

/**
 * Runs `statements` in order in one chDB session (a current ClickHouse engine in-process) on a
 * fresh temporary database, through test/chdb/harness.py. A failing statement is reported in
 * its result and the rest still run, so one run can prove many statements. TZ is UTC, as on the
 * local server, so date functions agree between the two.
 */
export async function runOnChdb(statements: readonly ChdbStatement[]): Promise<ChdbRun> {
  if (!existsSync(python)) {
    throw new ChdbUnavailableError(
      `chDB is not installed (${python} missing): run \`bash scripts/ensure-deps.sh --tests\` from the repository root`,
    );
  }
  const child = spawn(python, [harness], {
    env: { ...process.env, TZ: "UTC", PYTHONUNBUFFERED: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => stdout.push(b));
  child.stderr.on("data", (b: Buffer) => stderr.push(b));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  child.stdin.end(JSON.stringify({ statements }));
  const code = await exited;
  const err = Buffer.concat(stderr).toString("utf8").trim();
  if (code !== 0) {
    throw new Error(`chDB harness exited with ${code}${err ? `: ${err.slice(-2000)}` : ""}`);
  }
  const out = Buffer.concat(stdout).toString("utf8");
  try {
    return JSON.parse(out) as ChdbRun;
  } catch {
    throw new Error(`chDB harness printed no JSON result: ${out.slice(0, 500)} ${err.slice(-1000)}`);
  }
}

/** The result named `name`, or a failure naming what ran: tests read results by name. */
export function resultOf(run: ChdbRun, name: string): ChdbResult {
  const r = run.results.find((x) => x.name === name);
  if (!r)
    throw new Error(`no chDB result named '${name}' (have: ${run.results.map((x) => x.name).join(", ")})`);
  return r;
}
