// A campaign's timeline as a Vega-Lite spec, drawn to SVG in Node (no browser, canvas or
// native build) the way bench/quality/charts.ts draws the quality plots.
import type * as vl from "vega-lite";
import type { ReportedCampaign } from "./model.ts";

export const ALERT_STATE_COLORS = { open: "#d62728", update: "#ff7f0e", resolved: "#2ca02c" } as const;

const time = (title: string | null) => ({
  field: "time",
  type: "temporal" as const,
  scale: { type: "utc" as const },
  axis: { title, format: "%m-%d %H:%M", labelOverlap: true },
});

/**
 * Member count, requests and output tokens (reasoning dashed) over event time, one panel each on
 * a shared time axis, with the campaign alert's revisions as vertical rules in every panel
 * (colour = open, update, resolved). Counters are the linker's running totals per campaign.
 */
export function timelineSpec(c: ReportedCampaign): vl.TopLevelSpec {
  const updates = c.timeline.map((p) => ({
    time: p.eventTimeMs,
    members: p.memberCount,
    requests: p.requests,
    output: p.outputTokens,
    reasoning: p.reasoningTokens,
  }));
  const alerts = c.alertEvents.map((a) => ({
    time: a.eventTimeMs,
    state: a.state,
    severity: a.severity,
  }));
  const states = Object.keys(ALERT_STATE_COLORS);
  // Every panel's rules share one colour scale, hence one legend (at the top of the first panel).
  const rules = {
    data: { name: "alerts" },
    mark: { type: "rule" as const, strokeWidth: 1.5, opacity: 0.8 },
    encoding: {
      x: time(null),
      color: {
        field: "state",
        type: "nominal" as const,
        title: "alert",
        scale: { domain: states, range: Object.values(ALERT_STATE_COLORS) },
        legend: { orient: "top" as const, direction: "horizontal" as const },
      },
    },
  };
  const panel = (y: { field: string; title: string }, opts: { last: boolean; fold?: string[] }) => ({
    width: 640,
    height: 90,
    layer: [
      rules,
      {
        data: { name: "updates" },
        ...(opts.fold ? { transform: [{ fold: opts.fold, as: ["series", "value"] }] } : {}),
        mark: { type: "line" as const, point: true, color: "#1f4e79" },
        encoding: {
          x: time(opts.last ? "event time (UTC)" : null),
          y: {
            field: opts.fold ? "value" : y.field,
            type: "quantitative" as const,
            title: y.title,
            axis: { format: "~s", tickCount: 4 },
          },
          ...(opts.fold
            ? {
                strokeDash: {
                  field: "series",
                  type: "nominal" as const,
                  title: null,
                  scale: {
                    domain: opts.fold,
                    range: [
                      [1, 0],
                      [4, 3],
                    ],
                  },
                  legend: { orient: "right" as const },
                },
              }
            : {}),
        },
      },
    ],
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    config: { font: "Helvetica, Arial, sans-serif", view: { stroke: "#ddd" } },
    datasets: { updates, alerts },
    vconcat: [
      panel({ field: "members", title: "members" }, { last: false }),
      panel({ field: "requests", title: "requests" }, { last: false }),
      panel({ field: "value", title: "tokens" }, { last: true, fold: ["output", "reasoning"] }),
    ],
    resolve: { scale: { x: "shared", color: "shared" } },
  } as vl.TopLevelSpec;
}

export { renderSvg } from "@distillguard/plots";
