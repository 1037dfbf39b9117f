// Every ClickHouse query of the provisioned dashboard and alert rules, macros expanded as the
// plugin does for a fixed time range, run on seeded results: on the test server (ClickHouse
// 18.16 locally) when it has every function the query calls, and always on a current release
// (chDB), which is what infra/docker/compose.yaml pairs Grafana with. Which queries need the
// current release is read from the server's system.functions, and checked: such a query must
// fail on the server. Each query's rows must say what the fixture's story says.
import type { ClickHouseClient } from "@distillguard/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { type ChdbRun, resultOf } from "../chdb/chdb.ts";
import { FIXTURE, hydraCounters, resultFixture } from "../fixtures/results.ts";
import { normalizeRows, type Row, rows, runSeededChdb, seedServer } from "../fixtures/seeded.ts";
import { missingFunctions, serverFunctions } from "./dialect.ts";
import { expandMacros, type MacroContext } from "./macros.ts";
import { type ClickHouseQuery, clickhouseQueries, loadProvisioning } from "./provisioning.ts";

const MIN = 60_000;
const C = FIXTURE.campaigns;
const fixture = resultFixture();
const A = fixture.anchorMs;
const at = (msBeforeAnchor: number) =>
  new Date(A - msBeforeAnchor).toISOString().slice(0, 19).replace("T", " ");

/** The dashboard's range in these tests: the 4 hours up to the anchor, 5-minute buckets. */
const DASHBOARD: MacroContext = { from: new Date(A - 240 * MIN), to: new Date(A), intervalMs: 5 * MIN };

/** An alert rule evaluated at `now`: its relative time range and its model's interval. */
function ruleContext(q: ClickHouseQuery, now: number): MacroContext {
  const r = q.relativeTimeRange ?? { from: 600, to: 0 };
  return {
    from: new Date(now - r.from * 1000),
    to: new Date(now - r.to * 1000),
    intervalMs: q.intervalMs ?? 1000,
  };
}

/** Latest cumulative output + reasoning tokens per campaign, straight from the fixture's records. */
function extractedPerCampaign(): Map<string, number> {
  const out = new Map<string, number>();
  for (const { table, row } of fixture.rows) {
    if (table !== "campaign_updates") continue;
    const v = Number(row.output_tokens) + Number(row.reasoning_tokens);
    out.set(String(row.campaign_id), Math.max(out.get(String(row.campaign_id)) ?? 0, v));
  }
  return out;
}

const seriesOf = (r: Row[], key: string, value: string) => {
  const m = new Map<string, number[]>();
  for (const x of r) m.set(String(x[key]), [...(m.get(String(x[key])) ?? []), Number(x[value])]);
  return m;
};

const freshness = (r: Row[]) => {
  // The newest window ended 10 min before the anchor; the anchor is at most 5 min old.
  expect(r).toHaveLength(1);
  expect(Number(r[0]?.seconds_behind)).toBeGreaterThanOrEqual(600);
  expect(Number(r[0]?.seconds_behind)).toBeLessThan(1200);
};

