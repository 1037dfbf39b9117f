import { describe, expect, it } from "vitest";
import { combinedWatermark, idleSources, type SourceClocks } from "./watermarks.ts";

const clocks = (over: Partial<SourceClocks>): SourceClocks => ({
  sources: 3,
  watermarks: new Map(),
  lastInputAt: new Map(),
  since: 0,
  ...over,
});

describe("linker watermarks", () => {
  it("waits for every source, then takes the lowest", () => {
    const c = clocks({
      watermarks: new Map([
        [0, 500],
        [2, 900],
      ]),
    });
    expect(combinedWatermark(c, [])).toBeNull();
    const all = clocks({
      watermarks: new Map([
        [0, 500],
        [1, 700],
        [2, 900],
      ]),
    });
    expect(combinedWatermark(all, [])).toBe(500);
    expect(combinedWatermark(clocks({ sources: 0 }), [])).toBeNull();
  });

  it("never calls a source idle with idleness off", () => {
    const c = clocks({ lastInputAt: new Map([[0, 0]]), since: 0 });
    expect(idleSources(c, 1e12, 0)).toEqual([]);
  });

  it("leaves out a source silent for the idle time, and counts it again once it sends", () => {
    const idleMs = 60_000;
    // Source 1 never sent anything; 0 and 2 keep sending.
    const quiet = clocks({
      watermarks: new Map([
        [0, 5_000],
        [2, 8_000],
      ]),
      lastInputAt: new Map([
        [0, 59_000],
        [2, 59_500],
      ]),
      since: 0,
    });
    expect(idleSources(quiet, 59_999, idleMs)).toEqual([]);
    expect(combinedWatermark(quiet, idleSources(quiet, 59_999, idleMs))).toBeNull();
    expect(idleSources(quiet, 60_000, idleMs)).toEqual([1]);
    expect(combinedWatermark(quiet, idleSources(quiet, 60_000, idleMs))).toBe(5_000);

    // Source 1 comes back behind the others: it holds the clock again from its first record.
    const back = clocks({
      watermarks: new Map([
        [0, 9_000],
        [1, 3_000],
        [2, 12_000],
      ]),
      lastInputAt: new Map([
        [0, 70_000],
        [1, 70_500],
        [2, 70_000],
      ]),
      since: 0,
    });
    expect(idleSources(back, 71_000, idleMs)).toEqual([]);
    expect(combinedWatermark(back, idleSources(back, 71_000, idleMs))).toBe(3_000);
  });

  it("does not advance when every source is idle: nothing says how far time went", () => {
    const c = clocks({
      watermarks: new Map([
        [0, 1],
        [1, 2],
        [2, 3],
      ]),
      lastInputAt: new Map([
        [0, 0],
        [1, 0],
        [2, 0],
      ]),
    });
    expect(combinedWatermark(c, idleSources(c, 120_000, 60_000))).toBeNull();
  });
});
