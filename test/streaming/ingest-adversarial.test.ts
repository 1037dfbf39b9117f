/*
 * Issue 12 through Kafka: ordinary prompts with one line of 45 "#" stalled the ingest for
 * hours. Here real captured LiteLLM payloads share a partition with adversarial ones, and the
 * pre-fix translation is loaded into the worker to show what the budget does with a record
 * that really stalls, in process and as an OS process receiving SIGTERM.
 */

import { spawn } from "node:child_process";
import { apiRequestCodec } from "@distillguard/contract";
import { ADVERSARIES } from "@distillguard/fingerprint/testing";
import { createIngest, workerTranslator } from "@distillguard/ingest";
import { STALLING_TRANSLATION } from "@distillguard/ingest/testing";
import { createLogger, createProducer, ensureTopic, readDeadLetter } from "@distillguard/runtime";
import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";
import { capturedLiteLLMPayloads } from "../harness/shared-data.ts";
import { caughtUp, committed, readTopic, repoRoot, testKafka, waitFor } from "./harness.ts";

const logger = createLogger("test", "warn", "json");
const captured = capturedLiteLLMPayloads();

/** A captured chat payload (system + user) with a new id and, optionally, another user prompt. */
function payload(id: string, prompt?: string): Buffer {
  const base = JSON.parse(captured[0] ?? "{}");
  base.id = id;
  if (prompt !== undefined) base.messages = [base.messages[0], { role: "user", content: prompt }];
  return Buffer.from(JSON.stringify(base));
}

/** The outage's record: a question with R code (pasted without a fence) whose comments hold a line of 45 "#". */
const OUTAGE_PROMPT = [
  "Why does this plot come out empty?",
  "#".repeat(45),
  "# load and plot",
  "#".repeat(45),
  "df <- read.csv('sales.csv')",
  "plot(df$month, df$total)",
].join("\n");

interface Sent {
  id: string;
  value: Buffer;
  ordinary: boolean;
}

async function send(producer: Producer, topic: string, records: Sent[]) {
  // One record per request: a batch of several 300 KB records would pass the broker's 1 MB limit.
  for (const r of records)
    await producer.send({ topic, acks: -1, messages: [{ key: r.id, value: r.value }] });
}

function outputIds(records: { value: Buffer }[]): Set<string> {
  return new Set(records.map((r) => apiRequestCodec.decode(r.value).request_id));
}

