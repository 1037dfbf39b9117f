// Detection quality: a suite of simulator scenarios (several seeds each) through the detector,
// joined with ground truth, next to per-account rate limits and the detector without campaign
// linking. Writes JSON, Markdown and SVG plots. See README.md here.
//   npm run bench:quality [-- --suite default|tiny] [--only hydra,heavy] [--evaluate-every 15m]
//                         [--out reports/quality] [--docs] [--pipeline]

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { loadAzureTrace, parseDuration } from "@distillguard/simulator";
import { benignFprSpec, precisionRecallSpec, renderSvg, timeToDetectSpec } from "./charts.ts";
import { evaluateTargets, summarizeBenignGroups, summarizeScenarios, targetLimits } from "./metrics.ts";
import { type Method, type RunGroup, reportMarkdown } from "./report.ts";
import { inProcessBackend, pipelineBackend } from "./runner.ts";
import { detectorMethods, type RunRecord, runOne, type Suite, suites } from "./suite.ts";

const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv,
  options: {
    suite: { type: "string", default: "default" },
    only: { type: "string" },
    "evaluate-every": { type: "string" },
    out: { type: "string", default: "reports/quality" },
    docs: { type: "boolean", default: false },
    pipeline: { type: "boolean", default: false },
  },
});

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
  entries: only ? base.entries.filter((e) => only.includes(e.scenario)) : base.entries,
};
const command = `npm run bench:quality${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
const backend = values.pipeline
  ? pipelineBackend({
      brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
      evaluateEveryMs: parseDuration(suite.evaluateEvery),
    })
  : inProcessBackend({ evaluateEveryMs: parseDuration(suite.evaluateEvery) });
const methods: Method[] = [...detectorMethods, ...suite.limits.map((l) => ({ key: l.key, label: l.label }))];

// ---- run the suite, one line of progress per run on stderr ------------------------------
const started = performance.now();
const calibration = loadAzureTrace(process.env.DG_SIM_TRACE);
const total = suite.entries.reduce((n, e) => n + e.seeds.length, 0);
const tty = process.stderr.isTTY === true;
const runs: RunRecord[] = [];
const groups: RunGroup[] = [];
process.stderr.write(
  `quality suite '${suite.name}': ${total} runs, ${backend.describe}; report to ${values.out}/\n`,
);
for (const entry of suite.entries) {
  const group: RunGroup = { ...entry, events: 0, wall_ms: 0 };
  for (const seed of entry.seeds) {
    const head = `[${String(runs.length + 1).padStart(String(total).length)}/${total}] ${entry.scenario} seed ${seed} · ${entry.duration} · ${entry.accounts.toLocaleString("en")} accounts`;
    let last = 0;
    const record = await runOne(entry, seed, suite, backend, calibration, (p) => {
      const now = performance.now();
      if (!tty || now - last < 250) return;
      last = now;
      process.stderr.write(
        `\r${head} · ${Math.round(p.done * 100)}% · ${p.events.toLocaleString("en")} events\x1b[K`,
      );
    });
    runs.push(record);
    group.events += record.events;
    group.wall_ms += record.wall_ms;
    const d = record.methods.detector;
    const caught = d ? d.campaigns.filter((c) => c.detected).length : 0;
    const campaigns = d ? `campaigns ${caught}/${d.campaigns.length}, ` : "";
    process.stderr.write(
      `${tty ? "\r" : ""}${head} · ${record.events.toLocaleString("en")} events · ${campaigns}${d?.accounts.fp ?? 0} benign flagged · ${(record.wall_ms / 1000).toFixed(1)} s (total ${((performance.now() - started) / 1000).toFixed(0)} s)${tty ? "\x1b[K" : ""}\n`,
    );
  }
  groups.push(group);
}

// ---- summarise and write -----------------------------------------------------------------
const methodKeys = methods.map((m) => m.key);
const scenarios = summarizeScenarios(runs, methodKeys);
const benignGroups = summarizeBenignGroups(runs, methodKeys);
const targets = evaluateTargets(runs);
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
  suite: {
    name: suite.name,
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
    backend: backend.describe,
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
  `\n${targets.map((t) => `${t.met === null ? "·" : t.met ? "✓" : "✗"} ${t.target}: ${t.measured}`).join("\n")}\n`,
);
process.stderr.write(
  `\nwrote ${out}/quality.json, report.md and 3 SVGs${values.docs ? "; updated docs/detection-quality.md" : ""} in ${(wallMs / 1000).toFixed(0)} s\n`,
);
