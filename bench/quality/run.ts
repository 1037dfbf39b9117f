// Detection quality: a suite of simulator scenarios (several seeds each) through the detector,
// joined with ground truth, next to per-account rate limits and the detector without campaign
// linking. Writes JSON, Markdown and SVG plots. See README.md here.
//   npm run bench:quality -- --help

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { loadNetworkTables, networkEnricher } from "@distillguard/ingest";
import { connectionsFromEnv } from "@distillguard/runtime";
import {
  defaultTracePath,
  loadAzureTrace,
  type ProxyPool,
  parseDuration,
  proxyPools,
} from "@distillguard/simulator";
import { benignFprSpec, precisionRecallSpec, renderSvg, timeToDetectSpec } from "./charts.ts";
import { type Feed, feedMethods, feeds as knownFeeds } from "./gateway.ts";
import { evaluateTargets, summarizeBenignGroups, summarizeScenarios, targetLimits } from "./metrics.ts";
import { type RunTask, runPool } from "./pool.ts";
import { detectionCodeHash, keepRun, keptRun, runIdentity } from "./records.ts";
import { type Method, type RunGroup, reportMarkdown } from "./report.ts";
import { inProcessBackend, pipelineBackend } from "./runner.ts";
import { detectorMethods, type FeedOptions, type RunRecord, runOne, type Suite, suites } from "./suite.ts";

const USAGE = `npm run bench:quality [-- options]
  --suite default|tune|tiny      scenarios and seeds (default: the test seeds, never tuned on)
  --only hydra,heavy             scenarios of the suite to run
  --seeds 101,102                only these seeds of each scenario (a quick look at one change)
  --feeds gateway,gateway_no_enrichment,gateway_no_spend,oracle
  --text corpora|synthetic       prompt and answer text: the real corpora (default; bench/quality/README.md)
                                 or the simulator's synthetic word lists
  --elicitation keywords|model|either   the ingest's elicitation scorer
  --evaluate-every 5m            evaluation cadence in event time
  --threads N                    translation and detector workers (default: cores, at most 8)
  --cache DIR|none               translated gateway records (default reports/quality/cache)
  --out DIR                      JSON, Markdown and plots (default reports/quality)
  --docs                         also write docs/detection-quality.md between its markers
  --resume                       reuse the runs kept in OUT/runs/ under the same code and options
                                 (every finished run is kept there); run only the others
  --pipeline                     run the detector through Kafka instead of in process
  --proxy-pool ipv4|ipv6|dual    the hydra's proxy pool address family
  --warmup 6h                    ordinary traffic before campaigns start (a detector already
                                 running, as in production); default none (cold start)
`;
const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const { values } = parseArgs({
  args: argv,
  options: {
    suite: { type: "string", default: "default" },
    only: { type: "string" },
    seeds: { type: "string" },
    "evaluate-every": { type: "string" },
    out: { type: "string", default: "reports/quality" },
    docs: { type: "boolean", default: false },
    resume: { type: "boolean", default: false },
    pipeline: { type: "boolean", default: false },
    feeds: { type: "string", default: knownFeeds.join(",") },
    threads: { type: "string", default: String(Math.min(availableParallelism(), 8)) },
    cache: { type: "string", default: "reports/quality/cache" },
    text: { type: "string", default: "corpora" },
    elicitation: { type: "string", default: "keywords" },
    "proxy-pool": { type: "string", default: "ipv4" },
    warmup: { type: "string" },
  },
});
const fail = (message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(2);
};
const feedList = values.feeds.split(",").map((s) => s.trim()) as Feed[];
for (const f of feedList) {
  if (!knownFeeds.includes(f)) fail(`--feeds: '${f}' is unknown; known: ${knownFeeds.join(", ")}`);
}
if (values.text !== "synthetic" && values.text !== "corpora")
  fail(`--text must be synthetic or corpora, not '${values.text}'`);
if (!["keywords", "model", "either"].includes(values.elicitation))
  fail(`--elicitation must be keywords, model or either, not '${values.elicitation}'`);
const proxyPool = values["proxy-pool"] as ProxyPool;
if (!proxyPools.includes(proxyPool))
  fail(`--proxy-pool must be one of ${proxyPools.join(", ")}, not '${values["proxy-pool"]}'`);
