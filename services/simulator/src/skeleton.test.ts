import { describe, expect, it } from "vitest";
import { generateSkeletonTraffic } from "./skeleton.ts";

describe("generateSkeletonTraffic", () => {
  const opts = { seed: 7, count: 50, startMs: 1_767_225_600_000 };

  it("is deterministic for a seed", () => {
    expect(generateSkeletonTraffic(opts)).toEqual(generateSkeletonTraffic(opts));
  });

  it("differs across seeds", () => {
    expect(generateSkeletonTraffic(opts)).not.toEqual(generateSkeletonTraffic({ ...opts, seed: 8 }));
  });

  it("advances event time monotonically from startMs", () => {
    const events = generateSkeletonTraffic(opts);
    expect(events).toHaveLength(50);
    expect(events[0]?.event_time_ms).toBeGreaterThanOrEqual(opts.startMs);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]?.event_time_ms).toBeGreaterThanOrEqual(events[i - 1]?.event_time_ms ?? 0);
    }
    expect(new Set(events.map((e) => e.request_id)).size).toBe(50);
  });
});
