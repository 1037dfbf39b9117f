import { defaultLinkerConfig } from "@distillguard/campaigns";
import { LINK_HEADERS } from "@distillguard/contract";
import { type Changelog, createLogger } from "@distillguard/runtime";
import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import { type LinkerTask, linkerProcessor } from "./processor.ts";

const noHeartbeat = { heartbeat: async () => {} };

const watermark = (source: number, ms: number, offset: number): KafkaMessage => ({
  key: null,
  value: null,
  offset: String(offset),
  timestamp: "0",
  attributes: 0,
  headers: {
    [LINK_HEADERS.kind]: "watermark",
    [LINK_HEADERS.sourcePartition]: String(source),
    [LINK_HEADERS.sourcePartitions]: "3",
    [LINK_HEADERS.watermarkMs]: String(ms),
  },
});

async function linker(sourceIdleMs: number) {
  let wall = 1_000_000;
  const p = linkerProcessor({
    config: defaultLinkerConfig,
    changelog: {} as Changelog,
    logger: createLogger("test", "silent", "json"),
    topics: { campaigns: "c", alerts: "a" },
    evaluateEveryMs: 60_000,
    checkpointEveryMs: 60_000,
    sourceIdleMs,
    now: () => wall,
  });
  const { state } = await p.open("links", 0);
  let offset = 0;
  return {
    task: state as LinkerTask,
    send: (source: number, ms: number) =>
      p.process(state, "links", 0, [watermark(source, ms, offset++)], noHeartbeat),
    wait: (ms: number) => {
      wall += ms;
    },
  };
}

describe("linker processor: idle source partitions", () => {
  it("waits for a silent partition forever with idleness off", async () => {
    const l = await linker(0);
    l.send(0, 600_000);
    l.send(2, 600_000);
    l.wait(3_600_000);
    l.send(0, 700_000);
    expect(l.task.appliedUntilMs).toBeNull();
  });

  it("moves on without a partition silent for the idle time, and waits for it again once it sends", async () => {
    const l = await linker(30_000);
    l.wait(20_000);
    l.send(0, 600_000);
    l.send(2, 650_000);
    expect(l.task.appliedUntilMs).toBeNull();
    // 30 s since the linker started waiting: partition 1 never sent anything, 0 and 2 did lately.
    l.wait(10_000);
    l.send(0, 700_000);
    expect(l.task.appliedUntilMs).toBe(650_000);
    expect(l.task.idle).toEqual([1]);
    // Partition 1 returns behind the clock: it holds it back again until it catches up.
    l.send(1, 500_000);
    expect(l.task.idle).toEqual([]);
    l.send(2, 800_000);
    expect(l.task.appliedUntilMs).toBe(650_000);
    l.send(1, 750_000);
    expect(l.task.appliedUntilMs).toBe(700_000);
  });
});
