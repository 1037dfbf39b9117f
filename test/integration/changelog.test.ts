// The incremental changelog (services/runtime Changelog.writeChanges) against a real broker:
// a detector restored from its per-key records equals the whole-state restore, and a crash at
// any step of a write restores one checkpoint or the other, never a mix.
import {
  Detector,
  type DetectorConfig,
  type DetectorEvent,
  defaultDetectorConfig,
  networkEntityKinds,
} from "@distillguard/detector";
import {
  Changelog,
  createKafka,
  createLogger,
  createProducer,
  type KeyedWrite,
  readRanges,
} from "@distillguard/runtime";
import type { Message, Producer, ProducerRecord } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";

const logger = createLogger("test", "warn", "json");
const kafka = createKafka({ clientId: "dg-test-changelog", brokers: servers().kafkaBrokers, logger });
// Entity windows (off by default) on, so their records go through the changelog too.
const config: DetectorConfig = {
  ...defaultDetectorConfig,
  entities: networkEntityKinds,
  link: false,
  scorer: { ...defaultDetectorConfig.scorer, minRequests: 3 },
};
const NAME = "detector/requests/0";
const T0 = Date.UTC(2026, 2, 2);
const HOUR = 3_600_000;

let producer: Producer;
beforeAll(async () => {
  producer = createProducer(kafka, { maxInFlightRequests: 1 });
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
});

function event(account: number, t: number): DetectorEvent {
  return {
    account_id: `acct-${account}`,
    event_time_ms: t,
    request_model: "m",
    request_choice_count: 1,
    logprobs: false,
    usage_input_tokens: 200,
    usage_output_tokens: 100 + account,
    usage_reasoning_tokens: 50,
    status_code: 200,
    response_finish_reason: "stop",
    client_address: `10.${account % 5}.0.9`,
    client_asn: 64_500 + (account % 3),
    prompt_simhash: new Uint8Array([account, 0, 0, 0, 0, 0, 0, 1]),
    prompt_template_hash: new Uint8Array([account % 4, 2, 3, 4, 5, 6, 7, 8]),
    cot_elicitation: 0.5,
    api_key_id: `key-${account}`,
    org_id: null,
    user_agent: "python-httpx/0.27",
    tls_fingerprint: null,
    system_prompt_hash: null,
  };
}

/** Three requests each from `accounts`, starting at `t`. */
function feed(d: Detector, accounts: number[], t: number): void {
  for (let i = 0; i < 3; i++) for (const a of accounts) d.observe(event(a, t + i * 1_000 + a));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const whole = (d: Detector) => Buffer.from(Detector.deserialize(d.serialize(), config).serialize());

async function checkpoint(
  cl: Changelog,
  d: Detector,
  mark: ReturnType<Detector["changes"]>["mark"] | null,
): Promise<ReturnType<Detector["changes"]>["mark"]> {
  const c = d.changes(mark);
  const write: KeyedWrite = {
    head: c.head,
    meta: { nextOffset: "0" },
    full: mark === null,
    tables: [
      { name: "a", puts: c.accounts.puts, removed: c.accounts.removed },
      { name: "e", puts: c.entities.puts, removed: c.entities.removed },
    ],
  };
  await cl.writeChanges(NAME, write);
  d.persisted(c.mark);
  return c.mark;
}

async function restore(
  topic: string,
): Promise<{ cl: Changelog; r: ReturnType<typeof Detector.fromChanges> }> {
  const cl = new Changelog(kafka, topic, producer, 4_096);
  const snap = (await cl.readAll(logger)).get(NAME);
  if (!snap?.tables) throw new Error(`no incremental snapshot of ${NAME} in ${topic}`);
  const r = Detector.fromChanges(snap.bytes, snap.tables.get("a") ?? [], snap.tables.get("e") ?? [], config);
  return { cl, r };
}

/** The topic as compaction would leave it: live keyed records per table. */
async function liveRecords(topic: string): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic))[0]?.high ?? "0";
  await admin.disconnect();
  const latest = new Map<string, boolean>();
  await readRanges(kafka, topic, [{ partition: 0, to: end }], (_p, ms) => {
    for (const m of ms) latest.set(m.key?.toString() ?? "", m.value !== null);
  });
  const out: Record<string, number> = {};
  for (const [k, live] of latest) {
    const m = /#k#(\w+)#/.exec(k);
    if (m?.[1] && live) out[m[1]] = (out[m[1]] ?? 0) + 1;
  }
  return out;
}

/** A producer that, once armed, dies (throws, sends nothing) at the first request `crash` picks. */
function crashing(crash: (messages: Message[], sent: Message[][]) => boolean) {
  const sent: Message[][] = [];
  let armed = false;
  const p = {
    ...producer,
    send: async (record: ProducerRecord) => {
      if (armed) {
        if (crash(record.messages, sent)) throw new Error("crash (injected)");
        sent.push(record.messages);
      }
      return producer.send(record);
    },
  } as Producer;
  return {
    producer: p,
    arm: () => {
      armed = true;
    },
  };
}

