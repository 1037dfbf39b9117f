import { describe, expect, it } from "vitest";
import { HarvestStreams } from "./streams.ts";

const T0 = Date.UTC(2026, 2, 2);
const MIN = 60_000;
const frame = (n: number) => Uint8Array.of(0, 0, 0, 0, 0, 0, n >> 8, n & 255);

describe("harvest streams", () => {
  it("make a frame a stream once it carries enough requests, most of them harvested", () => {
    const s = new HarvestStreams({ ...new HarvestStreams().config, minRequests: 30 });
    const wrapper = frame(1);
    const on: boolean[] = [];
    for (let i = 0; i < 40; i++) on.push(s.observe(wrapper, frame(1000 + i), i % 5 !== 0, T0 + i * MIN));
    // Admitted on its second sighting (which counts the first), a stream at about the 30th
    // request (a few later: 30 minutes of decay at a 6 h half-life take ~5% off the count).
    const first = on.indexOf(true);
    expect(first).toBeGreaterThanOrEqual(29);
    expect(first).toBeLessThanOrEqual(31);
    expect(on.slice(first).every(Boolean)).toBe(true);
    // The payload ends never repeat: the first-seen table keeps them out of memory.
    expect(s.size).toBe(1);
  });

  it("does not make a frame whose answers are mostly plain a stream, however busy", () => {
    const s = new HarvestStreams();
    let any = false;
    for (let i = 0; i < 500; i++) any = s.observe(frame(2), null, i % 3 === 0, T0 + i * MIN) || any;
    expect(any).toBe(false);
  });

  it("forgets by event time: counts halve every half-life, idle frames expire", () => {
    const s = new HarvestStreams();
    const { halfLifeMs, minRequests } = s.config;
    for (let i = 0; i < minRequests; i++) s.observe(frame(3), null, true, T0 + i * 1000);
    expect(s.observe(frame(3), null, true, T0 + minRequests * 1000)).toBe(true);
    // One half-life later the frame holds about half its requests: no longer a stream.
    expect(s.observe(frame(3), null, true, T0 + halfLifeMs + minRequests * 1000)).toBe(false);
    expect(s.expire(T0 + 4 * halfLifeMs)).toBe(0);
    expect(s.expire(T0 + 6 * halfLifeMs)).toBe(1);
    expect(s.size).toBe(0);
  });

  it("counts a question whose two ends are one paragraph once, and refuses frames beyond its cap", () => {
    const s = new HarvestStreams({ ...new HarvestStreams().config, minRequests: 4, maxTracked: 1 });
    const same = frame(4);
    // Head and tail equal: one touch per request, so the 4th request makes it a stream (all at
    // one instant: no decay).
    const on = [0, 1, 2, 3].map(() => s.observe(same, Uint8Array.from(same), true, T0));
    expect(on).toEqual([false, false, false, true]);
    s.observe(frame(5), null, true, T0 + 10);
    s.observe(frame(5), null, true, T0 + 11);
    expect(s.size).toBe(1);
    expect(s.refused).toBe(1);
  });
});
