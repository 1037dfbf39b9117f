// Where the update path's time goes: each part of Detector.observe alone over the same recorded
// stream (no evaluate). Used to pick the next optimisation; figures in docs/benchmarks.md.
//   node --expose-gc --import tsx bench/detector/parts.ts [--duration 2h] [--accounts 125000] [--part NAME]

import { CampaignLinker, QuestionTable, scanNetwork } from "@distillguard/campaigns";
import type { ApiRequest } from "@distillguard/contract";
import {
  AccountFeatures,
  Detector,
  defaultDetectorConfig,
  EntityFeatures,
  HarvestStreams,
  networkEntityKinds,
} from "@distillguard/detector";
import { loadAzureTrace, simulate } from "@distillguard/simulator";
import { benchArgs } from "../scenario.ts";

// --part NAME (a substring) runs only the matching parts, e.g. under --cpu-prof.
const { values, options } = benchArgs(
  { duration: "2h", accounts: "125000", scenario: "all" },
  { part: { type: "string", default: "" } },
);
const fmt = (n: number) => Math.round(n).toLocaleString("en");
const strings = new Map<string, string>();
const intern = (s: string) => {
  const known = strings.get(s);
  if (known !== undefined) return known;
  strings.set(s, s);
  return s;
};
const recorded: ApiRequest[] = [];
await simulate(options, loadAzureTrace(process.env.DG_SIM_TRACE), [
  {
    write(d) {
      const r = d.record;
      recorded.push({
        ...r,
        account_id: intern(r.account_id),
        client_address: intern(r.client_address),
        request_model: intern(r.request_model),
        prompt_simhash: Buffer.from(r.prompt_simhash),
        prompt_template_hash: Buffer.from(r.prompt_template_hash),
        system_prompt_hash: r.system_prompt_hash ? Buffer.from(r.system_prompt_hash) : null,
      });
    },
    close() {},
  },
]);
const copyText = (s: string) => Buffer.from(s, "latin1").toString("latin1");
const fresh = (e: ApiRequest): ApiRequest => ({
  ...e,
  account_id: copyText(e.account_id),
  client_address: copyText(e.client_address),
  request_model: copyText(e.request_model),
  prompt_simhash: Buffer.from(e.prompt_simhash),
  prompt_template_hash: Buffer.from(e.prompt_template_hash),
});
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const parts: Record<string, () => (e: ApiRequest) => void> = {
  "loop only": () => () => {},
  // What reading the recorded events costs: each event's object, strings and buffers are cold
  // here (a million of them in memory), where a service reads a record it just decoded.
  "read the event (address scan, id, hashes)": () => {
    let sink = 0;
    return (e) => {
      sink += scanNetwork(e.client_address) + e.account_id.length + (e.prompt_simhash[0] ?? 0);
      sink += (e.prompt_template_hash[0] ?? 0) + e.usage_output_tokens + (sink & 1);
    };
  },
  "account windows": () => {
    const f = new AccountFeatures();
    return (e) => f.observe(e);
  },
  linker: () => {
    const l = new CampaignLinker();
    return (e) => l.observe(e);
  },
  // The simulator's fingerprint mode logs no question frames: stand in with the template hash
  // as the head (it repeats as wrappers do) and the simhash as the tail (a payload, nearly
  // always new), so every event costs two lookups and most tails one first-seen slot.
  "harvest streams (2 frame ends)": () => {
    const s = new HarvestStreams();
    return (e) =>
      s.observe(e.prompt_template_hash, e.prompt_simhash, e.cot_elicitation >= 0.5, e.event_time_ms);
  },
  // Part of the linker above: whether each prompt is a new question (breadth).
  "question table (linker part)": () => {
    const q = new QuestionTable(1 << 20);
    return (e) => q.novel(e.prompt_simhash, e.request_temperature);
  },
  "entity windows (network kinds, off by default)": () => {
    const x = new EntityFeatures(networkEntityKinds);
    return (e) => x.observe(e);
  },
  // As a service sees events: decoded just before, so the object and its strings are hot. The
  // copy stands in for decoding; "fresh copy only" is its cost, to subtract.
  "fresh copy only": () => {
    let sink = 0;
    return (e) => {
      sink += fresh(e).account_id.length + (sink & 1);
    };
  },
  "Detector.observe on a fresh copy": () => {
    const d = new Detector();
    return (e) => d.observe(fresh(e));
  },
  // The detector service's share: it runs no linker (services/linker does).
  "Detector.observe as the detector service (no linker)": () => {
    const d = new Detector({ ...defaultDetectorConfig, link: false });
    return (e) => d.observe(e);
  },
  "Detector.observe as the detector service, with network entity windows": () => {
    const d = new Detector({ ...defaultDetectorConfig, link: false, entities: networkEntityKinds });
    return (e) => d.observe(e);
  },
  "Detector.observe (all of it)": () => {
    const d = new Detector();
    return (e) => d.observe(e);
  },
};
console.log(`${fmt(recorded.length)} events; median of 3 runs per part`);
for (const [name, make] of Object.entries(parts)) {
  if (!name.includes(values.part)) continue;
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    const f = make();
    gc();
    const t0 = performance.now();
    for (const e of recorded) f(e);
    rates.push(recorded.length / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  const r = rates[1] as number;
  console.log(`${name.padEnd(70)} ${fmt(r).padStart(12)} events/s  ${(1e6 / r).toFixed(3)} µs/event`);
}
