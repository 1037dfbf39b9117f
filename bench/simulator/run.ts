// Simulator throughput on one core: events/s generating a scenario with 100k benign accounts,
// (a) generation only, (b) written to an Avro object container file. See README.md here.
//   node --import tsx bench/simulator/run.ts [--duration 2h] [--accounts 100000]

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildScenario, loadAzureTrace, ocfSink, type RequestSink, simulate } from "@distillguard/simulator";
import { benchArgs } from "../scenario.ts";

const { values, options } = benchArgs(
  { duration: "2h", accounts: "100000", scenario: "all" },
  { repeats: { type: "string", default: "3" } },
);
const calibration = loadAzureTrace(process.env.DG_SIM_TRACE);
const dir = mkdtempSync(join(tmpdir(), "dg-sim-bench-"));

// Building the world (100k accounts and their sources) is a fixed cost per run; reported apart
// so the steady-state rate of a long replay is visible too.
const tb = performance.now();
buildScenario(options, calibration);
const buildSeconds = (performance.now() - tb) / 1000;

async function measure(name: string, sinks: () => RequestSink[]) {
  const rates: number[] = [];
  const steady: number[] = [];
  let events = 0;
  for (let i = 0; i < Number(values.repeats); i++) {
    const t0 = performance.now();
    const run = await simulate(options, calibration, sinks(), { mode: "fingerprint" });
    const s = (performance.now() - t0) / 1000;
    events = run.events;
    rates.push(run.events / s);
    steady.push(run.events / Math.max(1e-3, s - buildSeconds));
  }
  const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1] ?? 0;
  const fmt = (n: number) => Math.round(n).toLocaleString("en");
  const median = med(rates);
  console.log(
    `${name.padEnd(28)} ${events} events  ${fmt(median)} ev/s (min ${fmt(rates[0] ?? 0)}, max ${fmt(rates[rates.length - 1] ?? 0)}); steady state ${fmt(med(steady))} ev/s`,
  );
  return median;
}

console.log(
  `scenario ${options.scenario}, ${values.accounts} benign accounts, ${values.duration} of event time, ${values.repeats} runs each; node ${process.version}; world build ${buildSeconds.toFixed(2)} s`,
);
const gen = await measure("generate only", () => []);
const path = join(dir, "events.avro");
const baseline = await measure("+ Avro file, avsc encoder", () => [ocfSink(path, 7, "avsc")]);
const file = await measure("+ Avro file, specialised", () => [ocfSink(path, 7)]);
console.log(
  `file ${(statSync(path).size / 1e6).toFixed(1)} MB; specialised/avsc = ${(file / baseline).toFixed(2)}x; writing costs ${((1 - file / gen) * 100).toFixed(0)}% of generation-only throughput`,
);
rmSync(dir, { recursive: true, force: true });
