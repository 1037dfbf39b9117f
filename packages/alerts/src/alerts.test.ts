import type { Alert } from "@distillguard/contract";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AlertDetail, AlertLifecycle, type LifecycleConfig, severityOf } from "./alerts.ts";
import { AlertConfigError } from "./errors.ts";

/** Severities at 1.5× and 2× the opening score, as the detector's account alerts have them. */
const config: LifecycleConfig = {
  openScore: 3,
  resolveScore: 1.5,
  resolveAfter: 3,
  severity: { high: 4.5, critical: 6 },
  memberChange: 0.1,
};

const detail = (members = 1, summary = "x"): AlertDetail => ({ signals: [], members, summary });
const states = (records: (Alert | null)[]) => records.map((r) => r?.state ?? "-");

describe("severityOf", () => {
  it("reads the thresholds from the config: medium from openScore, then high and critical", () => {
    const cfg = { openScore: 4, severity: { high: 5, critical: 5.5 } };
    expect([3.99, 4, 4.99, 5, 5.49, 5.5, 9].map((s) => severityOf(s, cfg))).toEqual([
      "low",
      "medium",
      "medium",
      "high",
      "high",
      "critical",
      "critical",
    ]);
  });
});

describe("AlertLifecycle", () => {
  it("opens once, updates only on a severity change, ignores wobble inside the band, resolves after a low run, reopens", () => {
    const l = new AlertLifecycle("account", config);
    const scores = [1, 3.2, 2.9, 3.1, 2.0, 3.0, 5.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 3.5];
    const records = scores.map((s, i) => l.observe("acct", s, i, detail()));
    // 2.0 after 5.0 is back inside the band but a lower severity: one update, then a low run resolves.
    expect(states(records)).toEqual([
      "-",
      "open",
      "-",
      "-",
      "-",
      "-",
      "update",
      "-",
      "-",
      "update",
      "-",
      "-",
      "resolved",
      "open",
    ]);
    expect(records.map((r) => r?.severity ?? "-")).toEqual([
      "-",
      "medium",
      "-",
      "-",
      "-",
      "-",
      "high",
      "-",
      "-",
      "medium",
      "-",
      "-",
      "low",
      "medium",
    ]);
    // The alert after resolution is a new one.
    expect(records[1]?.alert_id).toBe("account:acct:1");
    expect(records[13]?.alert_id).toBe("account:acct:13");
    expect(records[13]?.revision).toBe(0);
  });

  it("keeps one alert id and opening, with increasing revisions, until it resolves", () => {
    const l = new AlertLifecycle("campaign", { ...config, resolveAfter: 1 });
    const a = l.observe("c1", 3, 100, detail());
    const b = l.observe("c1", 7, 200, detail());
    const c = l.observe("c1", 0, 300, detail());
    expect([a?.alert_id, b?.alert_id, c?.alert_id]).toEqual([
      "campaign:c1:100",
      "campaign:c1:100",
      "campaign:c1:100",
    ]);
    expect([a?.opened_at_ms, b?.opened_at_ms, c?.opened_at_ms]).toEqual([100, 100, 100]);
    expect([a?.revision, b?.revision, c?.revision]).toEqual([0, 1, 2]);
    expect([a?.severity, b?.severity, c?.severity]).toEqual(["medium", "critical", "low"]);
    expect(c?.state).toBe("resolved");
    expect(l.openCount).toBe(0);
  });

  it("opens at the severity of its score", () => {
    const l = new AlertLifecycle("campaign", config);
    expect(l.observe("a", 4.5, 0, detail())?.severity).toBe("high");
    expect(l.observe("b", 6, 0, detail())?.severity).toBe("critical");
  });

  it("never emits below the opening score, and a record carries the caller's detail", () => {
    const l = new AlertLifecycle("campaign", config);
    expect(l.observe("c", 2.99, 0, detail(9))).toBeNull();
    const shared = [{ kind: "template" as const, value: "ab", weight: 1, member_count: 9 }];
    const signals = [{ name: "cot_rate", value: 0.9, baseline: 0.1, z: 5, contribution: 1 }];
    const r = l.observe("c", 3, 10, { signals, shared, members: 9, summary: "9 accounts" });
    expect(r).toMatchObject({
      subject_kind: "campaign",
      subject_id: "c",
      state: "open",
      score: 3,
      event_time_ms: 10,
      member_count: 9,
      top_signals: signals,
      shared_fingerprints: shared,
      summary: "9 accounts",
    });
  });

  it("updates when the member count changes by the configured share, one member at least", () => {
    const l = new AlertLifecycle("campaign", config);
    const run = (members: number, t: number) => l.observe("c", 3.5, t, detail(members))?.member_count ?? "-";
    // 40 → 43 is under 10%; 44 is 10% of the last reported 40; then measured from 44.
    expect([run(40, 0), run(43, 1), run(44, 2), run(48, 3), run(49, 4), run(39, 5)]).toEqual([
      40,
      "-",
      44,
      "-",
      49,
      39,
    ]);
    // Small campaigns: one member is material.
    const small = new AlertLifecycle("campaign", config);
    small.observe("s", 3.5, 0, detail(5));
    expect(small.observe("s", 3.5, 1, detail(6))?.state).toBe("update");
    // memberChange 0: every change of one member is.
    const every = new AlertLifecycle("campaign", { ...config, memberChange: 0 });
    every.observe("e", 3.5, 0, detail(100));
    expect(every.observe("e", 3.5, 1, detail(101))?.state).toBe("update");
  });

  it("emits no update on the way to resolution, member changes included", () => {
    const l = new AlertLifecycle("campaign", config);
    l.observe("c", 6, 0, detail(40));
    expect(l.observe("c", 1, 1, detail(10))).toBeNull();
    expect(l.observe("c", 1, 2, detail(5))).toBeNull();
    const r = l.observe("c", 1, 3, detail(5));
    expect(r?.state).toBe("resolved");
    expect(r?.member_count).toBe(5);
  });

  it("counts only consecutive low or quiet evaluations; one in the band starts over", () => {
    const l = new AlertLifecycle("account", config);
    l.observe("a", 4, 0, detail());
    expect(states([l.quiet("a", 1), l.observe("a", 1, 2, detail()), l.observe("a", 2, 3, detail())])).toEqual(
      ["-", "-", "-"],
    );
    expect(states([l.quiet("a", 4), l.observe("a", 0, 5, detail()), l.quiet("a", 6)])).toEqual([
      "-",
      "-",
      "resolved",
    ]);
  });

  it("resolves subjects that go quiet, with the summary the caller chose", () => {
    const l = new AlertLifecycle("account", { ...config, resolveAfter: 2 });
    l.observe("a", 4, 0, detail());
    expect(l.quiet("a", 1)).toBeNull();
    const r = l.quiet("a", 2);
    expect(r).toMatchObject({
      state: "resolved",
      severity: "low",
      score: 0,
      summary: "resolved: a inactive",
    });
    expect(l.quiet("a", 3)).toBeNull();

    const c = new AlertLifecycle("campaign", config, {
      resolvedSummary: (s, d) => `${s} faded (${d ? "low" : "quiet"})`,
    });
    c.observe("c", 4, 0, detail(12));
    c.observe("c", 1, 1, detail(12));
    c.observe("c", 1, 2, detail(12));
    expect(c.observe("c", 1, 3, detail(11))?.summary).toBe("c faded (low)");
    c.observe("d", 4, 0, detail(12));
    c.quiet("d", 1);
    c.quiet("d", 2);
    // Quiet: the member count the caller gives, else the last reported.
    expect(c.quiet("d", 3, 7)).toMatchObject({ summary: "d faded (quiet)", member_count: 7 });
    c.observe("e", 4, 0, detail(12));
    c.quiet("e", 1);
    c.quiet("e", 2);
    expect(c.quiet("e", 3)?.member_count).toBe(12);
  });

  it("defaults the resolved summary to the evaluation's", () => {
    const l = new AlertLifecycle("account", { ...config, resolveAfter: 1 });
    l.observe("a", 4, 0, detail());
    expect(l.observe("a", 0.5, 1, detail(1, "a: 3 requests"))?.summary).toBe("resolved: a: 3 requests");
  });

  describe("merge", () => {
    it("resolves the absorbed alert as `merged into`, keeps the survivor's opening and records the merge in its next update", () => {
      const l = new AlertLifecycle("campaign", config);
      l.observe("b", 5, Date.parse("2026-03-02T01:00:00Z"), detail(20));
      const early = Date.parse("2026-03-02T00:05:00Z");
      l.observe("a", 5, early, detail(20));
      const now = Date.parse("2026-03-02T02:00:00Z");
      const merged = l.merge("a", "b", now, 21);
      expect(merged).toMatchObject({
        alert_id: `campaign:a:${early}`,
        revision: 1,
        state: "resolved",
        severity: "low",
        score: 0,
        member_count: 21,
        summary: "merged into b",
        opened_at_ms: early,
        event_time_ms: now,
      });
      // The quality bench reads merges from exactly this summary.
      expect(/^merged into (\S+)$/.exec(merged?.summary ?? "")?.[1]).toBe("b");
      expect(l.isOpen("a")).toBe(false);
      // Nothing else changed, yet the survivor's record at this evaluation says what it absorbed.
      const u = l.observe("b", 5, now, detail(20, "20 accounts"));
      expect(u).toMatchObject({
        alert_id: `campaign:b:${Date.parse("2026-03-02T01:00:00Z")}`,
        state: "update",
        revision: 1,
        opened_at_ms: Date.parse("2026-03-02T01:00:00Z"),
        summary: `20 accounts; absorbed campaign:a:${early} (opened 2026-03-02T00:05:00Z)`,
      });
      // Once.
      expect(l.observe("b", 5, now + 1, detail(20))).toBeNull();
    });

    it("lets a survivor without an open alert continue the absorbed one, announced as open", () => {
      const l = new AlertLifecycle("campaign", config);
      l.observe("a", 5, 100, detail(20));
      l.observe("a", 5.2, 200, detail(40));
      expect(l.merge("a", "b", 300, 40)?.summary).toBe("merged into b");
      // Announced at the survivor's evaluation even below the opening score.
      const o = l.observe("b", 2, 300, detail(45, "45 accounts"));
      expect(o).toMatchObject({
        alert_id: "campaign:b:100",
        revision: 0,
        state: "open",
        severity: "medium",
        opened_at_ms: 100,
        member_count: 45,
        summary: `45 accounts; absorbed campaign:a:100 (opened ${new Date(100).toISOString()})`,
      });
      // From then on, the usual rules.
      expect(l.observe("b", 2, 400, detail(45))).toBeNull();
      expect(l.observe("b", 5, 500, detail(45))).toMatchObject({
        state: "update",
        severity: "high",
        revision: 1,
      });
    });

    it("treats a survivor whose alert resolved like one that never had one", () => {
      const l = new AlertLifecycle("campaign", { ...config, resolveAfter: 1 });
      l.observe("b", 4, 0, detail(5));
      expect(l.observe("b", 0, 1, detail(5))?.state).toBe("resolved");
      l.observe("a", 4, 2, detail(5));
      l.merge("a", "b", 3);
      expect(l.observe("b", 4, 3, detail(10))).toMatchObject({
        state: "open",
        alert_id: "campaign:b:2",
        opened_at_ms: 2,
      });
    });

    it("does nothing to the survivor when the absorbed subject had no open alert", () => {
      const l = new AlertLifecycle("campaign", config);
      l.observe("b", 4, 0, detail(5));
      expect(l.merge("a", "b", 1)).toBeNull();
      expect(l.observe("b", 4, 1, detail(5))).toBeNull();
      expect(l.merge("x", "y", 1)).toBeNull();
      expect(l.isOpen("y")).toBe(false);
    });

    it("continues the earliest opening when several alerts merge into a survivor before it is announced", () => {
      const l = new AlertLifecycle("campaign", config);
      l.observe("x", 4, 300, detail(5));
      l.observe("y", 4, 100, detail(5));
      l.observe("z", 4, 200, detail(5));
      l.merge("x", "s", 400);
      l.merge("y", "s", 400);
      l.merge("z", "s", 400);
      const o = l.observe("s", 4, 400, detail(15));
      expect(o).toMatchObject({ alert_id: "campaign:s:100", opened_at_ms: 100, state: "open" });
      expect(o?.summary).toContain("absorbed campaign:x:300");
      expect(o?.summary).toContain("campaign:y:100");
      expect(o?.summary).toContain("campaign:z:200");
    });

    it("names everything a chain of merges absorbed, and keeps an announced survivor's opening though an earlier one joins", () => {
      const l = new AlertLifecycle("campaign", config);
      l.observe("c", 4, 500, detail(5));
      l.observe("b", 4, 100, detail(5));
      l.observe("a", 4, 50, detail(5));
      l.merge("a", "b", 600);
      // b has not reported since absorbing a when it is absorbed in turn.
      l.merge("b", "c", 600);
      const u = l.observe("c", 4, 600, detail(15, "s"));
      expect(u).toMatchObject({ alert_id: "campaign:c:500", opened_at_ms: 500, state: "update" });
      expect(u?.summary).toBe(
        `s; absorbed campaign:b:100 (opened ${new Date(100).toISOString()}), campaign:a:50 (opened ${new Date(50).toISOString()})`,
      );
    });

    it("records a merge on the way to resolution, and in the resolved record if it resolves", () => {
      const l = new AlertLifecycle("campaign", config);
      l.observe("s", 4, 0, detail(5));
      l.observe("a", 4, 0, detail(5));
      l.observe("s", 1, 1, detail(5));
      l.merge("a", "s", 2);
      expect(l.observe("s", 1, 2, detail(5))).toMatchObject({ state: "update", severity: "medium" });
      l.observe("b", 4, 2, detail(5));
      l.merge("b", "s", 3);
      const r = l.observe("s", 1, 3, detail(5, "low"));
      expect(r?.state).toBe("resolved");
      expect(r?.summary).toBe(`resolved: low; absorbed campaign:b:2 (opened ${new Date(2).toISOString()})`);
    });
  });

  describe("continuations never announced (fast-check counterexamples)", () => {
    it("passes a continuation on silently when it is merged again before it reports", () => {
      const l = new AlertLifecycle("campaign", config);
      l.observe("c", 3, 0, detail(1));
      expect(l.merge("c", "a", 1)?.state).toBe("resolved");
      // a never reported under its own id: no record may resolve campaign:a:0.
      expect(l.merge("a", "d", 2)).toBeNull();
      const o = l.observe("d", 3, 3, detail(1));
      expect(o).toMatchObject({ alert_id: "campaign:d:0", state: "open", revision: 0 });
      expect(o?.summary).toContain("absorbed campaign:c:0 (opened 1970-01-01T00:00:00Z)");
      expect(o?.summary).not.toContain("campaign:a:");
    });

    it("never reopens a resolved id when a subject absorbs its own merged alert back", () => {
      const l = new AlertLifecycle("campaign", config);
      l.observe("c", 3, 0, detail(1));
      l.merge("c", "d", 1);
      expect(l.merge("d", "c", 2)).toBeNull();
      const o = l.observe("c", 0, 3, detail(1));
      expect(o).toMatchObject({ alert_id: "campaign:c:2", opened_at_ms: 2, state: "open" });
      expect(o?.summary).toContain("absorbed campaign:c:0");
    });

    it("ends a continuation that goes quiet before it reports without a record", () => {
      const l = new AlertLifecycle("campaign", config);
      l.observe("a", 3, 0, detail(1));
      l.merge("a", "c", 1);
      expect([l.quiet("c", 2), l.quiet("c", 3), l.quiet("c", 4)]).toEqual([null, null, null]);
      expect(l.isOpen("c")).toBe(false);
    });
  });

  it("never changes an alert's opening after its open record, whatever happens (fast-check)", () => {
    const subjects = ["a", "b", "c", "d"];
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("observe" as const),
        s: fc.constantFrom(...subjects),
        score: fc.double({ min: 0, max: 8, noNaN: true }),
        members: fc.integer({ min: 1, max: 60 }),
      }),
      fc.record({ kind: fc.constant("quiet" as const), s: fc.constantFrom(...subjects) }),
      fc.record({
        kind: fc.constant("merge" as const),
        s: fc.constantFrom(...subjects),
        into: fc.constantFrom(...subjects),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const l = new AlertLifecycle("campaign", config);
        const out: Alert[] = [];
        ops.forEach((o, t) => {
          const r =
            o.kind === "observe"
              ? l.observe(o.s, o.score, t, detail(o.members))
              : o.kind === "quiet"
                ? l.quiet(o.s, t)
                : o.s === o.into
                  ? null
                  : l.merge(o.s, o.into, t);
          if (r) out.push(r);
        });
        const opened = new Map<string, number>();
        const last = new Map<string, Alert>();
        for (const r of out) {
          const seen = opened.get(r.alert_id);
          if (seen === undefined) {
            // An alert's first record opens it, and its id names that opening.
            expect(r.state).toBe("open");
            expect(r.alert_id).toBe(`campaign:${r.subject_id}:${r.opened_at_ms}`);
            opened.set(r.alert_id, r.opened_at_ms);
          } else {
            expect(r.opened_at_ms).toBe(seen);
            expect(last.get(r.alert_id)?.state).not.toBe("resolved");
            expect(r.revision).toBe((last.get(r.alert_id)?.revision ?? -1) + 1);
          }
          last.set(r.alert_id, r);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("restores a snapshot taken mid-alert and continues exactly as if it had never stopped", () => {
    const script = (l: AlertLifecycle, from: number, to: number) => {
      const out: (Alert | null)[] = [];
      const steps: ((t: number) => Alert | null)[] = [
        (t) => l.observe("a", 4, t, detail(10)),
        (t) => l.observe("b", 5, t, detail(10)),
        (t) => l.observe("a", 2, t, detail(12)),
        (t) => l.merge("b", "c", t, 10),
        (t) => l.observe("a", 1, t, detail(12)),
        (t) => l.observe("c", 3, t, detail(22)),
        (t) => l.quiet("a", t),
        (t) => l.observe("c", 6, t, detail(30)),
        (t) => l.quiet("a", t),
        (t) => l.observe("a", 3.5, t, detail(3)),
      ];
      for (let i = from; i < to; i++) out.push(steps[i]?.(i * 100) ?? null);
      return out;
    };
    const straight = new AlertLifecycle("campaign", config);
    const all = script(straight, 0, 10);
    for (let cut = 0; cut <= 10; cut++) {
      const first = new AlertLifecycle("campaign", config);
      const head = script(first, 0, cut);
      const again = new AlertLifecycle("campaign", config);
      again.restore(JSON.parse(JSON.stringify(first.snapshot())));
      expect([...head, ...script(again, cut, 10)]).toEqual(all);
      expect(again.snapshot()).toEqual(straight.snapshot());
    }
    expect(states(all)).toEqual([
      "open",
      "open",
      "update",
      "resolved",
      "-",
      "open",
      "-",
      "update",
      "resolved",
      "open",
    ]);
  });

  it("restores snapshots written before merges and member counts were kept", () => {
    const l = new AlertLifecycle("account", config);
    l.restore([["acct", { id: "account:acct:5", openedAt: 5, revision: 2, lowStreak: 1, severity: "high" }]]);
    expect(l.observe("acct", 3.5, 10, detail())).toMatchObject({
      alert_id: "account:acct:5",
      state: "update",
      severity: "medium",
      revision: 3,
      opened_at_ms: 5,
    });
    expect(l.snapshot()).toEqual([
      [
        "acct",
        {
          id: "account:acct:5",
          openedAt: 5,
          revision: 3,
          lowStreak: 0,
          severity: "medium",
          members: 1,
          announced: true,
          absorbed: [],
        },
      ],
    ]);
  });

  it("rejects configs the rules cannot work with, naming the key", () => {
    const bad: [Partial<LifecycleConfig>, string][] = [
      [{ resolveScore: 4 }, "resolveScore"],
      [{ resolveAfter: 0 }, "resolveAfter"],
      [{ resolveAfter: 1.5 }, "resolveAfter"],
      [{ severity: { high: 2, critical: 6 } }, "severity.high"],
      [{ severity: { high: 5, critical: 4.9 } }, "severity.critical"],
      [{ memberChange: -0.1 }, "memberChange"],
      [{ openScore: Number.NaN }, "openScore"],
    ];
    for (const [patch, key] of bad) {
      expect(() => new AlertLifecycle("account", { ...config, ...patch })).toThrow(AlertConfigError);
      expect(() => new AlertLifecycle("account", { ...config, ...patch })).toThrow(
        new RegExp(`config: ${key} is`),
      );
    }
  });
});
