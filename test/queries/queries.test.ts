// docs/queries.sql on seeded results, on the test server (ClickHouse 18.16 locally) and on a
// current release (chDB): each query runs with its default parameters and with parameters bound
// the way an analyst edits them, returns what the fixture's story says, and both engines return
// the same rows. The fixture stores some records twice (replays): counts must not double.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { type ChdbRun, resultOf } from "../chdb/chdb.ts";
import {
  echoMember,
  FIXTURE,
  formingMember,
  hydraCounters,
  hydraMember,
  resultFixture,
} from "../fixtures/results.ts";
import { normalizeRows, type Row, rows, runSeededChdb, seedServer } from "../fixtures/seeded.ts";
import { bindParams, paramUses, parseQueryFile, type QueryBlock } from "./query-file.ts";

const file = new URL("../../docs/queries.sql", import.meta.url);
const blocks = parseQueryFile(readFileSync(file, "utf8"));
const C = FIXTURE.campaigns;
const A = FIXTURE.accounts;

interface Run {
  /** Parameters bound for this run; {} runs the file's defaults. */
  params: Record<string, string | number>;
  check(rows: Row[]): void;
}

const hydraTimelineCheck = (r: Row[]) => {
  // 15 updates and 5 alert revisions; the replayed update and revision appear once.
  expect(r.filter((x) => x.event === "campaign update")).toHaveLength(FIXTURE.hydraUpdates);
  const alerts = r.filter((x) => String(x.event).startsWith("alert "));
  expect(alerts.map((x) => [x.event, x.severity])).toEqual([
    ["alert open", "medium"],
    ["alert update", "medium"],
    ["alert update", "high"],
    ["alert update", "critical"],
    ["alert update", "critical"],
  ]);
  const times = r.map((x) => String(x.at));
  expect([...times].sort()).toEqual(times);
  expect(r[0]).toMatchObject({ event: "campaign update", status: "forming", members: 6 });
  const last = r.filter((x) => x.event === "campaign update").at(-1);
  expect(last).toMatchObject({ status: "active", members: 48, requests: hydraCounters(14).requests });
  expect(String(last?.detail)).toMatch(/^cot_rate=0\.94, multi_asn_share=0\.92/);
};

const hydraSignalsCheck = (r: Row[]) => {
  expect(r).toHaveLength(FIXTURE.hydraMembers * 3);
  expect(new Set(r.map((x) => x.account_id))).toEqual(
    new Set(Array.from({ length: FIXTURE.hydraMembers }, (_, i) => hydraMember(i))),
  );
  expect(r.slice(0, 3)).toEqual([
    expect.objectContaining({
      member_rank: 0,
      account_id: hydraMember(0),
      signal: "cot_rate",
      contribution: 0.45,
    }),
    expect.objectContaining({ member_rank: 0, signal: "template_top_share", value: 0.96, z: 6.7 }),
    expect.objectContaining({ member_rank: 0, signal: "reasoning_per_request", value: 980, baseline: 120 }),
  ]);
  expect(r.every((x) => x.flagged === 1)).toBe(true);
};