const isHeader = (m: Message) => m.key === NAME && m.value !== null;
const isRecord = (m: Message) => String(m.key).includes("#k#") && m.value !== null;

describe("incremental changelog", () => {
  it("restores a detector equal to the whole-state restore, across restarts, and keeps one record per live key", async () => {
    const { topic } = testNames("changelog-equal");
    await Changelog.ensure(kafka, topic);
    const d = new Detector(config);
    const cl = new Changelog(kafka, topic, producer, 4_096);
    await expect(checkpoint(cl, d, null)).rejects.toThrow(/readAll/);
    await cl.readAll(logger);
    feed(d, range(0, 40), T0);
    let mark = await checkpoint(cl, d, null);
    feed(d, range(30, 50), T0 + 60_000);
    d.evaluate(T0 + 120_000);
    mark = await checkpoint(cl, d, mark);
    // A day later: only 0–9 come back; the rest expire at the evaluation (tombstones).
    feed(d, range(0, 10), T0 + 25 * HOUR);
    d.evaluate(T0 + 25 * HOUR + 60_000);
    feed(d, range(5, 8), T0 + 25 * HOUR + 90_000);
    mark = await checkpoint(cl, d, mark);
    const { cl: cl2, r } = await restore(topic);
    expect(Buffer.from(r.detector.serialize()).equals(whole(d))).toBe(true);
    expect(d.features.store.size).toBe(10);
    // The restored detector writes on from its mark through a new writer.
    feed(r.detector, range(60, 70), T0 + 25 * HOUR + 200_000);
    await checkpoint(cl2, r.detector, r.mark);
    const again = await restore(topic);
    expect(Buffer.from(again.r.detector.serialize()).equals(whole(r.detector))).toBe(true);
    const live = await liveRecords(topic);
    expect(live.a).toBe(20);
    expect(live.e).toBeGreaterThan(0);
    expect(live.e).toBe(r.detector.entities?.store.size);
  });

  it("reads a whole snapshot of the previous version, then writes incrementally over it", async () => {
    const { topic } = testNames("changelog-upgrade");
    await Changelog.ensure(kafka, topic);
    const d = new Detector(config);
    feed(d, range(0, 20), T0);
    await new Changelog(kafka, topic, producer).write(NAME, d.serialize(), { nextOffset: "7" });
    const cl = new Changelog(kafka, topic, producer, 4_096);
    const snap = (await cl.readAll(logger)).get(NAME);
    expect(snap?.tables).toBeUndefined();
    const restored = Detector.deserialize(snap?.bytes ?? new Uint8Array(0), config);
    feed(restored, range(15, 25), T0 + 60_000);
    await checkpoint(cl, restored, null);
    const { r } = await restore(topic);
    expect(Buffer.from(r.detector.serialize()).equals(whole(restored))).toBe(true);
  });

  const crashes: [string, (messages: Message[], sent: Message[][]) => boolean, "before" | "after"][] = [
    [
      "after the first request of records",
      (ms, sent) => ms.some(isRecord) && sent.some((s) => s.some(isRecord)),
      "before",
    ],
    ["between the records and the header", (ms) => ms.some(isHeader), "before"],
    ["after the header, before the cleanup", (_ms, sent) => sent.some((s) => s.some(isHeader)), "after"],
  ];
  for (const [when, crash, restores] of crashes) {
    it(`a crash ${when} restores the checkpoint ${restores} it, and the next writer leaves no mix`, async () => {
      const { topic } = testNames(`changelog-crash-${crashes.findIndex((c) => c[0] === when)}`);
      await Changelog.ensure(kafka, topic);
      const d = new Detector(config);
      feed(d, range(0, 60), T0);
      const faulty = crashing(crash);
      const dying = new Changelog(kafka, topic, faulty.producer, 4_096);
      await dying.readAll(logger);
      const mark = await checkpoint(dying, d, null);
      const first = whole(d);
      // The crashing write changes 0–29 and removes the rest (expired): deltas and markers.
      feed(d, range(0, 30), T0 + 25 * HOUR);
      d.evaluate(T0 + 25 * HOUR + 60_000);
      const second = whole(d);
      faulty.arm();
      await expect(checkpoint(dying, d, mark)).rejects.toThrow("crash (injected)");
      await expect(checkpoint(dying, d, mark)).rejects.toThrow(/earlier write .* failed/);

      const { cl, r } = await restore(topic);
      expect(Buffer.from(r.detector.serialize()).equals(restores === "before" ? first : second)).toBe(true);
      // The next writer changes other accounts than the crashed write did: a record that write
      // left behind must not be read as theirs.
      feed(r.detector, range(40, 45), T0 + 25 * HOUR + 120_000);
      await checkpoint(cl, r.detector, r.mark);
      const next = await restore(topic);
      expect(Buffer.from(next.r.detector.serialize()).equals(whole(r.detector))).toBe(true);
      expect((await liveRecords(topic)).a).toBe(r.detector.features.store.size);
    });
  }
});
