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
  const truth = new Map(r.labels.accounts.map((a) => [a.account_id, a.group]));
  console.log("\nWhat the detection library found on the same events (in process):");
  const opened = r.alerts.filter((a) => a.state === "open");
  if (opened.length === 0) console.log("  no alerts");
  for (const a of opened) {
    const members =
      a.subject_kind === "campaign" ? (r.campaignMembers.get(a.subject_id) ?? []) : [a.subject_id];
    const groups = new Map<string, number>();
    for (const m of members)
      groups.set(truth.get(m) ?? "plain", (groups.get(truth.get(m) ?? "plain") ?? 0) + 1);
    const verdict = [...groups].map(([g, n]) => `${n} ${g}`).join(", ");
    console.log(`  ${a.severity.padEnd(8)} ${a.subject_kind} ${a.subject_id}: ${a.summary}`);
    console.log(
      `           ground truth of its ${members.length} account(s): ${verdict || "gone (merged or expired)"}`,
    );
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
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