if (values.warmup !== undefined) {
  try {
    parseDuration(values.warmup);
  } catch (e) {
    fail(`--warmup: ${(e as Error).message}`);
  }
}
const threads = Number(values.threads);
if (!Number.isInteger(threads) || threads < 1)
  fail(`--threads must be a positive integer, not '${values.threads}'`);

const base = suites[values.suite];
if (!base) {
  process.stderr.write(`--suite '${values.suite}' is unknown; known: ${Object.keys(suites).join(", ")}\n`);
  process.exit(2);
}
const only = values.only?.split(",").map((s) => s.trim());
const unknown = only?.filter((s) => !base.entries.some((e) => e.scenario === s)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(
    `--only: ${unknown.join(", ")} not in suite '${base.name}' (${base.entries.map((e) => e.scenario).join(", ")})\n`,
  );
  process.exit(2);
}
const suite: Suite = {
  ...base,
  evaluateEvery: values["evaluate-every"] ?? base.evaluateEvery,
  entries: (only ? base.entries.filter((e) => only.includes(e.scenario)) : base.entries).map((e) => ({
    ...e,
    ...(proxyPool === "ipv4" ? {} : { proxyPool }),
    ...(values.warmup ? { warmup: values.warmup } : {}),
  })),
};
const command = `npm run bench:quality${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
const backend = values.pipeline
  ? pipelineBackend({
      kafka: connectionsFromEnv().kafka,
      evaluateEveryMs: parseDuration(suite.evaluateEvery),
    })
  : inProcessBackend({ evaluateEveryMs: parseDuration(suite.evaluateEvery) });
const methods: Method[] = [
  ...detectorMethods(feedList),
  ...suite.limits.map((l) => ({ key: l.key, label: l.label })),
];
const headline = methods[0]?.key ?? "detector";

// ---- run the suite: live progress of the runs in flight, one line per finished run --------
const started = performance.now();
const trace = process.env.DG_SIM_TRACE;
const needsTables = feedList.includes("gateway");
const networks = needsTables ? loadNetworkTables() : null;
const feed: Omit<FeedOptions, "enrich"> = {
  feeds: feedList,
  enrichment: "@ip-location-db/asn + dbip-country (installed)",
  cacheDir: values.cache === "none" ? null : values.cache,
  trace: String(trace ?? defaultTracePath),
  text: values.text as "synthetic" | "corpora",
  elicitation: values.elicitation as "keywords" | "model" | "either",
};
// --seeds 101,102: a subset of each scenario's seeds (a quick look; the suite is the figure).
const seedFilter = values.seeds
  ? new Set(
      values.seeds.split(",").map((x) => {
        const n = Number(x.trim());
        if (!Number.isInteger(n)) fail(`--seeds: '${x}' is not a seed number`);
        return n;
      }),
    )
  : null;
const tasks: RunTask[] = suite.entries.flatMap((entry) =>
  entry.seeds
    .filter((seed) => seedFilter === null || seedFilter.has(seed))
    .map((seed) => ({
      id: 0,
      entry,
      seed,
      suite,
      evaluateEveryMs: parseDuration(suite.evaluateEvery),
      feed,
    })),
);
tasks.forEach((t, i) => {
  t.id = i;
});
const total = tasks.length;
const tty = process.stderr.isTTY === true;
const inFlight = new Map<number, string>();
let finished = 0;
const label = (t: RunTask) =>
  `${t.entry.scenario} seed ${t.seed} · ${t.entry.warmup ? `${t.entry.warmup} warm-up + ` : ""}${t.entry.duration} · ${t.entry.accounts.toLocaleString("en")} accounts`;
const showProgress = () => {
  if (tty) process.stderr.write(`\r${[...inFlight.values()].join(" | ")}\x1b[K`);
};
// Not a terminal (a log file, CI): a line per run each tenth of the way, so a long
// translation is not a silent quarter of an hour.
const lastTenth = new Map<number, number>();
const onProgress = (t: RunTask, p: { done: number; events: number }) => {
  inFlight.set(t.id, `${t.entry.scenario} s${t.seed} ${Math.round(p.done * 100)}%`);
  showProgress();
  const tenth = Math.floor(p.done * 10);
  if (!tty && tenth > (lastTenth.get(t.id) ?? 0) && tenth < 10) {
    lastTenth.set(t.id, tenth);
    process.stderr.write(
      `  ${label(t)}: ${tenth * 10}% (${p.events.toLocaleString("en")} events, ${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  }
};
const onDone = (t: RunTask, record: RunRecord, how = "") => {
  inFlight.delete(t.id);
  finished++;
  const d = record.methods[headline];
  const caught = d ? d.campaigns.filter((c) => c.detected).length : 0;
  // Time to detect from the campaign's start, per campaign: the figure a tuning run waits for.
  const ttd = d?.campaigns
    .map((c) =>
      c.ttd_from_start_ms === null ? "missed" : `${(c.ttd_from_start_ms / 60_000).toFixed(0)} min`,
    )
    .join("/");
  const campaigns = d && d.campaigns.length > 0 ? `campaigns ${caught}/${d.campaigns.length} (${ttd}), ` : "";
  const dead = record.gateway ? Object.values(record.gateway.dead_letters).reduce((a, b) => a + b, 0) : 0;
  const via =
    how === "kept"
      ? " · kept from an earlier process"
      : record.gateway
        ? record.gateway.cached
          ? " · cached translation"
          : " · translated"
        : "";
  process.stderr.write(
    `${tty ? "\r" : ""}[${String(finished).padStart(String(total).length)}/${total}] ${label(t)} · ${record.events.toLocaleString("en")} events${via}${dead > 0 ? ` · ${dead} to DLQ` : ""} · ${campaigns}${d?.accounts.fp ?? 0} benign flagged · ${(record.wall_ms / 1000).toFixed(1)} s (total ${((performance.now() - started) / 1000).toFixed(0)} s)${tty ? "\x1b[K" : ""}\n`,
  );
  showProgress();
};
process.stderr.write(
  `quality suite '${suite.name}': ${total} runs, ${backend.describe}; feeds ${feedList.join(", ")}; ${values.pipeline ? 1 : Math.min(threads, total)} thread(s); report to ${values.out}/\n`,
);
// Every finished run is kept under OUT/runs; --resume takes the ones kept under this code and
// these options instead of running them again.
const runsDir = join(values.out, "runs");
const code = detectionCodeHash();
const identity = (t: RunTask) =>
  runIdentity(code, backend.describe, suite.split, suite.evaluateEvery, t.entry, t.seed, feed);
const kept = new Map<number, RunRecord>();
if (values.resume) {
  for (const t of tasks) {
    const k = keptRun(runsDir, identity(t));
    if ("record" in k) kept.set(t.id, k.record);
    else if (k.missing !== "absent") {
      process.stderr.write(`  ${label(t)}: kept run not reused (${k.missing}); running it again\n`);
    }
  }
  process.stderr.write(`resuming: ${kept.size} of ${total} runs kept in ${runsDir}/\n`);
}
const keepAndReport = (t: RunTask, record: RunRecord) => {
  keepRun(runsDir, identity(t), record);
  onDone(t, record);
};
for (const t of tasks) {
  const record = kept.get(t.id);
  if (record) onDone(t, record, "kept");
}
const pending = tasks.filter((t) => !kept.has(t.id));
if (values.pipeline) {
  // The services run in this process against one broker: one run at a time.
  const calibration = loadAzureTrace(trace);
  const enrich = networks ? networkEnricher(networks) : undefined;
  for (const t of pending) {
    const record = await runOne(t.entry, t.seed, suite, backend, calibration, { ...feed, enrich }, (p) =>
      onProgress(t, p),
    );
    keepAndReport(t, record);
    kept.set(t.id, record);
  }
} else {
  const fresh = await runPool(pending, { threads, networks, trace, onProgress, onDone: keepAndReport });
  pending.forEach((t, i) => {
    const record = fresh[i];
    if (record) kept.set(t.id, record);
  });
}
const runs: RunRecord[] = tasks.map((t) => {
  const record = kept.get(t.id);
  if (!record) throw new Error(`${label(t)}: no record`);
  return record;
});
const groups: RunGroup[] = suite.entries.map((entry) => {
  const mine = runs.filter((r) => r.scenario === entry.scenario);
  return {
    ...entry,
    events: mine.reduce((n, r) => n + r.events, 0),
    wall_ms: mine.reduce((n, r) => n + r.wall_ms, 0),
  };
});

// ---- summarise and write -----------------------------------------------------------------
const methodKeys = methods.map((m) => m.key);
const scenarios = summarizeScenarios(runs, methodKeys);
const benignGroups = summarizeBenignGroups(runs, methodKeys);
// Every target on every feed: the gateway feeds are what is judged, the oracle shows what the
// detector would do if a gateway logged everything the simulator knows.
const targets = feedList.map((f) => ({
  method: feedMethods[f].key,
  label: feedMethods[f].label,
  results: evaluateTargets(runs, feedMethods[f].key),
}));
const alt = {
  precisionRecall: "Account precision and recall per scenario and method",
  timeToDetect: "Time to detect per campaign type and method",
  benignFpr: "Benign false-positive rate per archetype and method",
};
const charts = {
  precisionRecall: await renderSvg(precisionRecallSpec(scenarios, methods), alt.precisionRecall),
  timeToDetect: await renderSvg(timeToDetectSpec(runs, methods), alt.timeToDetect),
  benignFpr: await renderSvg(benignFprSpec(benignGroups, methods, targetLimits.benignFpr), alt.benignFpr),
};
const chartFiles = {
  precisionRecall: "precision-recall.svg",
  timeToDetect: "time-to-detect.svg",
  benignFpr: "benign-fpr.svg",
};
const wallMs = performance.now() - started;
const generatedAt = new Date().toISOString();

const json = {
  format: "distillguard-quality/1",
  generated_at: generatedAt,
  command,
  node: process.version,
  backend: backend.describe,
  wall_ms: Math.round(wallMs),
  // sha256 of the sources every run was made with; runs kept from earlier processes match it.
  code_sha256: code,
  kept_runs: tasks.length - pending.length,
  suite: {
    name: suite.name,
    split: suite.split,
    evaluate_every: suite.evaluateEvery,
    entries: suite.entries,
    rate_limits: suite.limits,
  },
  methods,
  targets,
  scenarios,
  benign_groups: benignGroups,
  runs,
};
const out = values.out;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "quality.json"), `${JSON.stringify(json, null, 2)}\n`);
for (const k of Object.keys(chartFiles) as (keyof typeof chartFiles)[]) {
  writeFileSync(join(out, chartFiles[k]), charts[k]);
}
const report = (chartDir: string) =>
  reportMarkdown({
    command,
    backend: `suite '${suite.name}' (${suite.split} seeds${suite.split === "tune" ? ": tuned on, not a headline" : ": never tuned on"}); ${backend.describe}`,
    evaluateEvery: suite.evaluateEvery,
    wallMs,
    node: process.version,
    generatedAt,
    runs: groups,
    targets,
    scenarios,
    groups: benignGroups,
    methods,
    alt,
    charts: {
      precisionRecall: `${chartDir}${chartFiles.precisionRecall}`,
      timeToDetect: `${chartDir}${chartFiles.timeToDetect}`,
      benignFpr: `${chartDir}${chartFiles.benignFpr}`,
    },
  });
