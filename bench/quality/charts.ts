// Plots of the quality report: Vega-Lite specs rendered to SVG in Node, no browser.

import type * as vl from "vega-lite";
import type { GroupSummary, ScenarioSummary } from "./metrics.ts";
import type { Method } from "./report.ts";
import type { RunRecord } from "./suite.ts";

export { renderSvg } from "@distillguard/plots";

const font = { font: "Helvetica, Arial, sans-serif" };

function methodScale(methods: readonly Method[]) {
  return { domain: methods.map((m) => m.label), scheme: "tableau10" as const };
}

const legend = { labelLimit: 240 };

/** Account precision and recall per scenario, one bar per method. */
export function precisionRecallSpec(
  rows: readonly ScenarioSummary[],
  methods: readonly Method[],
): vl.TopLevelSpec {
  const label = new Map(methods.map((m) => [m.key, m.label]));
  const values = rows.flatMap((r) =>
    (
      [
        ["precision", r.account_precision],
        ["recall", r.account_recall],
      ] as const
    ).flatMap(([metric, v]) =>
      v === null ? [] : [{ scenario: r.scenario, method: label.get(r.method) ?? r.method, metric, value: v }],
    ),
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Account-level precision and recall per scenario (pooled over seeds)",
    config: { ...font, view: { stroke: null } },
    data: { values },
    facet: { row: { field: "metric", type: "nominal", title: null } },
    spec: {
      width: 520,
      height: 140,
      mark: "bar",
      encoding: {
        x: { field: "scenario", type: "nominal", title: null, axis: { labelAngle: 0 } },
        xOffset: { field: "method", type: "nominal", sort: methods.map((m) => m.label) },
        y: {
          field: "value",
          type: "quantitative",
          scale: { domain: [0, 1] },
          axis: { format: "%" },
          title: null,
        },
        color: { field: "method", type: "nominal", scale: methodScale(methods), title: "method", legend },
        tooltip: [{ field: "method" }, { field: "value", format: ".1%" }],
      },
    },
  };
}

/** Time to detect each campaign, from its first request, per campaign type (detected ones only). */
export function timeToDetectSpec(runs: readonly RunRecord[], methods: readonly Method[]): vl.TopLevelSpec {
  const values = runs.flatMap((r) =>
    methods.flatMap((m) =>
      (r.methods[m.key]?.campaigns ?? []).flatMap((c) =>
        c.ttd_from_start_ms === null
          ? []
          : [{ type: c.type, method: m.label, minutes: c.ttd_from_start_ms / 60_000, seed: r.seed }],
      ),
    ),
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Time to detect from the campaign's first request (each dot a seed)",
      subtitle: "missed campaigns are not drawn: see the table; symmetric-log axis",
    },
    config: { ...font, view: { stroke: "#ddd" } },
    data: { values },
    facet: {
      row: { field: "type", type: "nominal", title: null, header: { labelAngle: 0, labelAlign: "left" } },
    },
    spec: {
      width: 560,
      height: { step: 14 },
      mark: { type: "circle", size: 60, opacity: 0.7 },
      encoding: {
        x: {
          field: "minutes",
          type: "quantitative",
          scale: { type: "symlog", constant: 5 },
          axis: { values: [0, 5, 15, 30, 60, 120, 240, 480, 1440, 2880], title: "minutes" },
        },
        y: { field: "method", type: "nominal", sort: methods.map((m) => m.label), title: null },
        color: { field: "method", type: "nominal", scale: methodScale(methods), legend: null },
        tooltip: [{ field: "method" }, { field: "seed" }, { field: "minutes", format: ".1f" }],
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}

/** Benign false-positive rate per archetype and method, with the 0.1% target as a line. */
export function benignFprSpec(
  rows: readonly GroupSummary[],
  methods: readonly Method[],
  targetFpr: number,
): vl.TopLevelSpec {
  const label = new Map(methods.map((m) => [m.key, m.label]));
  // Rows come per archetype with the pooled "all benign" last; keep that order on the axis.
  const groups = [...new Set(rows.map((r) => r.group))];
  const values = rows.flatMap((r) =>
    r.fpr === null
      ? []
      : [
          {
            group: r.group,
            method: label.get(r.method) ?? r.method,
            percent: r.fpr * 100,
            flagged: r.flagged,
            accounts: r.accounts,
          },
        ],
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Benign false-positive rate per archetype (flagged / active accounts, all runs)",
      subtitle: `dashed: the ${targetFpr * 100}% target; symmetric-log axis`,
    },
    config: { ...font, view: { stroke: null } },
    width: 640,
    height: 260,
    data: { values },
    layer: [
      {
        mark: "bar",
        encoding: {
          x: { field: "group", type: "nominal", title: null, sort: groups, axis: { labelAngle: -30 } },
          xOffset: { field: "method", type: "nominal", sort: methods.map((m) => m.label) },
          y: {
            field: "percent",
            type: "quantitative",
            scale: { type: "symlog", constant: 0.1, domain: [0, 100] },
            axis: {
              values: [0, 0.1, 1, 10, 100],
              labelExpr: "datum.value + '%'",
              title: "false-positive rate",
            },
          },
          color: { field: "method", type: "nominal", scale: methodScale(methods), title: "method", legend },
          tooltip: [
            { field: "method" },
            { field: "percent", format: ".3f" },
            { field: "flagged" },
            { field: "accounts" },
          ],
        },
      },
      {
        mark: { type: "rule", strokeDash: [4, 4], color: "#c00" },
        encoding: { y: { datum: targetFpr * 100 } },
      },
    ],
  };
}