/** What each query must return on the fixture, by name; runs with defaults and bound params. */
const expectations: Record<string, Run[]> = {
  top_campaigns_now: [
    {
      params: {},
      check: (r) => {
        // The dormant campaign's last update is 160 min old: outside the default hour.
        expect(r.map((x) => x.campaign_id)).toEqual([C.hydra, C.echo, C.forming]);
        const c = hydraCounters(14);
        expect(r[0]).toMatchObject({
          status: "active",
          members: 48,
          score: 5.84,
          requests: c.requests,
          extracted_tokens: c.output_tokens + c.reasoning_tokens,
          top_signal: "cot_rate",
          alert_severity: "critical",
          alert_state: "update",
        });
        expect(r[1]).toMatchObject({ members: 9, alert_severity: "high" });
        expect(r[2]).toMatchObject({ status: "forming", alert_severity: "", alert_state: "" });
      },
    },
    {
      params: { lookback_hours: 4, max_rows: 2 },
      check: (r) => expect(r.map((x) => x.campaign_id)).toEqual([C.hydra, C.echo]),
    },
    {
      params: { lookback_hours: 4 },
      check: (r) => {
        expect(r.map((x) => x.campaign_id)).toEqual([C.hydra, C.echo, C.forming, C.dormant]);
        expect(r[3]).toMatchObject({ status: "dormant", alert_severity: "low", alert_state: "resolved" });
      },
    },
  ],
  campaign_timeline: [
    { params: {}, check: hydraTimelineCheck },
    { params: { campaign_id: C.hydra }, check: hydraTimelineCheck },
    {
      params: { campaign_id: C.echo },
      check: (r) => {
        expect(r.filter((x) => x.event === "campaign update")).toHaveLength(FIXTURE.echoUpdates);
        expect(r.filter((x) => x.event !== "campaign update").map((x) => x.severity)).toEqual([
          "medium",
          "high",
        ]);
      },
    },
  ],
  campaign_member_signals: [
    { params: {}, check: hydraSignalsCheck },
    {
      params: { campaign_id: C.echo },
      check: (r) => {
        expect(r).toHaveLength(FIXTURE.echoMembers * 3);
        expect(r.map((x) => x.account_id)).toContain(echoMember(8));
      },
    },
  ],
  campaign_shared_fingerprints: [
    {
      params: {},
      check: (r) =>
        expect(r).toEqual([
          // Every hydra account used both templates; each request counted once despite replays.
          {
            kind: "template",
            value: FIXTURE.templates.hydra,
            weight: 4.92,
            members_sharing: 34,
            sampled_accounts: 48,
            sampled_non_members: 0,
            sampled_requests: 48 * 3,
          },
          {
            kind: "template",
            value: FIXTURE.templates.hydraAlt,
            weight: 5.17,
            members_sharing: 20,
            sampled_accounts: 48,
            sampled_non_members: 0,
            sampled_requests: 48 * 2,
          },
          // The café behind the same /24 is the one non-member.
          {
            kind: "ip_prefix",
            value: FIXTURE.prefixes.hydra,
            weight: 6.01,
            members_sharing: 5,
            sampled_accounts: 6,
            sampled_non_members: 1,
            sampled_requests: 8,
          },
          {
            kind: "ip_prefix",
            value: FIXTURE.prefixes.hydraSmall,
            weight: 6.3,
            members_sharing: 3,
            sampled_accounts: 3,
            sampled_non_members: 0,
            sampled_requests: 3,
          },
        ]),
    },
    {
      params: { campaign_id: C.echo },
      check: (r) =>
        expect(r).toEqual([
          expect.objectContaining({ kind: "template", value: FIXTURE.templates.echo, sampled_accounts: 9 }),
        ]),
    },
  ],
  accounts_sharing_fingerprint: [
    {
      params: {},
      check: (r) => {
        // Default: the top campaign's first shared fingerprint, hydra's main template.
        expect(r).toHaveLength(48);
        expect(r.every((x) => x.campaign_id === C.hydra && x.sampled_requests === 3)).toBe(true);
      },
    },
    {
      params: { fingerprint_kind: "ip_prefix", fingerprint_value: FIXTURE.prefixes.hydra },
      check: (r) => {
        expect(r.map((x) => x.account_id)).toEqual([A.cafeWifi, ...[0, 1, 2, 3, 4].map(hydraMember)]);
        // Replayed copies of accounts 0-3's request from the /24 count once.
        expect(r.slice(1).every((x) => x.sampled_requests === 1 && x.flagged === 1)).toBe(true);
        expect(r[0]).toMatchObject({
          sampled_requests: 3,
          addresses: 3,
          campaign_id: "",
          flagged: 0,
          user_agents: ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15"],
        });
      },
    },
    {
      // IPv6 networks as the linker names them: the /48 of both of the phone's /64s.
      params: { fingerprint_kind: "ip_prefix", fingerprint_value: FIXTURE.prefixes.phone6 },
      check: (r) => {
        expect(r).toEqual([
          expect.objectContaining({
            account_id: A.phone6,
            sampled_requests: 2,
            addresses: 2,
            campaign_id: "",
          }),
        ]);
      },
    },
    {
      params: { fingerprint_kind: "asn", fingerprint_value: String(FIXTURE.hydraAsns[0]) },
      check: (r) => {
        expect(r).toHaveLength(48);
        expect(r.every((x) => String(x.account_id).startsWith("acct_hydra_"))).toBe(true);
      },
    },
    {
      params: { fingerprint_kind: "tls", fingerprint_value: FIXTURE.hydraTls },
      check: (r) => {
        expect(r).toHaveLength(48);
        expect(r[0]).toMatchObject({ sampled_requests: 5, asns: 3, user_agents: [FIXTURE.hydraUserAgent] });
      },
    },
  ],
  extracted_tokens_per_campaign: [
    {
      params: {},
      check: (r) => {
        expect(r.map((x) => x.campaign_id)).toEqual([C.hydra, C.echo, C.dormant, C.forming]);
        const now = hydraCounters(14);
        const atAlert = hydraCounters(3);
        expect(r[0]).toMatchObject({
          requests: now.requests,
          output_tokens: now.output_tokens,
          reasoning_tokens: now.reasoning_tokens,
          extracted_tokens: now.output_tokens + now.reasoning_tokens,
          requests_before_first_alert: atAlert.requests,
          output_tokens_before_first_alert: atAlert.output_tokens,
          output_tokens_after_first_alert: now.output_tokens - atAlert.output_tokens,
          output_per_request: 1050,
        });
        // Never alerted: everything so far is "before the first alert".
        expect(r[3]).toMatchObject({ output_tokens_after_first_alert: 0 });
      },
    },
  ],
  false_positive_review_queue: [
    {
      params: {},
      check: (r) => {
        expect(r.map((x) => [x.account_id, x.reason])).toEqual([
          [A.translate, "volume only, no campaign"],
          [A.evalHarness, "no campaign"],
          [formingMember(0), "small campaign"],
          [formingMember(1), "small campaign"],
          [formingMember(2), "small campaign"],
        ]);
        expect(r[0]).toMatchObject({
          top_signal: "requests_24h",
          extraction_share: 0.08,
          alert_severity: "medium",
          alert_state: "open",
        });
        // Not there: the account whose alert resolved, members of larger campaigns, ordinary accounts.
        expect(r.map((x) => x.account_id)).not.toContain(A.recovered);
      },
    },
    {
      params: { small_campaign_members: 9, extraction_share_threshold: 0.01 },
      check: (r) => {
        expect(r.filter((x) => x.reason === "volume only, no campaign")).toHaveLength(0);
        expect(r.filter((x) => x.campaign_id === C.echo)).toHaveLength(9);
      },
    },
  ],
};

