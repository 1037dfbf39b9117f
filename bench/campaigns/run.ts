// Campaign linker throughput on one core: simulator stream with 100k ordinary accounts, the
// simulator alone vs simulator + linker (observe every event, evaluate every 15 min of event
// time), in the same run. See README.md here.
//   node --import tsx bench/campaigns/run.ts [--duration 6h] [--accounts 100000]

import { CampaignLinker } from "@distillguard/campaigns";
import { loadAzureTrace, type RequestSink, simulate } from "@distillguard/simulator";
import { benchArgs } from "../scenario.ts";

const { values, options } = benchArgs({ duration: "6h", accounts: "100000", scenario: "all" }, {});
const calibration = loadAzureTrace(process.env.DG_SIM_TRACE);

async function time(sinks: () => RequestSink[]): Promise<{ seconds: number; events: number }> {
  const t0 = performance.now();
  const run = await simulate(options, calibration, sinks(), { mode: "fingerprint" });
  return { seconds: (performance.now() - t0) / 1000, events: run.events };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en");
const alone = await time(() => []);
let linker = new CampaignLinker();
let evalSeconds = 0;
let alerts = 0;
const withLinker = await time(() => {
  linker = new CampaignLinker();
  let next = options.startMs + 15 * 60_000;
  return [
    {
      write(d) {
        const r = d.record;
        while (r.event_time_ms >= next) {
          const t0 = performance.now();
          alerts += linker.evaluate(next).alerts.length;
          evalSeconds += (performance.now() - t0) / 1000;
          next += 15 * 60_000;
        }
        linker.observe(r);
      },
      close() {},
    },
  ];
});
const heapMb = process.memoryUsage().heapUsed / 1e6;
const linkerSeconds = withLinker.seconds - alone.seconds;
console.log(
  `scenario ${options.scenario}, ${values.accounts} ordinary accounts, ${values.duration} event time, ${alone.events} events; node ${process.version}`,
);
console.log(`simulator alone            ${fmt(alone.events / alone.seconds)} events/s`);
console.log(`simulator + linker         ${fmt(withLinker.events / withLinker.seconds)} events/s`);
console.log(
  `linker (difference)        ${fmt(alone.events / linkerSeconds)} events/s; of it evaluate ${evalSeconds.toFixed(2)} s over ${Math.floor(options.durationMs / 900_000)} evaluations`,
);
console.log(
  `linker state               ${linker.activeAccounts} active accounts, ${linker.trackedFingerprints} fingerprints; heap ${heapMb.toFixed(0)} MB after the run; ${alerts} alert records`,
);
