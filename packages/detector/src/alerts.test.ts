import { describe, expect, it } from "vitest";
import { AlertLifecycle } from "./alerts.ts";

const detail = { signals: [], summary: "x" };

describe("AlertLifecycle", () => {
  it("opens once, updates only on a severity change, ignores wobble inside the band, resolves after a low run", () => {
    const l = new AlertLifecycle("account", { openScore: 3, resolveScore: 1.5, resolveAfter: 3 });
    const scores = [1, 3.2, 2.9, 3.1, 2.0, 3.0, 5.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 3.5];
    const states = scores.map((s, i) => l.observe("acct", s, i, detail)?.state ?? "-");
    // 2.0 after 5.0 is back inside the band but a lower severity: one update, then a low run resolves.
    expect(states).toEqual([
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
  });

  it("keeps one alert id and increasing revisions until it resolves", () => {
    const l = new AlertLifecycle("campaign", { openScore: 3, resolveScore: 1.5, resolveAfter: 1 });
    const a = l.observe("c1", 3, 100, detail);
    const b = l.observe("c1", 7, 200, detail);
    const c = l.observe("c1", 0, 300, detail);
    expect([a?.alert_id, b?.alert_id, c?.alert_id]).toEqual([
      "campaign:c1:100",
      "campaign:c1:100",
      "campaign:c1:100",
    ]);
    expect([a?.revision, b?.revision, c?.revision]).toEqual([0, 1, 2]);
    expect(c?.state).toBe("resolved");
    expect(l.openCount).toBe(0);
  });

  it("resolves subjects that go quiet", () => {
    const l = new AlertLifecycle("account", { openScore: 3, resolveScore: 1.5, resolveAfter: 2 });
    l.observe("a", 4, 0, detail);
    expect(l.quiet("a", 1)).toBeNull();
    expect(l.quiet("a", 2)?.state).toBe("resolved");
  });
});