const runName = (b: QueryBlock, i: number) => `${b.name} #${i}`;
const sqlOf = (b: QueryBlock, run: Run) => bindParams(b.sql, run.params);

describe("docs/queries.sql", async () => {
  const fixture = resultFixture();
  const server = await seedServer("queries", fixture);
  afterAll(() => server.drop());
  let chdb: ChdbRun | undefined;
  const chdbRun = async () => {
    chdb ??= await runSeededChdb(
      fixture,
      blocks.flatMap((b) =>
        (expectations[b.name] ?? []).map((run, i) => ({ name: runName(b, i), sql: sqlOf(b, run) })),
      ),
    );
    return chdb;
  };

  it("holds the investigation queries, each saying what it answers, its parameters marked in place", () => {
    expect(blocks.map((b) => b.name)).toEqual(Object.keys(expectations));
    for (const b of blocks) {
      const uses = paramUses(b.sql);
      expect(new Set(uses.map((u) => u.name)), b.name).toEqual(new Set(b.params.map((p) => p.name)));
      // Every occurrence of a parameter carries the same default: editing one means editing all.
      for (const p of b.params) {
        expect(
          new Set(uses.filter((u) => u.name === p.name).map((u) => u.literal)).size,
          `${b.name}.${p.name}`,
        ).toBe(1);
      }
      expect(b.description.length, b.name).toBeGreaterThan(80);
    }
  });

  for (const b of blocks) {
    const runs = expectations[b.name] ?? [];
    describe(b.name, () => {
      runs.forEach((run, i) => {
        const label = Object.keys(run.params).length === 0 ? "defaults" : JSON.stringify(run.params);
        it(`on the test server and on chDB, with ${label}`, async () => {
          const onServer = await rows(server.client, sqlOf(b, run));
          run.check(onServer);
          const modern = resultOf(await chdbRun(), runName(b, i));
          expect(modern.error).toBeNull();
          const onChdb = normalizeRows(modern.rows ?? []);
          run.check(onChdb);
          expect(onChdb, `${b.name}: chDB ${chdb?.version} and ${server.version} disagree`).toEqual(onServer);
        });
      });
    });
  }
});
