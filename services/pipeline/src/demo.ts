// `npm run demo`: start local Kafka and ClickHouse (unless KAFKA_BROKERS and CLICKHOUSE_URL
// point elsewhere), replay a simulated scenario through Kafka and the detector, linker and sink
// services, and print the campaigns ClickHouse holds next to the simulator's ground truth.
import { ConfigError, parseConfig } from "@distillguard/config";
import {
  type Connections,
  createLogger,
  describeStartFailure,
  resolveConnections,
} from "@distillguard/runtime";
import { demoSettings, runDemo } from "./demo-run.ts";
import { startLocalServices } from "./local-services.ts";

async function main(): Promise<number> {
  let settings: ReturnType<typeof parseConfig<typeof demoSettings>>;
  let connections: Connections;
  try {
    settings = parseConfig(demoSettings, process.env, { prefix: "DG_DEMO_" });
    connections = resolveConnections(settings);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const logger = createLogger("demo", settings.logLevel, settings.logFormat);
  if (!process.env.KAFKA_BROKERS || !process.env.CLICKHOUSE_URL) startLocalServices();
  const r = await runDemo(settings, { logger, connections });
  console.log(
    `\nScenario '${settings.scenario}' (seed ${settings.seed}, ${settings.accounts} ordinary accounts, ${settings.duration} of event time): ${r.produced} requests through Kafka, ${r.stored} rows in ClickHouse ${settings.clickhouseDatabase}.api_requests (run ${r.prefix}).`,
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
  const truth = new Map(r.labels.accounts.map((a) => [a.account_id, a.group]));
  const verdict = (members: string[]) => {
    const groups = new Map<string, number>();
    for (const m of members)
      groups.set(truth.get(m) ?? "plain", (groups.get(truth.get(m) ?? "plain") ?? 0) + 1);
    return [...groups].map(([g, n]) => `${n} ${g}`).join(", ");
  };
  console.log(
    `\nCampaigns the pipeline found (detector → links → linker → ClickHouse ${settings.clickhouseDatabase}.campaign_updates and .alerts):`,
  );
  // A campaign absorbed by a merge keeps its rows (history), but its alert points at the survivor.
  const merged = r.campaigns.filter(
    (c) => c.alert_state === "resolved" && c.summary.startsWith("merged into"),
  );
  const live = r.campaigns.filter((c) => !merged.includes(c));
  if (live.length === 0) console.log("  none");
  for (const c of live) {
    console.log(
      `  ${c.severity.padEnd(8)} ${c.campaign_id} (${c.status}, alert ${c.alert_state}): ${c.summary}`,
    );
    console.log(`           ground truth of its ${c.members.length} listed accounts: ${verdict(c.members)}`);
  }
  if (merged.length > 0) {
    console.log(
      `  (${merged.length} earlier fragments merged into these as they linked up: ${merged.map((c) => c.campaign_id).join(", ")})`,
    );
  }
  console.log(`\nAccount alerts (${r.accountAlerts.length}):`);
  for (const a of r.accountAlerts) {
    const id = String(a.account_id);
    console.log(`  ${String(a.severity).padEnd(8)} ${id} [truth: ${truth.get(id) ?? "plain"}]: ${a.summary}`);
  }
  for (const c of r.labels.campaigns) {
    const seen = r.topAccounts.some((a) => c.account_ids.includes(String(a.account_id)));
    console.log(
      `  truth: ${c.campaign_id} (${c.type}), ${c.account_ids.length} accounts, ${c.events} requests, ${c.output_tokens} output tokens${seen ? "" : " — none among the busiest accounts above"}.`,
    );
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`demo failed: ${describeStartFailure(e)}`);
    process.exit(1);
  },
);