/** What each query returns on the fixture, by query id. */
const checks: Record<string, (r: Row[]) => void> = {
  'panel "Active campaigns" A': (r) => expect(r).toEqual([{ active_campaigns: 2 }]),
  'panel "Open high or critical campaign alerts" A': (r) => expect(r).toEqual([{ open_high_or_critical: 2 }]),
  'panel "Tokens extracted by campaigns seen in range" A': (r) => {
    // Replayed updates must not add: max of cumulative counters.
    const total = [...extractedPerCampaign().values()].reduce((a, b) => a + b, 0);
    expect(r).toEqual([{ extracted_tokens: total }]);
  },
  'panel "Campaigns" A': (r) => {
    expect(r.map((x) => [x.campaign_id, x.status, x.alert_severity])).toEqual([
      [C.hydra, "active", "critical"],
      [C.echo, "active", "high"],
      [C.forming, "forming", ""],
      [C.dormant, "dormant", "low"],
    ]);
    expect(r[0]).toMatchObject({
      members: 48,
      score: 5.84,
      extracted_tokens: extractedPerCampaign().get(C.hydra),
    });
  },
  'panel "Campaign members" A': (r) => {
    const s = seriesOf(r, "campaign_id", "members");
    expect([...s.keys()].sort()).toEqual(Object.values(C).sort());
    const hydra = s.get(C.hydra) ?? [];
    expect(hydra.at(-1)).toBe(48);
    expect([...hydra].sort((a, b) => a - b)).toEqual(hydra);
    expect(r[0]?.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:00$/);
  },
  'panel "Extraction rate per campaign" A': (r) => {
    const s = seriesOf(r, "campaign_id", "extracted_tokens");
    expect(r.every((x) => Number(x.extracted_tokens) >= 0)).toBe(true);
    // The per-interval volumes add up to what was extracted after the first bucket in range.
    const first = hydraCounters(0);
    const sum = (s.get(C.hydra) ?? []).reduce((a, b) => a + b, 0);
    expect(sum).toBe(
      (extractedPerCampaign().get(C.hydra) ?? 0) - first.output_tokens - first.reasoning_tokens,
    );
  },
  'panel "Alerts by severity" A': (r) => {
    // At A-30m: hydra turned critical (its revision stored twice), four hydra accounts' alerts
    // went high, the translation account's alert opened.
    const bucket = Object.fromEntries(
      r.filter((x) => x.time === at(30 * MIN)).map((x) => [x.severity, x.alerts]),
    );
    expect(bucket).toEqual({ critical: 1, high: 4, medium: 1 });
  },
  'panel "Alerts opened" A': (r) => {
    const bucket = r.filter((x) => x.time === at(60 * MIN) && x.subject_kind === "account");
    expect(bucket).toEqual([{ time: at(60 * MIN), subject_kind: "account", opened: 6 }]);
  },
  'panel "Alert log" A': (r) => {
    // 22 rows stored, one a replayed copy: 21 revisions.
    expect(r).toHaveLength(21);
    const times = r.map((x) => String(x.time));
    expect([...times].sort().reverse()).toEqual(times);
    expect(r[0]).toMatchObject({ subject_id: C.echo, severity: "high", state: "update" });
  },
  'panel "Top signals of flagged accounts" A': (r) =>
    expect(r.slice(0, 3).map((x) => [x.signal, x.flagged_accounts])).toEqual([
      ["template_top_share", 62],
      ["cot_rate", 61],
      ["reasoning_per_request", 60],
    ]),
  'panel "Scored and flagged accounts" A': (r) =>
    expect(r.find((x) => x.time === at(10 * MIN))).toEqual({
      time: at(10 * MIN),
      scored_accounts: 73,
      flagged_accounts: 62,
    }),
  'panel "Account score quantiles" A': (r) => {
    expect(r.length).toBeGreaterThan(0);
    for (const x of r) {
      expect(Number(x.p50)).toBeLessThanOrEqual(Number(x.p90));
      expect(Number(x.p90)).toBeLessThanOrEqual(Number(x.p99));
      expect(Number(x.p99)).toBeLessThanOrEqual(Number(x.max_score));
    }
    expect(r.find((x) => x.time === at(10 * MIN))?.max_score).toBe(4);
  },
  'panel "Raw requests stored (sample)" A': (r) => {
    const requests = new Set(
      fixture.rows.filter((x) => x.table === "api_requests").map((x) => x.row.request_id),
    );
    expect(r.reduce((a, x) => a + Number(x.sampled_requests), 0)).toBe(requests.size);
  },
  'panel "Newest account score, seconds behind" A': freshness,
  "rule dg-new-high-severity-campaign A": (r) =>
    // Echo's alert turned high 10 min ago; hydra's did an hour ago (and is critical now).
    expect(r).toEqual([{ campaign_id: C.echo, alert_severity: "high", score: 5 }]),
  "rule dg-results-stale A": freshness,
};

const queries = clickhouseQueries(loadProvisioning());
const contextOf = (q: ClickHouseQuery) => (q.id.startsWith("rule ") ? ruleContext(q, A) : DASHBOARD);

