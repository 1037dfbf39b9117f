// `npm run demo`: start local Kafka and ClickHouse (unless KAFKA_BROKERS and CLICKHOUSE_URL
// point elsewhere), push simulated requests through the pipeline and print what ClickHouse holds.
import { randomBytes } from "node:crypto";
import { ConfigError, parseConfig } from "@distillguard/config";
import { createLogger } from "@distillguard/runtime";
import { demoSettings, runDemo } from "./demo-run.ts";
import { startLocalServices } from "./local-services.ts";

async function main(): Promise<number> {
  let settings: ReturnType<typeof parseConfig<typeof demoSettings>>;
  try {
    settings = parseConfig(demoSettings, process.env, { prefix: "DG_DEMO_" });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const logger = createLogger("demo", settings.logLevel, settings.logFormat);
  if (!process.env.KAFKA_BROKERS || !process.env.CLICKHOUSE_URL) {
    startLocalServices();
  }
  const runId = `demo-${randomBytes(3).toString("hex")}`;
  const result = await runDemo(settings, { logger, nowMs: Date.now(), runId });
  console.log(
    `\nRows read back from ClickHouse (${settings.clickhouseDatabase}.raw_requests) for run ${runId}:`,
  );
  console.table(result.rows);
  console.log(`${result.rows.length} rows from this run; ${result.tableRows} rows in the table in total.`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
