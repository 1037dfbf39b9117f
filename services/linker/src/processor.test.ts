import { readFileSync } from "node:fs";
import { CampaignLinker, defaultLinkerConfig } from "@distillguard/campaigns";
import {
  API_REQUEST_VALUES,
  type ApiRequest,
  apiRequestCodec,
  decodeLinkEvent,
  encodeLinkEvent,
  LINK_HEADERS,
  packObservations,
} from "@distillguard/contract";
import { type BatchOutput, type Changelog, createLogger } from "@distillguard/runtime";
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

const observations = (source: number, offset: number, value: Buffer): KafkaMessage => ({
  key: null,
  value,
  offset: String(offset),
  timestamp: "0",
  attributes: 0,
  headers: { [LINK_HEADERS.kind]: "observations", [LINK_HEADERS.sourcePartition]: String(source) },
});

/** Three requests as a detector decodes them: the contract's fixture, three accounts. */
function requests(): ApiRequest[] {
  const r = apiRequestCodec.decode(
    readFileSync(new URL("../../../packages/contract/schemas/api-request/v5.fixture.bin", import.meta.url)),
  );
  return [0, 1, 2].map((i) => ({ ...r, account_id: `acct-${i}`, event_time_ms: r.event_time_ms + i }));
}

async function opened(snapshot?: Buffer) {
  const changelog = {
    readAll: async () => new Map(snapshot ? [["linker/links/0", { bytes: snapshot, meta: {} }]] : []),
  } as unknown as Changelog;
  const p = linkerProcessor({
    config: defaultLinkerConfig,
    changelog,
    logger: createLogger("test", "silent", "json"),
    topics: { campaigns: "c", alerts: "a" },
    evaluateEveryMs: 60_000,
    checkpointEveryMs: 60_000,
  });
  await p.prepare?.("links", [0]);
  const { state } = await p.open("links", 0);
  return { p, task: state as LinkerTask };
}

describe("linker processor: link events", () => {
  it("takes whole requests from detectors that predate link events as the link events they hold", async () => {
    const rs = requests();
    const before = await opened();
    const after = await opened();
    const offsets = rs.map((_, i) => String(10 + i));
    before.p.process(
      before.task,
      "links",
      0,
      [
        observations(
          1,
          0,
          packObservations(
            rs.map((r, i) => ({ offset: offsets[i] as string, value: apiRequestCodec.encode(r) })),
            API_REQUEST_VALUES,
          ),
        ),
      ],
      noHeartbeat,
    );
    after.p.process(
      after.task,
      "links",
      0,
      [
        observations(
          1,
          0,
          packObservations(rs.map((r, i) => ({ offset: offsets[i] as string, value: encodeLinkEvent(r) }))),
        ),
      ],
      noHeartbeat,
    );
    expect(before.task.buffer).toHaveLength(3);
    expect(before.task.buffer.map((o) => o.bytes.toString("hex"))).toEqual(
      after.task.buffer.map((o) => o.bytes.toString("hex")),
    );
    expect(after.task.buffer.map((o) => o.event?.account_id)).toEqual(["acct-0", "acct-1", "acct-2"]);
  });

  it("sends a malformed link event to the DLQ with its source offset and keeps the others", async () => {
    const [a, b] = requests() as [ApiRequest, ApiRequest];
    const { p, task } = await opened();
    const out = (await p.process(
      task,
      "links",
      0,
      [
        observations(
          0,
          0,
          packObservations([
            { offset: "5", value: encodeLinkEvent(a) },
            { offset: "6", value: encodeLinkEvent(b).subarray(0, 20) },
          ]),
        ),
      ],
      noHeartbeat,
    )) as BatchOutput;
    expect(task.buffer.map((o) => o.event?.account_id)).toEqual(["acct-0"]);
    expect(out.dead).toHaveLength(1);
    const reason = JSON.stringify(out.dead[0]?.headers);
    expect(reason).toContain("truncated link event (source offset 6)");
  });

  it("restores a checkpoint written before link events, whose buffer held whole requests", async () => {
    const [r] = requests() as [ApiRequest];
    const bytes = apiRequestCodec.encode(r);
    const head = Buffer.from(
      JSON.stringify({
        v: 1,
        sources: 2,
        watermarks: [[0, 5]],
        maxSeen: [[0, "5"]],
        buffer: [[0, "5", bytes.length]],
        appliedUntilMs: null,
        nextEvalMs: null,
        late: 0,
      }),
    );
    const linker = Buffer.from(new CampaignLinker(defaultLinkerConfig).serialize());
    const u32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const { task } = await opened(Buffer.concat([u32(head.length), head, u32(linker.length), linker, bytes]));
    expect(task.buffer).toHaveLength(1);
    expect(task.buffer[0]?.bytes.toString("hex")).toBe(encodeLinkEvent(r).toString("hex"));
    expect(task.buffer[0]?.event).toEqual(decodeLinkEvent(encodeLinkEvent(r)));
  });
});