describe("ingest: adversarial records between ordinary ones", () => {
  let kafka: Kafka;
  let producer: Producer;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    kafka = testKafka(servers().kafkaBrokers, logger);
    producer = createProducer(kafka);
    await producer.connect();
    cleanups.push(() => producer.disconnect());
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function topics(suffix: string) {
    const { topic, groupId } = testNames(suffix);
    const names = { inputTopic: topic, outputTopic: `${topic}.out`, dlqTopic: `${topic}.dlq`, groupId };
    await ensureTopic(kafka, names.inputTopic, { partitions: 1 });
    await ensureTopic(kafka, names.outputTopic, { partitions: 3 });
    await ensureTopic(kafka, names.dlqTopic, { partitions: 1 });
    return names;
  }

  it("fingerprints every adversarial record and produces every ordinary one; nothing stalls", async () => {
    const names = await topics("adversarial");
    const records: Sent[] = [];
    const ordinary = captured.map((text, i) => {
      const p = JSON.parse(text);
      p.id = `captured-${i + 1}`;
      return { id: p.id as string, value: Buffer.from(JSON.stringify(p)), ordinary: true };
    });
    const hostile = [
      { id: "outage-45-hashes", value: payload("outage-45-hashes", OUTAGE_PROMPT), ordinary: false },
      ...ADVERSARIES.map((a, i) => ({
        id: `adversary-${i}`,
        value: payload(`adversary-${i}`, a.make(200_000)),
        ordinary: false,
      })),
    ];
    for (let i = 0; i < Math.max(ordinary.length, hostile.length); i++) {
      const o = ordinary[i];
      const h = hostile[i];
      if (o) records.push(o);
      if (h) records.push(h);
    }
    await send(producer, names.inputTopic, records);

    const ingest = createIngest({ kafka, logger, ...names });
    await ingest.start();
    cleanups.push(() => ingest.stop());
    // 92 records, 48 of them 200K characters: bounded cost makes this seconds, not hours.
    await waitFor(() => caughtUp(kafka, names.groupId, names.inputTopic), 120_000, "ingest caught up");

    const produced = outputIds(await readTopic(kafka, names.outputTopic));
    const dead = (await readTopic(kafka, names.dlqTopic)).map((m) => readDeadLetter(m));
    // One assertion over the whole picture: a failure shows every missing record, every dead
    // letter with its reason and what the ingest counted, not just the first id it met.
    // Adversarial records are valid payloads: each is fingerprinted, none needed its budget.
    expect({
      missing: records.filter((r) => !produced.has(r.id)).map((r) => r.id),
      dead: dead.map((d) => `${d.sourceOffset}: ${d.error}`),
      stats: ingest.stats(),
    }).toEqual({
      missing: [],
      dead: [],
      // Shown on failure, not asserted: a rebalance may legitimately replay a batch.
      stats: expect.anything(),
    });
  }, 180_000);

  it("dead-letters a record that really stalls (the pre-fix translation) and goes on with the partition", async () => {
    const names = await topics("stalling");
    const records: Sent[] = [];
    for (let i = 0; i < 13; i++) {
      const stall = i === 4 || i === 9;
      const id = stall ? `outage-${i}` : `ordinary-${i}`;
      records.push({ id, value: payload(id, stall ? OUTAGE_PROMPT : undefined), ordinary: !stall });
    }
    await send(producer, names.inputTopic, records);

    const translator = workerTranslator({ recordBudgetMs: 1_000, module: STALLING_TRANSLATION });
    const ingest = createIngest({ kafka, logger, ...names, translator });
    await ingest.start();
    cleanups.push(() => ingest.stop());
    await waitFor(() => caughtUp(kafka, names.groupId, names.inputTopic), 60_000, "ingest caught up");

    const produced = outputIds(await readTopic(kafka, names.outputTopic));
    expect([...produced].sort()).toEqual(
      records
        .filter((r) => r.ordinary)
        .map((r) => r.id)
        .sort(),
    );
    const dead = (await readTopic(kafka, names.dlqTopic)).map((m) => ({
      ...readDeadLetter(m),
      value: m.value,
    }));
    expect(dead.map((d) => [d.kind, d.sourceOffset])).toEqual([
      ["budget-exceeded", "4"],
      ["budget-exceeded", "9"],
    ]);
    expect(dead[0]?.value).toEqual(records[4]?.value);
    expect(dead[0]?.error).toBe("translation took longer than its budget of 1000 ms, twice");
  }, 90_000);

  it("stops on SIGTERM within seconds while a record stalls, and the next run replays the batch", async () => {
    const names = await topics("sigterm");
    const records: Sent[] = [
      { id: "before", value: payload("before"), ordinary: true },
      { id: "outage", value: payload("outage", OUTAGE_PROMPT), ordinary: false },
      { id: "after", value: payload("after"), ordinary: true },
    ];
    await send(producer, names.inputTopic, records);
    // The ingest process as main.ts runs it, with the pre-fix translation and a 10-minute budget.
    const child = spawn(process.execPath, ["--import", "tsx", "test/streaming/stalling-ingest-main.ts"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        KAFKA_BROKERS: servers().kafkaBrokers.join(","),
        LOG_LEVEL: "info",
        LOG_FORMAT: "json",
        DG_INGEST_INPUT_TOPIC: names.inputTopic,
        DG_INGEST_OUTPUT_TOPIC: names.outputTopic,
        DG_INGEST_DLQ_TOPIC: names.dlqTopic,
        DG_INGEST_GROUP: names.groupId,
        DG_INGEST_RECORD_BUDGET: "10m",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await waitFor(
      () => stderr.includes('"ingest running"'),
      60_000,
      () => `ingest start: ${stderr.slice(-2_000)}`,
    );
    // Long enough for the batch to be fetched and the worker to be deep in the outage record.
    await new Promise((r) => setTimeout(r, 5_000));
    const signalled = performance.now();
    child.kill("SIGTERM");
    const code = await exited;
    const stopSeconds = (performance.now() - signalled) / 1000;
    expect(code, stderr.slice(-2_000)).toBe(0);
    expect(stopSeconds).toBeLessThan(15);
    // Nothing of the stalled batch was committed or produced...
    expect((await committed(kafka, names.groupId, names.inputTopic)).get(0) ?? -1n).toBe(-1n);
    expect(await readTopic(kafka, names.outputTopic)).toEqual([]);

    // ...so the next owner, with today's translation, replays it whole.
    const ingest = createIngest({ kafka, logger, ...names });
    await ingest.start();
    cleanups.push(() => ingest.stop());
    await waitFor(() => caughtUp(kafka, names.groupId, names.inputTopic), 60_000, "replay caught up");
    expect([...outputIds(await readTopic(kafka, names.outputTopic))].sort()).toEqual([
      "after",
      "before",
      "outage",
    ]);
  }, 120_000);
});
