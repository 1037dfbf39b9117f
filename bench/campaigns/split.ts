// The linker split by account (packages/campaigns SplitLinker): what each stage costs on one
// core, from one recorded stream, in one process. The account stages run on their own cores
// and the link stage on one, so a split deployment keeps up with events ÷ the slowest of them.
//   node --expose-gc --import tsx bench/campaigns/split.ts [--duration 2h] [--accounts 60000]

import {
  AccountStage,
  applyLinkRecords,
  CampaignLinker,
  defaultLinkerConfig,
  type LinkEvent,
  LinkRecordWriter,
  laneOf,
  AccountTable as Table,
} from "@distillguard/campaigns";
import { loadAzureTrace, simulate } from "@distillguard/simulator";
import { benchArgs } from "../scenario.ts";

const { values, options } = benchArgs({ duration: "2h", accounts: "60000", scenario: "all" }, {});
const everyMs = 5 * 60_000;
const fmt = (n: number) => Math.round(n).toLocaleString("en");
const strings = new Map<string, string>();
const intern = (s: string) => {
  const known = strings.get(s);
  if (known !== undefined) return known;
  strings.set(s, s);
  return s;
};
const recorded: LinkEvent[] = [];
await simulate(options, loadAzureTrace(process.env.DG_SIM_TRACE), [
  {
    write(d) {
      const r = d.record;
      recorded.push({
        ...r,
        account_id: intern(r.account_id),
        client_address: intern(r.client_address),
        prompt_simhash: Buffer.from(r.prompt_simhash),
        prompt_template_hash: Buffer.from(r.prompt_template_hash),
        system_prompt_hash: r.system_prompt_hash ? Buffer.from(r.system_prompt_hash) : null,
      });
    },
    close() {},
  },
]);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const n = recorded.length;
const first = recorded[0]?.event_time_ms ?? 0;

/** Calls `each` per event and `tick` at every evaluation time passed, as the service does. */
function replay(events: LinkEvent[], each: (e: LinkEvent) => void, tick: (t: number) => void): void {
  let next = Math.ceil(first / everyMs) * everyMs;
  for (const e of events) {
    while (e.event_time_ms > next) {
      tick(next);
      next += everyMs;
    }
    each(e);
  }
  tick(next);
}

function median(runs: number, f: () => number): number {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    xs.push(f());
  }
  xs.sort((a, b) => a - b);
  return xs[xs.length >> 1] as number;
}

console.log(
  `scenario ${options.scenario}, ${values.accounts} ordinary accounts, ${values.duration}, ${fmt(n)} events, evaluate every 5 min; node ${process.version}; medians of 3`,
);
let oneEvaluate = 0;
const one = median(3, () => {
  const l = new CampaignLinker();
  let evaluating = 0;
  const t0 = performance.now();
  replay(
    recorded,
    (e) => l.observe(e),
    (t) => {
      const t1 = performance.now();
      l.evaluate(t);
      evaluating += performance.now() - t1;
    },
  );
  oneEvaluate = evaluating / 1000;
  return (performance.now() - t0) / 1000;
});
console.log(
  `one linker: ${((one * 1e6) / n).toFixed(3)} µs/event (of it evaluations ${((oneEvaluate * 1e6) / n).toFixed(3)}), ${fmt(n / one)} events/s`,
);

for (const members of [1, 2, 3]) {
  // Each member alone over its own accounts' events: its core's work (records written, not sent).
  const memberSeconds: number[] = [];
  for (let m = 0; m < members; m++) {
    const own = recorded.filter((e) => laneOf(e.account_id) % members === m);
    memberSeconds.push(
      median(3, () => {
        const w = new LinkRecordWriter();
        const stage = new AccountStage(defaultLinkerConfig, w, new Table(), true);
        const t0 = performance.now();
        replay(
          own,
          (e) => {
            stage.observe(e);
            if (w.records >= 4096) w.take();
          },
          (t) => {
            stage.drainChanged((a) => w.totals(a));
            w.take();
            stage.expire(t - defaultLinkerConfig.horizonMs);
          },
        );
        return (performance.now() - t0) / 1000;
      }),
    );
  }
  // The link stage: the members' records in event order (one writer stands for the links
  // topic's merge), recorded first, then read and evaluated alone.
  const batches: (Uint8Array | number)[] = [];
  let touchBytes = 0;
  let totalsBytes = 0;
  {
    const w = new LinkRecordWriter();
    const stages = Array.from(
      { length: members },
      () => new AccountStage(defaultLinkerConfig, w, new Table(), true),
    );
    replay(
      recorded,
      (e) => {
        (stages[laneOf(e.account_id) % members] as AccountStage).observe(e);
        if (w.records >= 4096) {
          const b = w.take().slice();
          touchBytes += b.length;
          batches.push(b);
        }
      },
      (t) => {
        const touches = w.take().slice();
        touchBytes += touches.length;
        batches.push(touches);
        for (const s of stages) s.drainChanged((a) => w.totals(a));
        const totals = w.take().slice();
        totalsBytes += totals.length;
        batches.push(totals, t);
        for (const s of stages) s.expire(t - defaultLinkerConfig.horizonMs);
      },
    );
  }
  let evaluateSeconds = 0;
  const linkSeconds = median(3, () => {
    const mirror = new Table();
    const link = new CampaignLinker(defaultLinkerConfig, mirror);
    let evaluating = 0;
    const t0 = performance.now();
    for (const b of batches) {
      if (typeof b === "number") {
        const t1 = performance.now();
        link.evaluate(b);
        evaluating += performance.now() - t1;
      } else applyLinkRecords(b, link, mirror);
    }
    evaluateSeconds = evaluating / 1000;
    return (performance.now() - t0) / 1000;
  });
  const slowest = Math.max(...memberSeconds, linkSeconds);
  console.log(
    `${members} member(s): account stages ${memberSeconds.map((s) => ((s * 1e6) / n).toFixed(3)).join(" / ")} µs per event of the stream; link stage ${((linkSeconds * 1e6) / n).toFixed(3)} µs/event (of it evaluations ${((evaluateSeconds * 1e6) / n).toFixed(3)}); keeps up with ${fmt(n / slowest)} events/s (${(one / slowest).toFixed(2)}x one linker); link records ${(touchBytes / n).toFixed(1)} B/event + totals ${(totalsBytes / n).toFixed(1)} B/event`,
  );
}
