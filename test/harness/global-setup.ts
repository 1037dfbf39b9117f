import { randomBytes } from "node:crypto";
import { createClient } from "@clickhouse/client";
import { Kafka, logLevel } from "kafkajs";
import type { TestProject } from "vitest/node";
import { acquireServices, type ServicesMode } from "./services.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kafkaBrokers: string;
    clickhouseUrl: string;
    /** Unique per run: topic names and the database are derived from it. */
    runId: string;
    servicesMode: ServicesMode;
  }
}

export default async function setup(project: TestProject) {
  const services = await acquireServices();
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
  project.provide("kafkaBrokers", services.kafkaBrokers);
  project.provide("clickhouseUrl", services.clickhouseUrl);
  project.provide("runId", runId);
  project.provide("servicesMode", services.mode);
  console.error(
    `integration: ${services.mode} services, kafka ${services.kafkaBrokers}, clickhouse ${services.clickhouseUrl}, run ${runId}`,
  );

  return async () => {
    await cleanUp(services.kafkaBrokers, services.clickhouseUrl, runId).catch((e) =>
      console.error(`integration: cleanup of run ${runId} failed: ${e}`),
    );
    await services.stop();
  };
}

/** Drops what this run created so repeated runs against long-lived servers stay tidy. */
async function cleanUp(brokers: string, clickhouseUrl: string, runId: string) {
  const admin = new Kafka({
    clientId: "dg-test-cleanup",
    brokers: brokers.split(","),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`dg-test-${runId}-`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(`dg-test-${runId}-`));
    if (groups.length > 0) {
      // A member that has just left may still be counted for a moment: retry once.
      await admin.deleteGroups(groups).catch(async () => {
        await new Promise((r) => setTimeout(r, 2_000));
        const left = (await admin.listGroups()).groups
          .map((g) => g.groupId)
          .filter((g) => groups.includes(g));
        if (left.length > 0) await admin.deleteGroups(left);
      });
    }
  } finally {
    await admin.disconnect();
  }
  // The old server drops a database table by table, waiting out merges: the client's default
  // 30 s ran out after the demo's real-text run on a loaded machine; 60 s, as the services use.
  const ch = createClient({ url: clickhouseUrl, request_timeout: 60_000 });
  try {
    await ch.command({ query: `DROP DATABASE IF EXISTS dg_test_${runId}` });
  } finally {
    await ch.close();
  }
}
