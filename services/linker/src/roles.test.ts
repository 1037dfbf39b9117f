import { defaultLinkerConfig, type LinkEvent, laneOf } from "@distillguard/campaigns";
import { linkTraffic } from "@distillguard/campaigns/testing";
import { encodeLinkEvent, LINK_HEADERS, packObservations } from "@distillguard/contract";
import { type BatchOutput, type Changelog, createLogger } from "@distillguard/runtime";
import type { KafkaMessage, Message } from "kafkajs";
import { describe, expect, it } from "vitest";
import { type LinkerRole, type LinkerTask, linkerProcessor } from "./processor.ts";

// The linker split by account, processor by processor, without a broker: the detectors'
// messages for three links partitions through three account stages, their records through
// one link stage, against one linker over one partition. test/streaming runs it on Kafka.

const config = { ...defaultLinkerConfig, alertWarmupMs: 0 };
const noHeartbeat = { heartbeat: async () => {} };
const SOURCES = 4;
const events = linkTraffic(7, 20_000, config.horizonMs);

const sourceOf = (e: LinkEvent) => laneOf(`${e.account_id}/source`) % SOURCES;

/** What the detectors send for `lanes` links partitions: per lane, their messages in order. */
function detectorOutput(lanes: number): Message[][] {
  const out: Message[][] = Array.from({ length: lanes }, () => []);
  const perSource: LinkEvent[][] = Array.from({ length: SOURCES }, () => []);
  for (const e of events) perSource[sourceOf(e)]?.push(e);
  // Sources take turns a minute of event time at a time, as detectors running side by side.
  const at = new Array(SOURCES).fill(0);
  const first = events[0]?.event_time_ms ?? 0;
  for (
    let tick = Math.floor(first / 60_000) * 60_000 + 60_000;
    at.some((i, s) => i < (perSource[s]?.length ?? 0));
    tick += 60_000
  ) {
    for (let s = 0; s < SOURCES; s++) {
      const own = perSource[s] as LinkEvent[];
      const pending: { offset: string; value: Buffer }[][] = Array.from({ length: lanes }, () => []);
      while (at[s] < own.length && (own[at[s]] as LinkEvent).event_time_ms < tick) {
        const e = own[at[s]] as LinkEvent;
        pending[laneOf(e.account_id) % lanes]?.push({ offset: String(at[s]), value: encodeLinkEvent(e) });
        at[s]++;
      }
      for (let lane = 0; lane < lanes; lane++) {
        const items = pending[lane] as { offset: string; value: Buffer }[];
        if (items.length > 0)
          out[lane]?.push({
            value: packObservations(items),
            headers: { [LINK_HEADERS.kind]: "observations", [LINK_HEADERS.sourcePartition]: String(s) },
          });
        out[lane]?.push({
          value: null,
          headers: {
            [LINK_HEADERS.kind]: "watermark",
            [LINK_HEADERS.sourcePartition]: String(s),
            [LINK_HEADERS.sourcePartitions]: String(SOURCES),
            [LINK_HEADERS.watermarkMs]: String(tick),
          },
        });
      }
    }
  }
  return out;
}

const asKafka = (ms: Message[], from = 0): KafkaMessage[] =>
  ms.map((m, i) => ({
    key: null,
    value: (m.value as Buffer | null) ?? null,
    offset: String(from + i),
    timestamp: "0",
    attributes: 0,
    headers: (m.headers ?? {}) as NonNullable<KafkaMessage["headers"]>,
  }));

type Kept = Map<string, { bytes: Buffer; meta: Record<string, unknown> }>;

/** A processor of one role whose checkpoints go to `kept`, where a restarted one finds them. */
function member(role: LinkerRole, lanes: number, kept: Kept) {
  const changelog = {
    readAll: async () => new Map(kept),
    write: async (name: string, bytes: Uint8Array, meta: Record<string, unknown>) => {
      kept.set(name, { bytes: Buffer.from(bytes), meta });
    },
  } as unknown as Changelog;
  return linkerProcessor({
    config,
    role,
    changelog,
    logger: createLogger("test", "silent", "json"),
    topics: { campaigns: "c", alerts: "a", records: "r" },
    partitionCount: async () => lanes,
    evaluateEveryMs: 5 * 60_000,
    checkpointEveryMs: 0,
  });
}

