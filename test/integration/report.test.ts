// `npm run report` against real ClickHouse: rows exactly as the result sink writes them, the CLI
// as a child process, its table on stdout and its HTML file checked.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Alert, CampaignUpdate } from "@distillguard/contract";
import { externalReferences } from "@distillguard/report";
import { type ClickHouseClient, createClickHouse, ensureDatabase } from "@distillguard/runtime";
import {
  applyMigrations,
  RESULT_TABLES,
  toAlertRow,
  toCampaignMemberRows,
  toCampaignUpdateRow,
} from "@distillguard/sink";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dg-report-"));
const T0 = Date.parse("2026-03-02T00:00:00Z");
const MIN = 60_000;

// The report's own databases: other test files write campaigns into the run's shared one.
const database = `${testNames("db").database}_report`;
const emptyDatabase = `${database}_empty`;

function report(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "services/report/src/main.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CLICKHOUSE_URL: servers().clickhouseUrl, LOG_FORMAT: "json", ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function update(
  id: string,
  minute: number,
  members: string[],
  over: Partial<CampaignUpdate> = {},
): CampaignUpdate {
  return {
    campaign_id: id,
    event_time_ms: T0 + minute * MIN,
    status: "active",
    member_count: members.length,
    members,
    members_truncated: false,
    shared_fingerprints: [
      { kind: "template", value: "1a5921fd783b21eb", weight: 3.76, member_count: members.length },
      { kind: "ip_prefix", value: "159.148.224.0/24", weight: 6.3, member_count: 2 },
    ],
    requests: 40 * (minute + 1),
    input_tokens: 30_000 * (minute + 1),
    output_tokens: 41_000 * (minute + 1),
    reasoning_tokens: 32_000 * (minute + 1),
    requests_before_first_alert: 40,
    output_tokens_before_first_alert: 41_000,
    template_concentration: 0.93,
    cot_rate: 0.74,
    score: 5.12,
    signals: [
      { name: "cot_rate", value: 0.74, baseline: 0.04, z: 9.37, contribution: 0.55 },
      // a population without spread gives an infinite z: stored as inf, read back as null
      { name: "multi_asn_share", value: 1, baseline: 1, z: Number.POSITIVE_INFINITY, contribution: 0.45 },
    ],
    ...over,
  };
}

function alert(
  id: string,
  revision: number,
  minute: number,
  state: Alert["state"],
  severity: Alert["severity"],
  summary: string,
): Alert {
  return {
    alert_id: `campaign:${id}:${T0}`,
    revision,
    subject_kind: "campaign",
    subject_id: id,
    state,
    severity,
    score: 5.12,
    opened_at_ms: T0,
    event_time_ms: T0 + minute * MIN,
    member_count: 6,
    top_signals: [],
    shared_fingerprints: [],
    summary,
  };
}