describe("Grafana ClickHouse queries on seeded results", async () => {
  const server = await seedServer("grafana", fixture);
  afterAll(() => server.drop());
  const functions = await serverFunctions(server.client);
  const planned = queries.map((q) => {
    const sql = expandMacros(q.sql, contextOf(q));
    return { ...q, sql, missing: missingFunctions(sql, functions) };
  });
  // The new high-severity rule evaluated an hour earlier: then it was hydra turning high.
  const highRule = queries.find((q) => q.id === "rule dg-new-high-severity-campaign A");
  if (!highRule) throw new Error("the new high-severity campaign rule has no ClickHouse query A");
  const hourEarlier = expandMacros(highRule.sql, ruleContext(highRule, A - 60 * MIN));
  let chdb: ChdbRun | undefined;
  const onChdb = async (name: string) => {
    chdb ??= await runSeededChdb(fixture, [
      ...planned.map((q) => ({ name: q.id, sql: q.sql })),
      { name: "hour earlier", sql: hourEarlier },
    ]);
    const r = resultOf(chdb, name);
    expect(r.error, `chDB ${chdb.version}: ${name}`).toBeNull();
    return normalizeRows(r.rows ?? []);
  };

  it("has a check for every query of the dashboard and the alert rules", () => {
    expect(queries.map((q) => q.id).sort()).toEqual(Object.keys(checks).sort());
  });

  for (const q of planned) {
    const check = checks[q.id] ?? (() => expect.unreachable(`no check for ${q.id}`));
    if (q.missing.length === 0) {
      it(`${q.id}: runs on the test server and on chDB alike`, async () => {
        const here = await rows(server.client, q.sql);
        check(here);
        const modern = await onChdb(q.id);
        check(modern);
        // now() moves between the two runs; the other results must be identical.
        if (!/\bnow\(\)/.test(q.sql)) expect(modern).toEqual(here);
        await expectGrafanaShape(server.client, q, here);
      });
    } else {
      it(`${q.id}: needs a current ClickHouse (${server.version} lacks ${q.missing.join(", ")}), runs on chDB`, async () => {
        await expect(rows(server.client, q.sql)).rejects.toThrow();
        const modern = await onChdb(q.id);
        check(modern);
        if (q.queryType === "timeseries") expect(Object.keys(modern[0] ?? {})[0]).toBe("time");
      });
    }
  }

  it("the new high-severity rule an hour earlier finds the campaign that turned high then", async () => {
    const expected = [{ campaign_id: C.hydra, alert_severity: "high", score: 5.04 }];
    const round = (r: Row[]) => r.map((x) => ({ ...x, score: Math.round(Number(x.score) * 100) / 100 }));
    expect(round(await onChdb("hour earlier"))).toEqual(expected);
    if (missingFunctions(hourEarlier, functions).length === 0) {
      expect(round(await rows(server.client, hourEarlier))).toEqual(expected);
    }
  });
});

/**
 * The result shape the plugin needs, from the server's column types: time series start with a
 * DateTime `time`; alert rules return one numeric column, the rest strings (labels).
 */
async function expectGrafanaShape(client: ClickHouseClient, q: ClickHouseQuery, result: Row[]) {
  const rs = await client.query({ query: q.sql, format: "JSON" });
  const { meta } = (await rs.json()) as { meta: Array<{ name: string; type: string }> };
  const numeric = meta.filter((c) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(c.type));
  if (q.queryType === "timeseries") {
    expect(meta[0], q.id).toEqual({ name: "time", type: "DateTime" });
    expect(numeric.length, q.id).toBeGreaterThan(0);
  }
  if (q.id.startsWith("rule ")) {
    expect(numeric, q.id).toHaveLength(1);
    expect(
      meta.filter((c) => !numeric.includes(c)).every((c) => c.type === "String"),
      q.id,
    ).toBe(true);
  }
  expect(result.length, `${q.id} returns rows`).toBeGreaterThan(0);
}
