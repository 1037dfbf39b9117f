import { createClickHouse, ensureDatabase } from "@distillguard/runtime";
import { inject } from "vitest";

/** Names scoped to this test run, so runs against shared servers never see each other. */
export function testNames(suffix: string) {
  const runId = inject("runId");
  return {
    topic: `dg-test-${runId}-${suffix}`,
    groupId: `dg-test-${runId}-${suffix}`,
    database: `dg_test_${runId}`,
  };
}

export function servers() {
  return { kafkaBrokers: inject("kafkaBrokers").split(","), clickhouseUrl: inject("clickhouseUrl") };
}

/** A client bound to this run's fresh database (created on first use). */
export async function testDatabase() {
  const { clickhouseUrl } = servers();
  const { database } = testNames("db");
  await ensureDatabase(clickhouseUrl, database);
  return { database, client: createClickHouse({ url: clickhouseUrl, database }) };
}