const members = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}_${i}`);
const HOSTILE = `cmp_<script>alert('x')</script>\\`;

async function insert(client: ClickHouseClient, updates: CampaignUpdate[], alerts: Alert[]) {
  let offset = 0;
  const at = () => ({ topic: "campaign-updates", partition: 0, offset: String(offset++) });
  await client.insert({
    table: RESULT_TABLES.campaigns,
    values: updates.map((u) => toCampaignUpdateRow(u, at())),
    format: "JSONEachRow",
  });
  await client.insert({
    table: RESULT_TABLES.members,
    values: updates.flatMap(toCampaignMemberRows),
    format: "JSONEachRow",
  });
  await client.insert({
    table: RESULT_TABLES.alerts,
    values: alerts.map((a) => toAlertRow(a, at())),
    format: "JSONEachRow",
  });
}

let client: ClickHouseClient;

beforeAll(async () => {
  const { clickhouseUrl } = servers();
  for (const db of [database, emptyDatabase]) {
    await ensureDatabase(clickhouseUrl, db);
    const c = createClickHouse({ url: clickhouseUrl, database: db });
    await applyMigrations(c);
    await c.close();
  }
  client = createClickHouse({ url: clickhouseUrl, database });
  // cmp_alpha: growing, alert open → high; acct_gone left after the first update.
  const alpha = [
    update("cmp_alpha", 0, ["acct_gone", ...members("alpha", 5)]),
    update("cmp_alpha", 5, members("alpha", 8)),
    update("cmp_alpha", 10, members("alpha", 12)),
    update("cmp_alpha", 15, members("alpha", 20)),
  ];
  // cmp_merged: its alert resolved when it merged into cmp_alpha.
  const merged = [
    update("cmp_merged", 0, members("merged", 6)),
    update("cmp_merged", 5, members("merged", 7)),
  ];
  // An id no one should trust: SQL quoting and HTML escaping end to end. Never alerted.
  const hostile = [update(HOSTILE, 10, members("hostile", 5), { status: "forming", score: 2.1 })];
  // cmp_old: last seen three days before the others.
  const old = [update("cmp_old", -3 * 24 * 60, members("old", 9))];
  const alerts = [
    alert("cmp_alpha", 0, 5, "open", "medium", "8 accounts linked by template 1a5921fd783b21eb"),
    alert("cmp_alpha", 1, 15, "update", "high", "20 accounts linked by template 1a5921fd783b21eb"),
    alert("cmp_merged", 0, 0, "open", "medium", "6 accounts linked"),
    alert("cmp_merged", 1, 10, "resolved", "low", "merged into cmp_alpha"),
    alert("cmp_old", 0, -3 * 24 * 60, "open", "critical", "9 accounts, three days ago"),
  ];
  await insert(client, [...alpha, ...merged, ...hostile, ...old], alerts);
  // A replay: the sink writes the same rows again; the report must show each campaign once.
  await insert(client, alpha, alerts.slice(0, 2));
});

afterAll(async () => {
  await client?.close();
  // Not bound to either database: a client bound to one fails once it is dropped.
  const admin = createClickHouse({ url: servers().clickhouseUrl });
  for (const db of [database, emptyDatabase]) await admin.command({ query: `DROP DATABASE IF EXISTS ${db}` });
  await admin.close();
});

const rowsOf = (stdout: string, id: string) => stdout.split("\n").filter((l) => l.startsWith(`│ ${id} `));

describe("npm run report", () => {
  it("prints the current campaigns, highest severity first, and writes a self-contained page", () => {
    const out = join(dir, "current", "campaigns.html");
    const r = report(["--database", database, "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("\u001b["); // not a terminal: no colours
    expect(rowsOf(r.stdout, "cmp_alpha")).toHaveLength(1);
    const alphaRow = rowsOf(r.stdout, "cmp_alpha")[0] ?? "";
    // severity, members, requests (40 × 16), first seen, last update, top fingerprint, top signal
    for (const cell of [
      "high",
      "20",
      "640",
      "2026-03-02 00:00",
      "2026-03-02 00:15",
      "template:1a5921fd… (20)",
    ]) {
      expect(alphaRow).toContain(cell);
    }
    expect(r.stdout).toContain("cot_rate 0.74, z 9.4");
    expect(r.stdout).toContain("multi_asn_share 1.00, z n/a");
    expect(r.stdout).toContain(HOSTILE);
    expect(r.stdout.indexOf("cmp_alpha")).toBeLessThan(r.stdout.indexOf(HOSTILE));
    expect(r.stdout).not.toContain("cmp_merged"); // resolved
    expect(r.stdout).not.toContain("cmp_old"); // out of the default 24 h
    expect(r.stdout).toContain(`HTML summary of 2 campaigns: ${out}`);

    const html = readFileSync(out, "utf8");
    expect(externalReferences(html)).toEqual([]);
    expect(html.match(/<svg\b/g)).toHaveLength(2);
    expect(html).not.toContain("<script");
    expect(html).toContain("cmp_&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\\");
    expect(html).toContain("20 accounts linked by template 1a5921fd783b21eb");
    expect(html).toContain("<code>alpha_0</code>");
    expect(html).not.toContain("acct_gone"); // left the campaign
  });

  it("includes resolved campaigns with --all, older ones with --since, and ranks by severity", () => {
    const all = report(["--database", database, "--out", join(dir, "all.html"), "--all", "--since", "all"]);
    expect(all.status, all.stderr).toBe(0);
    expect(rowsOf(all.stdout, "cmp_merged")[0]).toContain("low");
    expect(all.stdout).toContain("active, alert resolved");
    expect(rowsOf(all.stdout, "cmp_old")[0]).toContain("critical");
    const order = ["cmp_old", "cmp_alpha", HOSTILE, "cmp_merged"].map((id) => all.stdout.indexOf(`│ ${id} `));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(readFileSync(join(dir, "all.html"), "utf8").match(/<svg\b/g)).toHaveLength(4);

    const top = report(["--database", database, "--out", join(dir, "top.html"), "--limit", "1"]);
    expect(top.status, top.stderr).toBe(0);
    expect(top.stdout).toContain("HTML summary of 1 campaign:");
    expect(rowsOf(top.stdout, "cmp_alpha")).toHaveLength(1);
  });

  it("says there is nothing in range, exit 0, and writes the page with that line", () => {
    const later = report(["--database", database, "--out", join(dir, "later.html"), "--since", "2026-03-03"]);
    expect(later.status, later.stderr).toBe(0);
    expect(later.stdout).toContain(
      `No current campaigns in database ${database} updated since 2026-03-03 00:00 UTC`,
    );
    const none = report(["--database", emptyDatabase, "--out", join(dir, "empty.html")]);
    expect(none.status, none.stderr).toBe(0);
    expect(none.stdout).toContain(`No campaigns: database ${emptyDatabase} has no campaign updates yet.`);
    const html = readFileSync(join(dir, "empty.html"), "utf8");
    expect(html).toContain("has no campaign updates yet.");
    expect(html).not.toContain("<svg");
  });

  it("exits 1 with one line naming the URL when ClickHouse cannot be reached or lacks the database", () => {
    const down = report(["--out", join(dir, "down.html")], { CLICKHOUSE_URL: "http://user:pw@127.0.0.1:1" });
    expect(down.status).toBe(1);
    expect(down.stderr.trim().split("\n")).toHaveLength(1);
    expect(down.stderr).toContain("cannot reach ClickHouse at http://127.0.0.1:1 (ECONNREFUSED)");
    expect(down.stderr).not.toContain("pw@");
    const missing = report(["--database", `${database}_missing`, "--out", join(dir, "missing.html")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`has no database '${database}_missing'`);
  });

  it("exits 2 on bad flags or settings, naming each and what would do", () => {
    const r = report(["--limit", "0", "--since", "yesterday", "--database", "bad-name"], {
      CLICKHOUSE_URL: "ftp://127.0.0.1:8123",
    });
    expect(r.status).toBe(2);
    for (const part of [
      "CLICKHOUSE_URL: must use http: or https:, not ftp:",
      "--limit: must be between 1 and 1000 (got '0')",
      "--since: must be a duration back from the newest campaign update",
      "--database: must match an identifier",
    ]) {
      expect(r.stderr).toContain(part);
    }
    const unknown = report(["--limt", "5"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--limt'");
    const help = report(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--since <range>");
  });
});
