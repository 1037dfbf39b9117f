import { describe, expect, it } from "vitest";
import { RateLimitBaseline } from "./rate-limits.ts";

const s = 1_000;
const h = 3_600_000;

describe("per-account rate limits", () => {
  it("catches an account at the request that puts more than the limit in one sliding minute", () => {
    const b = new RateLimitBaseline([{ key: "rpm_2", label: "", limit: 2, per: "minute" }]);
    for (const t of [0, 30 * s, 61 * s, 89 * s]) b.observe("slow", t);
    for (const t of [0, 20 * s, 40 * s]) b.observe("fast", t);
    // slow: at 61 s the window (1 s, 61 s] holds 30 s and 61 s; at 89 s it holds 30, 61, 89.
    expect(Object.fromEntries(b.caughtBy("rpm_2"))).toEqual({ fast: 40 * s, slow: 89 * s });
  });

  it("slides the day window by the hour and keeps the first catch", () => {
    const b = new RateLimitBaseline([{ key: "rpd_3", label: "", limit: 3, per: "day" }]);
    for (const t of [0, 1, 2, 24 * h, 24 * h + 1]) b.observe("quiet", t);
    for (const t of [0, 5 * h, 10 * h, 23 * h, 30 * h]) b.observe("busy", t);
    expect(b.caughtBy("rpd_3").has("quiet")).toBe(false);
    expect(b.caughtBy("rpd_3").get("busy")).toBe(23 * h);
  });
});
