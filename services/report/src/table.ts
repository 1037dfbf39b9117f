import { styleText } from "node:util";
import Table from "cli-table3";
import {
  type CampaignReport,
  formatCount,
  formatNumber,
  formatShare,
  formatTime,
  type ReportedCampaign,
  severityOf,
  shortFingerprint,
  topFingerprints,
  topSignals,
} from "./model.ts";

export const TABLE_HEAD = [
  "campaign",
  "severity\nstatus",
  "members",
  "requests",
  "output tokens\n(+ reasoning)",
  "CoT\nrate",
  "template\nconc.",
  "first seen\n(UTC)",
  "last update\n(UTC)",
  "top shared fingerprints\n(members sharing)",
  "top signals\n(value, z)",
] as const;

export interface TableModel {
  head: readonly string[];
  /** One row per campaign; a cell's lines are separated by \n. */
  rows: string[][];
  /** Severity per row, for colouring. */
  severities: string[];
}

function alertLine(c: ReportedCampaign): string {
  return c.alertId === "" ? `${c.status}, no alert` : `${c.status}, alert ${c.alertState}`;
}

/** The terminal table's content, without layout or colour. */
export function tableModel(report: CampaignReport): TableModel {
  return {
    head: TABLE_HEAD,
    severities: report.campaigns.map(severityOf),
    rows: report.campaigns.map((c) => [
      c.campaignId,
      `${severityOf(c)}\n${alertLine(c)}`,
      c.memberCount.toLocaleString("en"),
      formatCount(c.requests),
      `${formatCount(c.outputTokens)}\n+${formatCount(c.reasoningTokens)}`,
      formatShare(c.cotRate),
      formatShare(c.templateConcentration),
      formatTime(c.firstSeenMs),
      formatTime(c.lastUpdateMs),
      topFingerprints(c, 3)
        .map((f) => `${shortFingerprint(f.kind, f.value)} (${f.memberCount})`)
        .join("\n"),
      topSignals(c, 3)
        .map((s) => `${s.name} ${formatNumber(s.value)}, z ${formatNumber(s.z, 1)}`)
        .join("\n"),
    ]),
  };
}

const SEVERITY_STYLE: Record<string, Parameters<typeof styleText>[0]> = {
  critical: ["bold", "red"],
  high: "red",
  medium: "yellow",
  low: "cyan",
  none: "dim",
};

/**
 * The table as text. `colors` only when stdout is a terminal that wants them (the caller asks
 * `hasColors()`, which honours NO_COLOR, FORCE_COLOR and TERM=dumb): piped output stays plain.
 */
export function renderTable(model: TableModel, opts: { colors: boolean }): string {
  const paint = (style: Parameters<typeof styleText>[0], text: string) =>
    // validateStream off: the caller has decided, and Node's own check would look at stdout.
    opts.colors ? styleText(style, text, { validateStream: false }) : text;
  const table = new Table({
    head: model.head.map((h) => paint("bold", h)),
    // cli-table3 colours head and border through @colors/colors by default; we colour ourselves.
    style: { head: [], border: [] },
    colAligns: ["left", "left", "right", "right", "right", "right", "right", "left", "left", "left", "left"],
  });
  model.rows.forEach((row, i) => {
    const severity = model.severities[i] ?? "none";
    const [first = "", ...rest] = (row[1] ?? "").split("\n");
    const styled = [paint(SEVERITY_STYLE[severity] ?? "reset", first), ...rest].join("\n");
    table.push(row.map((cell, j) => (j === 1 ? styled : cell)));
  });
  return table.toString();
}

/** The line printed instead of a table when no campaign is in the range. */
export function emptyLine(report: CampaignReport): string {
  const where = `database ${report.database}`;
  if (report.newestUpdateMs === 0) return `No campaigns: ${where} has no campaign updates yet.`;
  const range =
    report.sinceMs === 0 ? "in its whole history" : `updated since ${formatTime(report.sinceMs)} UTC`;
  const hint = report.all ? "" : " (--all includes resolved and closed ones; --since widens the range)";
  return `No current campaigns in ${where} ${range}; newest update ${formatTime(report.newestUpdateMs)} UTC${hint}.`;
}