/** Feeds `messages` in batches of `batch`; restarts the task from its checkpoint every `restartEvery` batches. */
async function feed(
  role: LinkerRole,
  lanes: number,
  topic: string,
  partition: number,
  messages: Message[],
  restartEvery = Number.POSITIVE_INFINITY,
): Promise<Message[][]> {
  const kept: Kept = new Map();
  let p = member(role, lanes, kept);
  await p.prepare?.(topic, [partition]);
  let task = (await p.open(topic, partition)).state as LinkerTask;
  const outputs: Message[][] = [[], []];
  const all = asKafka(messages);
  for (let i = 0, batch = 0; i < all.length; i += 50, batch++) {
    const out = (await p.process(task, topic, partition, all.slice(i, i + 50), noHeartbeat)) as BatchOutput;
    for (const [k, o] of out.outputs.entries()) outputs[k]?.push(...o.messages);
    expect(out.dead).toEqual([]);
    if ((batch + 1) % restartEvery === 0) {
      await p.checkpoint(task, topic, partition, String(i + 50), true);
      // A new process: it reads the checkpoint just written and goes on from there.
      p = member(role, lanes, kept);
      await p.prepare?.(topic, [partition]);
      const opened = await p.open(topic, partition);
      expect(opened.resumeAt).toBe(String(i + 50));
      task = opened.state as LinkerTask;
    }
  }
  return outputs;
}

/** Round robin over `streams`, `chunk` messages at a time: one topic written by several members. */
function interleave(streams: Message[][], chunk: number): Message[] {
  const out: Message[] = [];
  const at = streams.map(() => 0);
  while (streams.some((s, i) => (at[i] as number) < s.length)) {
    streams.forEach((s, i) => {
      out.push(...s.slice(at[i], (at[i] as number) + chunk));
      at[i] = (at[i] as number) + chunk;
    });
  }
  return out;
}

const values = (ms: Message[]) => ms.map((m) => (m.value as Buffer).toString("hex"));

describe("a linker split by account, role by role", () => {
  it("gives one linker's campaign updates and alerts, byte for byte, restarted or not", async () => {
    const [one] = detectorOutput(1) as [Message[]];
    const [campaigns, alerts] = await feed("all", 1, "links", 0, one);
    expect(campaigns?.length).toBeGreaterThan(0);
    expect(alerts?.length).toBeGreaterThan(0);

    for (const restartEvery of [Number.POSITIVE_INFINITY, 37]) {
      const lanes = detectorOutput(3);
      const records: Message[][] = [];
      for (let lane = 0; lane < 3; lane++) {
        const [r] = await feed("accounts", 3, "links", lane, lanes[lane] as Message[], restartEvery);
        expect(r?.length).toBeGreaterThan(0);
        records.push(r as Message[]);
      }
      const [c, a] = await feed("link", 1, "link-records", 0, interleave(records, 3), restartEvery);
      expect(values(c as Message[]), `restarted every ${restartEvery} batches`).toEqual(
        values(campaigns as Message[]),
      );
      expect(values(a as Message[])).toEqual(values(alerts as Message[]));
    }
  }, 120_000);

  it("dead-letters a malformed records message with the reason and keeps the rest", async () => {
    const p = member("link", 1, new Map());
    await p.prepare?.("link-records", [0]);
    const task = (await p.open("link-records", 0)).state as LinkerTask;
    const lane = { [LINK_HEADERS.sourcePartition]: "0", [LINK_HEADERS.sourcePartitions]: "1" };
    const out = (await p.process(
      task,
      "link-records",
      0,
      asKafka([
        { value: Buffer.from([0x55, 1, 0, 0]), headers: { ...lane, [LINK_HEADERS.kind]: "touches" } },
        { value: Buffer.from([1, 2, 3]), headers: { ...lane, [LINK_HEADERS.kind]: "totals" } },
        { value: Buffer.from([0x55, 1]), headers: { ...lane, [LINK_HEADERS.kind]: "touches" } },
      ]),
      noHeartbeat,
    )) as BatchOutput;
    expect(out.dead).toHaveLength(2);
    expect(JSON.stringify(out.dead[0]?.headers)).toContain("truncated link record unit");
    expect(JSON.stringify(out.dead[1]?.headers)).toContain("totals without their evaluation time");
    expect(task.buffer).toEqual([]);
  });

  it("refuses to start one linker on a links topic of several partitions, and says what to do", async () => {
    const p = member("all", 3, new Map());
    await expect(p.prepare?.("links", [0, 1, 2])).rejects.toThrow(/DG_LINKER_ROLE=accounts and link/);
  });
});