writeFileSync(join(out, "report.md"), `# Detection quality\n\n${report("")}`);

if (values.docs) {
  // The docs page keeps its prose; only the part between the markers is replaced.
  const page = "docs/detection-quality.md";
  const begin = "<!-- bench:quality begin -->";
  const end = "<!-- bench:quality end -->";
  const text = readFileSync(page, "utf8");
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${page} lacks the markers ${begin} … ${end}`);
  const chartDir = "docs/detection-quality";
  mkdirSync(chartDir, { recursive: true });
  for (const f of Object.values(chartFiles)) copyFileSync(join(out, f), join(chartDir, f));
  writeFileSync(
    page,
    `${text.slice(0, from + begin.length)}\n\n${report(`${relative("docs", chartDir)}/`)}\n${text.slice(to)}`,
  );
}

process.stderr.write(
  targets
    .map(
      (m) =>
        `\n${m.label}\n${m.results.map((t) => `${t.met === null ? "·" : t.met ? "✓" : "✗"} ${t.target}: ${t.measured}`).join("\n")}\n`,
    )
    .join(""),
);
process.stderr.write(
  `\nwrote ${out}/quality.json, report.md and 3 SVGs${values.docs ? "; updated docs/detection-quality.md" : ""} in ${(wallMs / 1000).toFixed(0)} s\n`,
);
