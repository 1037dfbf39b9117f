import { describe, expect, it } from "vitest";
import { linkerTrigger, PartitionTimeline, summarize } from "./latency-core.ts";

const timeline = (records: [event: number, append: number][]) => {
  const t = new PartitionTimeline();
  for (const [e, a] of records) t.push(e, a);
  return t;
};

describe("PartitionTimeline", () => {
  it("finds the first record at or past an evaluation time, out-of-order events included", () => {
    const p = timeline([
      [100, 1],
      [290, 2],
      [250, 3], // late: does not move the running max
      [300, 4],
      [310, 5],
    ]);
    expect(p.evaluationTrigger(300)).toBe(4);
    expect(p.evaluationTrigger(291)).toBe(4);
    expect(p.evaluationTrigger(250)).toBe(2);
    expect(p.evaluationTrigger(100)).toBe(1);
    expect(p.evaluationTrigger(311)).toBeNull();
  });

  it("matches the detector's announced watermark: floor((max − lateness) / tick) · tick", () => {
    const lateness = 60;
    const tick = 100;
    const events = [50, 120, 170, 199, 230, 260, 400];
    const p = timeline(events.map((e, i) => [e, i]));
    // Brute force over the same rule the detector applies record by record.
    for (let t = 0; t <= 400; t += 10) {
      let max = Number.NEGATIVE_INFINITY;
      let want: number | null = null;
      for (const [i, e] of events.entries()) {
        max = Math.max(max, e);
        if (Math.floor((max - lateness) / tick) * tick >= t) {
          want = i;
          break;
        }
      }
      expect(p.watermarkTrigger(t, lateness, tick), `t=${t}`).toBe(want);
    }
  });

  it("gives the linker's trigger as the last partition to get there, ignoring empty ones", () => {
    const a = timeline([
      [0, 10],
      [200, 11],
    ]);
    const b = timeline([
      [0, 12],
      [150, 13],
      [300, 14],
    ]);
    expect(linkerTrigger([a, b, new PartitionTimeline()], 100, 0, 100)).toBe(13);
    expect(linkerTrigger([a, b], 200, 0, 100)).toBe(14);
    expect(linkerTrigger([a, b], 300, 0, 100)).toBeNull();
  });
});

describe("summarize", () => {
  it("takes nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(values)).toEqual({ count: 100, min: 1, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(summarize([7])).toEqual({ count: 1, min: 7, p50: 7, p90: 7, p99: 7, max: 7 });
    expect(summarize([])).toBeNull();
  });
});
