import { escapeHtml as h } from "./html-escape.ts";
import {
  type CampaignReport,
  formatNumber,
  formatShare,
  formatTime,
  type ReportedCampaign,
  severityOf,
  shortFingerprint,
  topFingerprints,
  topSignals,
} from "./model.ts";
import { emptyLine } from "./table.ts";
import { renderSvg, timelineSpec } from "./timeline.ts";

const SEVERITIES = new Set(["critical", "high", "medium", "low", "none"]);

// Everything the page needs is in the file: no fonts, scripts or stylesheets from anywhere, so
// it opens from a ticket attachment, an air-gapped laptop or a mail client the same way.
const STYLE = `
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #1b1b1b; margin: 24px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 32px 0 4px; font-family: monospace; }
.meta { color: #555; margin: 0 0 16px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono, code { font-family: monospace; font-size: 12px; }
.sev { display: inline-block; padding: 0 6px; border-radius: 3px; font-weight: 600; }
.sev-critical { background: #7f0000; color: #fff; } .sev-high { background: #d62728; color: #fff; }
.sev-medium { background: #ffbf47; } .sev-low { background: #d9ecf7; } .sev-none { background: #eee; color: #555; }
.summary { margin: 4px 0 8px; }
.members { color: #444; font-size: 12px; }
.empty { padding: 16px; background: #f4f4f4; }
figure { margin: 8px 0; } figure svg { max-width: 100%; height: auto; }
`;

function severityBadge(c: ReportedCampaign): string {
  const s = severityOf(c);
  return `<span class="sev sev-${SEVERITIES.has(s) ? s : "none"}">${h(s)}</span>`;
}

const exact = (n: number) => n.toLocaleString("en");

function summaryRow(c: ReportedCampaign, i: number): string {
  const fps = topFingerprints(c, 3)
    .map((f) => `<code>${h(shortFingerprint(f.kind, f.value))}</code> (${f.memberCount})`)
    .join("<br>");
  const sigs = topSignals(c, 3)
    .map((s) => `${h(s.name)} ${formatNumber(s.value)}, z ${formatNumber(s.z, 1)}`)
    .join("<br>");
  return `<tr>
<td class="mono"><a href="#campaign-${i}">${h(c.campaignId)}</a></td>
<td>${severityBadge(c)}<br>${h(c.status)}, ${c.alertId === "" ? "no alert" : `alert ${h(c.alertState)}`}</td>
<td class="num">${exact(c.memberCount)}</td>
<td class="num">${exact(c.requests)}</td>
<td class="num">${exact(c.outputTokens)}<br>+${exact(c.reasoningTokens)}</td>
<td class="num">${formatShare(c.cotRate)}</td>
<td class="num">${formatShare(c.templateConcentration)}</td>
<td>${formatTime(c.firstSeenMs)}</td>
<td>${formatTime(c.lastUpdateMs)}</td>
<td>${fps}</td>
<td>${sigs}</td>
</tr>`;
}

function detail(c: ReportedCampaign, i: number, svg: string): string {
  const alert =
    c.alertId === ""
      ? '<p class="summary">No alert: the campaign\'s score has stayed below the alert threshold.</p>'
      : `<p class="summary">${severityBadge(c)} alert <code>${h(c.alertId)}</code> ${h(c.alertState)}, opened ${formatTime(c.alertOpenedMs)} UTC: ${h(c.alertSummary)}</p>`;
  const members =
    c.topMembers.length === 0
      ? ""
      : `<p class="members">Heaviest members: ${c.topMembers.map((m) => `<code>${h(m)}</code>`).join(", ")}${
          c.memberCount > c.topMembers.length ? ` and ${exact(c.memberCount - c.topMembers.length)} more` : ""
        }${c.membersTruncated ? " (the update lists the 1,000 heaviest)" : ""}</p>`;
  const fps = c.fingerprints.length
    ? `<table><tr><th>shared fingerprint</th><th>value</th><th>members sharing</th><th>weight</th></tr>${topFingerprints(
        c,
        c.fingerprints.length,
      )
        .map(
          (f) =>
            `<tr><td>${h(f.kind)}</td><td class="mono">${h(f.value)}</td><td class="num">${exact(f.memberCount)}</td><td class="num">${formatNumber(f.weight)}</td></tr>`,
        )
        .join("")}</table>`
    : "";
  const signals = c.signals.length
    ? `<table><tr><th>signal</th><th>value</th><th>baseline</th><th>z</th><th>share of score</th></tr>${topSignals(
        c,
        c.signals.length,
      )
        .map(
          (s) =>
            `<tr><td>${h(s.name)}</td><td class="num">${formatNumber(s.value)}</td><td class="num">${formatNumber(s.baseline)}</td><td class="num">${formatNumber(s.z, 1)}</td><td class="num">${formatShare(s.contribution)}</td></tr>`,
        )
        .join("")}</table>`
    : "";
  return `<section>
<h2 id="campaign-${i}">${h(c.campaignId)}</h2>
${alert}
${members}
<figure>${svg}</figure>
${fps}
${signals}
</section>`;
}

/** The page around already drawn timelines (one SVG per campaign, in the report's order). */
export function renderHtml(report: CampaignReport, svgs: readonly string[]): string {
  const range =
    report.sinceMs === 0 ? "the whole history" : `updates since ${formatTime(report.sinceMs)} UTC`;
  const n = report.campaigns.length;
  const shown = `${n} campaign${n === 1 ? "" : "s"}${n === report.limit ? ` (the first ${report.limit}: --limit)` : ""}`;
  const body =
    n === 0
      ? `<p class="empty">${h(emptyLine(report))}</p>`
      : `<table>
<tr>${[
          "campaign",
          "severity, status",
          "members",
          "requests",
          "output tokens (+ reasoning)",
          "CoT rate",
          "template conc.",
          "first seen (UTC)",
          "last update (UTC)",
          "top shared fingerprints (members sharing)",
          "top signals (value, z)",
        ]
          .map((t) => `<th>${t}</th>`)
          .join("")}</tr>
${report.campaigns.map(summaryRow).join("\n")}
</table>
<p>Timelines: each campaign's updates in the range (members now, requests and tokens as running totals); vertical rules mark the revisions of its alert.</p>
${report.campaigns.map((c, i) => detail(c, i, svgs[i] ?? "")).join("\n")}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Distillguard campaigns: ${h(report.database)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Distillguard campaigns</h1>
<p class="meta">Database <code>${h(report.database)}</code>, ${range}${
    report.all ? ", resolved and closed included" : ", open only (resolved and closed left out)"
  }: ${shown}. Newest update ${formatTime(report.newestUpdateMs)} UTC; generated ${formatTime(report.generatedAtMs)} UTC.</p>
${body}
</body>
</html>
`;
}

/** The whole self-contained page: every campaign's timeline drawn, then the page around them. */
export async function renderReportHtml(report: CampaignReport): Promise<string> {
  const svgs: string[] = [];
  for (const c of report.campaigns) {
    svgs.push(
      await renderSvg(
        timelineSpec(c),
        `Timeline of campaign ${c.campaignId}: members, requests and output tokens over event time, with alert revisions`,
      ),
    );
  }
  return renderHtml(report, svgs);
}
