// The quality report as people read it: Markdown tables from the summaries in the JSON.

import { type GroupSummary, percent, type ScenarioSummary, type TargetResult } from "./metrics.ts";

export interface Method {
  key: string;
  label: string;
}

export interface RunGroup {
  scenario: string;
  seeds: readonly number[];
  duration: string;
  /** Ordinary traffic before the campaigns started (`--warmup`). */
  warmup?: string;
  accounts: number;
  events: number;
  wall_ms: number;
}

/** A Markdown table with its columns padded the way the formatter (biome) lays them out. */
export function markdownTable(
  header: readonly string[],
  rows: readonly string[][],
  right: readonly boolean[],
): string {
  const width = (s: string) => [...s].length;
  const widths = header.map((h, i) => Math.max(3, width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const cell = (s: string, i: number) => {
    const pad = " ".repeat((widths[i] as number) - width(s));
    return right[i] ? pad + s : s + pad;
  };
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (right[i] ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

const minutes = (ms: number | null) => (ms === null ? "missed" : `${(ms / 60_000).toFixed(1)} min`);
const share = (x: number | null) => (x === null ? "—" : percent(x));

/** The targets measured on each feed's detector. */
export interface FeedTargets {
  method: string;
  label: string;
  results: readonly TargetResult[];
}

/** One row per target, one column per feed: what was measured and whether it meets the target. */
export function targetsTable(feeds: readonly FeedTargets[]): string {
  const first = feeds[0]?.results ?? [];
  const cell = (t: TargetResult | undefined) =>
    t === undefined
      ? "—"
      : `${t.measured} — ${t.met === null ? "not measured" : t.met ? "met" : "**not met**"}`;
  return markdownTable(
    ["target", ...feeds.map((f) => f.label)],
    first.map((t) => [t.target, ...feeds.map((f) => cell(f.results.find((x) => x.id === t.id)))]),
    [false, ...feeds.map(() => false)],
  );
}

export function scenarioTable(rows: readonly ScenarioSummary[], methods: readonly Method[]): string {
  const label = new Map(methods.map((m) => [m.key, m.label]));
  return markdownTable(
    [
      "scenario",
      "method",
      "campaigns caught",
      "linked",
      "account precision",
      "account recall",
      "TTD from start",
      "TTD from 1%",
      "harvested before detection",
      "benign FPR",
      "alerts/day",
    ],
    rows.map((r) => [
      r.scenario,
      label.get(r.method) ?? r.method,
      r.campaigns === 0 ? "—" : `${r.campaigns_detected}/${r.campaigns}`,
      share(r.linked_share),
      share(r.account_precision),
      share(r.account_recall),
      r.campaigns === 0 ? "—" : minutes(r.ttd_from_start_median_ms),
      r.campaigns === 0 ? "—" : minutes(r.ttd_from_one_percent_median_ms),
      r.campaigns === 0 || r.share_before_detection_median === null
        ? "—"
        : share(r.share_before_detection_median),
      r.benign_fpr === null ? "—" : `${percent(r.benign_fpr)} (${r.benign_flagged})`,
      r.alerts_per_day.toFixed(1),
    ]),
    [false, false, true, true, true, true, true, true, true, true, true],
  );
}

export function benignTable(rows: readonly GroupSummary[], methods: readonly Method[]): string {
  const groups = [...new Set(rows.map((r) => r.group))];
  const at = new Map(rows.map((r) => [`${r.group}\u0000${r.method}`, r]));
  return markdownTable(
    ["archetype", "accounts", ...methods.map((m) => m.label)],
    groups.map((g) => {
      const first = rows.find((r) => r.group === g);
      return [
        g,
        String(first?.accounts ?? 0),
        ...methods.map((m) => {
          const r = at.get(`${g}\u0000${m.key}`);
          return r?.fpr === null || r === undefined ? "—" : `${percent(r.fpr)} (${r.flagged})`;
        }),
      ];
    }),
    [false, true, ...methods.map(() => true)],
  );
}

export function runsTable(groups: readonly RunGroup[]): string {
  return markdownTable(
    ["scenario", "seeds", "duration", "ordinary accounts", "events per run", "wall time"],
    groups.map((g) => [
      g.scenario,
      g.seeds.join(", "),
      g.warmup ? `${g.warmup} warm-up + ${g.duration}` : g.duration,
      g.accounts.toLocaleString("en"),
      Math.round(g.events / Math.max(1, g.seeds.length)).toLocaleString("en"),
      `${(g.wall_ms / 1000).toFixed(0)} s`,
    ]),
    [false, false, true, true, true, true],
  );
}

export interface ChartText {
  precisionRecall: string;
  timeToDetect: string;
  benignFpr: string;
}

/** The whole Markdown report; `charts` are paths relative to where the Markdown is read. */
export function reportMarkdown(r: {
  command: string;
  backend: string;
  evaluateEvery: string;
  wallMs: number;
  node: string;
  generatedAt: string;
  runs: readonly RunGroup[];
  targets: readonly FeedTargets[];
  scenarios: readonly ScenarioSummary[];
  groups: readonly GroupSummary[];
  methods: readonly Method[];
  charts: ChartText;
  alt: ChartText;
}): string {
  return [
    "```",
    r.command,
    "```",
    "",
    `Generated ${r.generatedAt} with Node ${r.node}; ${r.backend}. Wall time of the whole suite: **${(r.wallMs / 1000).toFixed(0)} s** (${(r.wallMs / 60_000).toFixed(1)} min).`,
    "",
    runsTable(r.runs),
    "",
    "### Targets",
    "",
    "Measured on the detector with linking, fed three ways: the gateway's log through the ingest",
    "with IP enrichment (the headline), the same without enrichment, and the simulator's own",
    "features (oracle: ASN, TLS fingerprint, synthetic prompt fingerprints — what no gateway logs).",
    "Time to detect from each campaign's first request.",
    "",
    targetsTable(r.targets),
    "",
    "### Per scenario, pooled over seeds",
    "",
    "Campaigns caught: any of its accounts flagged. Linked: mean share of a multi-account campaign's",
    "active accounts listed as members of an open campaign alert. Account precision and recall over",
    "active accounts; the router account counts as a campaign account. TTD: median over campaigns,",
    "a missed campaign counting as later than any detection. Benign FPR: flagged / active benign",
    "accounts (flagged in brackets). Alerts/day: account alerts + campaign alerts (merged alerts",
    "once) or limit hits, per simulated day at that scenario's population.",
    "",
    scenarioTable(r.scenarios, r.methods),
    "",
    "### Benign false-positive rate per archetype, all runs",
    "",
    "Flagged / active accounts of each archetype over every run of the suite (flagged in brackets).",
    "",
    benignTable(r.groups, r.methods),
    "",
    "### Plots",
    "",
    `![${r.alt.precisionRecall}](${r.charts.precisionRecall})`,
    "",
    `![${r.alt.timeToDetect}](${r.charts.timeToDetect})`,
    "",
    `![${r.alt.benignFpr}](${r.charts.benignFpr})`,
    "",
  ].join("\n");
}
