// `npm run demo`: start local Kafka and ClickHouse (unless KAFKA_BROKERS and CLICKHOUSE_URL
// point elsewhere), replay a simulated scenario through Kafka into ClickHouse and print what
// ClickHouse holds next to the simulator's ground truth.
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
  if (!process.env.KAFKA_BROKERS || !process.env.CLICKHOUSE_URL) startLocalServices();
  const r = await runDemo(settings, { logger });
  console.log(
    `\nScenario '${settings.scenario}' (seed ${settings.seed}, ${settings.accounts} ordinary accounts, ${settings.duration} of event time): ${r.produced} requests through Kafka, ${r.stored} rows in ClickHouse ${settings.clickhouseDatabase}.api_requests.`,
  );
  console.log("\nBusiest accounts, as a per-account view sees them:");
  console.table(r.topAccounts);
  console.log("Ground truth from the simulator (never in the event stream):");
  console.table(
    Object.entries(r.labels.groups).map(([group, g]) => ({
      group,
      label: g.label,
      accounts: g.accounts,
      requests: g.events,
    })),
  );
  for (const c of r.labels.campaigns) {
    console.log(
      `  ${c.campaign_id}: ${c.account_ids.length} accounts, ${c.events} requests, ${c.output_tokens} output tokens harvested — none of its accounts is among the busiest above.`.replace(
        / — none of its accounts is among the busiest above\./,
        r.topAccounts.some((a) => c.account_ids.includes(String(a.account_id)))
          ? "."
          : " — none of its accounts is among the busiest above.",
      ),
    );
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
