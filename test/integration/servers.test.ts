import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  createClickHouse,
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
} from "@distillguard/runtime";
import type { EachMessagePayload } from "kafkajs";
import { describe, expect, inject, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";

const logger = createLogger("test", "warn");

describe("real servers", () => {
  it("reaches the Kafka broker and reads its cluster id through the admin API", async () => {
    const kafka = createKafka({ clientId: "dg-test", brokers: servers().kafkaBrokers, logger });
    const admin = kafka.admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(cluster.brokers).toHaveLength(1);
    if (inject("servicesMode") === "local") {
      // The id the project wrote when it formatted the storage: this is our broker.
      const stateDir = process.env.DG_STATE_DIR ?? fileURLToPath(new URL("../../.local", import.meta.url));
      const meta = readFileSync(`${stateDir}/kafka/data/meta.properties`, "utf8");
      expect(meta).toContain(`cluster.id=${cluster.clusterId}`);
    }
  });

  it("reaches ClickHouse and reads its version", async () => {
    const ch = createClickHouse({ url: servers().clickhouseUrl });
    const rs = await ch.query({ query: "SELECT version() AS v", format: "JSONEachRow" });
    const [row] = await rs.json<{ v: string }>();
    await ch.close();
    expect(row?.v).toMatch(/^\d+\.\d+\.\d+/);
    if (inject("servicesMode") === "local") expect(row?.v).toBe("18.16.1");
  });

  it("splits partitions across a consumer group and commits offsets", async () => {
    const { topic, groupId } = testNames("groups");
    const kafka = createKafka({ clientId: "dg-test", brokers: servers().kafkaBrokers, logger });
    expect(await ensureTopic(kafka, topic, { partitions: 4 })).toBe(true);
    expect(await ensureTopic(kafka, topic, { partitions: 4 })).toBe(false);

    // Latest assignment of each member, from the group's own join events.
    const assigned: number[][] = [[], []];
    const consumedBy: Map<number, Set<number>> = new Map([
      [0, new Set()],
      [1, new Set()],
    ]);
    const values: string[] = [];
    const members = [0, 1].map(() => kafka.consumer({ groupId, maxWaitTimeInMs: 250 }));
    await Promise.all(
      members.map(async (c, n) => {
        c.on(c.events.GROUP_JOIN, (e) => {
          assigned[n] = e.payload.memberAssignment[topic] ?? [];
        });
        await c.connect();
        await c.subscribe({ topic, fromBeginning: true });
        await c.run({
          eachMessage: async ({ partition, message }: EachMessagePayload) => {
            values.push(message.value?.toString() ?? "");
            consumedBy.get(n)?.add(partition);
          },
        });
      }),
    );
    await waitFor(() => assigned.every((a) => a.length > 0) && assigned.flat().length === 4);
    expect(assigned.flat().sort()).toEqual([0, 1, 2, 3]);

    const producer = createProducer(kafka);
    await producer.connect();
    const sent = Array.from({ length: 40 }, (_, i) => `m${i}`);
    await producer.send({ topic, messages: sent.map((v, i) => ({ key: `k${i}`, value: v })) });
    await producer.disconnect();
    await waitFor(() => values.length >= sent.length);

    const admin = kafka.admin();
    await admin.connect();
    const described = await admin.describeGroups([groupId]);
    await Promise.all(members.map((c) => c.disconnect()));
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();

    expect(values.sort()).toEqual([...sent].sort());
    // Each member read only the partitions the group gave it.
    for (const n of [0, 1]) {
      for (const p of consumedBy.get(n) ?? []) expect(assigned[n]).toContain(p);
    }
    expect(described.groups[0]?.members).toHaveLength(2);
    const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(sent.length);
  });
});

async function waitFor(check: () => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
