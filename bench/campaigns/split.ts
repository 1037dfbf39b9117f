// The linker split by account (packages/campaigns SplitLinker): what each stage costs on one
// core, from one recorded stream, in one process. The account stages run on their own cores
// and the link stage on one, so a split deployment keeps up with events ÷ the slowest of them.
//   node --expose-gc --import tsx bench/campaigns/split.ts [--duration 2h] [--accounts 60000] [--plot docs/benchmarks/linker-split.svg]

import { writeFileSync } from "node:fs";
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
import { renderSvg, type TopLevelSpec } from "@distillguard/plots";
import { loadAzureTrace, simulate } from "@distillguard/simulator";
import { benchArgs } from "../scenario.ts";

const { values, options } = benchArgs(
  { duration: "2h", accounts: "60000", scenario: "all" },
  { plot: { type: "string", default: "" } },
);
const plotted: { members: number; what: string; rate: number }[] = [];
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
const evaluations = Math.ceil(options.durationMs / everyMs);
/**
 * Live traffic: an evaluation every 5 min of wall time, so a stage that applies an event in
 * `perEvent` s and evaluates in `perEvaluation` s keeps up with (1 − perEvaluation/300) / perEvent
 * events/s. The replay runs 2 h of event time in seconds, where evaluations weigh far more.
 */
const live = (perEvent: number, perEvaluation: number) => (1 - perEvaluation / 300) / perEvent;
const oneLive = live((one - oneEvaluate) / n, oneEvaluate / evaluations);
const us = (seconds: number) => ((seconds * 1e6) / n).toFixed(3);
const ms = (seconds: number) => ((seconds * 1e3) / evaluations).toFixed(0);
console.log(
  `one linker: observe ${us(one - oneEvaluate)} µs/event, ${ms(oneEvaluate)} ms per evaluation; replayed ${fmt(n / one)} events/s; live ${fmt(oneLive)} events/s`,
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
    const link = new CampaignLinker(defaultLinkerConfig);
    let evaluating = 0;
    const t0 = performance.now();
    for (const b of batches) {
      if (typeof b === "number") {
        const t1 = performance.now();
        link.evaluate(b);
        evaluating += performance.now() - t1;
      } else applyLinkRecords(b, link);
    }
    evaluateSeconds = evaluating / 1000;
    return (performance.now() - t0) / 1000;
  });
  const slowest = Math.max(...memberSeconds, linkSeconds);
  // A member sees its share of the events and evaluates nothing: it keeps up with n / its seconds.
  const memberLive = Math.min(...memberSeconds.map((s) => n / s));
  const linkLive = live((linkSeconds - evaluateSeconds) / n, evaluateSeconds / evaluations);
  const splitLive = Math.min(memberLive, linkLive);
  plotted.push(
    { members, what: "account stages (each on its own core)", rate: memberLive },
    { members, what: "link stage (one core)", rate: linkLive },
    { members, what: "split linker: the slower of the two", rate: splitLive },
    { members, what: "one linker", rate: oneLive },
  );
  console.log(
    `${members} member(s): account stages ${memberSeconds.map(us).join(" / ")} µs per event of the stream; link stage apply ${us(linkSeconds - evaluateSeconds)} µs/event, ${ms(evaluateSeconds)} ms per evaluation; replayed ${fmt(n / slowest)} events/s (${(one / slowest).toFixed(2)}x); live ${fmt(splitLive)} events/s, ${(splitLive / oneLive).toFixed(2)}x one linker (account stages alone ${fmt(memberLive)}, link stage alone ${fmt(linkLive)}); link records ${(touchBytes / n).toFixed(1)} B/event + totals ${(totalsBytes / n).toFixed(1)} B/event`,
  );
}

if (values.plot) {
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Live link events/s a linker keeps up with, split by account (scenario ${options.scenario}, ${fmt(n)} events)`,
    width: 420,
    height: 260,
    data: { values: plotted },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "members", type: "ordinal", title: "account-stage members", axis: { labelAngle: 0 } },
      y: { field: "rate", type: "quantitative", title: "events/s (live, one core per process)" },
      color: {
        field: "what",
        type: "nominal",
        title: null,
        legend: { orient: "bottom", columns: 2, labelLimit: 300 },
      },
    },
  };
  writeFileSync(
    values.plot,
    await renderSvg(spec, "Link events per second a split linker keeps up with, by members"),
  );
  console.log(`wrote ${values.plot}`);
}
