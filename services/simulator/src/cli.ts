// dg-sim: seeded, deterministic LLM API traffic with labelled extraction campaigns.
//   npm run sim -- --scenario hydra --seed 7 --duration 6h --out reports/hydra.avro
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, parseConfig } from "@distillguard/config";
import {
  connectionSettings,
  createKafka,
  createLogger,
  createProducer,
  describeStartFailure,
  ensureTopic,
  kafkaConnection,
  REPLAY_TOPIC_CONFIG,
} from "@distillguard/runtime";
import cliProgress from "cli-progress";
import { Command, Option } from "commander";
import { defaultTracePath, loadAzureTrace } from "./calibration.ts";
import { loadCorpora } from "./corpora.ts";
import { kafkaSink } from "./kafka-sink.ts";
import { litellmSink } from "./litellm-sink.ts";
import { helpText, toScenarioOptions } from "./options.ts";
import { ocfSink, type RequestSink, simulate } from "./run.ts";
import { archetypes } from "./scenario.ts";

const program = new Command("dg-sim")
  .description(
    "Simulate LLM API traffic in event time: a benign population, hard benign archetypes and extraction campaigns. Ground truth goes to a separate labels file.",
  )
  .option("--scenario <name>", "scenario preset (see below)", "hydra")
  .option("--seed <n>", "random seed: same seed and options → byte-identical output", "7")
  .option("--duration <d>", "simulated event-time window, e.g. 90m, 6h, 14d", "6h")
  .option("--start <iso>", "event time of the window start", "2026-03-02T00:00:00Z")
  .option("--accounts <n>", "ordinary benign accounts (archetype counts scale with it)", "100000")
  .option("--release-at <share>", "new model released at this share of the window", "0.25")
  .option("--campaign-scale <x>", "multiplies campaign volume", "1")
  .option(
    "--proxy-pool <family>",
    "address family of the hydra's proxy pool: ipv4, ipv6 (residential /64s, datacenter /48s handing out a fresh /64 per request) or dual (both)",
    "ipv4",
  )
  .option(
    "--warmup <d>",
    "ordinary traffic only for this long before campaigns start (a detector already running), e.g. 6h; campaign timing and --release-at count from its end",
    "0",
  )
  .addOption(
    new Option(
      "--mode <mode>",
      "fingerprint: synthesise fingerprints (fast); text: real prompt text, fingerprinted",
    )
      .choices(["fingerprint", "text"])
      .default("fingerprint"),
  )
  .addOption(
    new Option(
      "--format <format>",
      "avro: ApiRequest records; litellm: LiteLLM StandardLoggingPayload JSON (needs --mode text)",
    )
      .choices(["avro", "litellm"])
      .default("avro"),
  )
  .addOption(
    new Option(
      "--text <source>",
      "text mode's text: synthetic word lists, or corpora (real prompts, conversations and answers from shared/data/prompts, DG_SIM_CORPORA)",
    )
      .choices(["synthetic", "corpora"])
      .default("synthetic"),
  )
  .addOption(
    new Option(
      "--split <split>",
      "which half of the campaigns' variation: tune (the parameter values and language detector changes are tuned on) or test (wider ranges, ten more languages; for reports); with --text corpora also the phrasing families unless --phrasings says otherwise",
    )
      .choices(["tune", "test"])
      .default("tune"),
  )
  .addOption(
    new Option(
      "--phrasings <split>",
      "with --text corpora: the phrasing families campaigns and learners use (default: --split)",
    ).choices(["tune", "test"]),
  )
  .option("--out <path>", "write events to a file: Avro object container (avro) or JSON lines (litellm)")
  .option("--kafka-topic <topic>", "produce events to this Kafka topic (KAFKA_BROKERS), keyed by account")
  .option("--labels <path>", "ground-truth labels JSON (default: <out>.labels.json)")
  .option("--max-events <n>", "stop after this many events")
  .option("--trace <path>", "Azure LLM trace for calibration (DG_SIM_TRACE)")
  .option("--no-progress", "no progress bar")
  .addHelpText(
    "after",
    `${helpText()}\n\nBenign archetypes (always present):\n${Object.entries(archetypes)
      .map(([k, v]) => `  ${k.padEnd(17)}${v}`)
      .join("\n")}\n`,
  );

async function main(): Promise<number> {
  program.parse();
  const o = program.opts();
  let scenario: ReturnType<typeof toScenarioOptions>;
  try {
    scenario = toScenarioOptions(o as never);
    if (!o.out && !o.kafkaTopic)
      throw new Error("nowhere to write: give --out <path> and/or --kafka-topic <topic>");
    if (o.format === "litellm" && o.mode !== "text")
      throw new Error("--format litellm needs --mode text (LiteLLM logs carry prompt text)");
    if (o.text === "corpora" && o.mode !== "text") throw new Error("--text corpora needs --mode text");
    if (o.maxEvents !== undefined && !/^\d+$/.test(o.maxEvents))
      throw new Error(`--max-events '${o.maxEvents}' must be a whole number`);
  } catch (e) {
    console.error(`dg-sim: ${(e as Error).message}`);
    return 2;
  }
  const calibration = loadAzureTrace(o.trace ?? process.env.DG_SIM_TRACE ?? defaultTracePath);
  const sinks: RequestSink[] = [];
  const labelsPath: string | undefined = o.labels ?? (o.out ? `${o.out}.labels.json` : undefined);

  if (o.out) {
    mkdirSync(dirname(o.out), { recursive: true });
    if (o.format === "avro") sinks.push(ocfSink(o.out, scenario.seed));
    else {
      const fd = openSync(o.out, "w");
      let buf: string[] = [];
      const flush = () => {
        if (buf.length) writeSync(fd, `${buf.join("\n")}\n`);
        buf = [];
      };
      const s = litellmSink((_k, json) => {
        buf.push(json);
        if (buf.length >= 1000) flush();
      });
      sinks.push({
        ...s,
        close: () => {
          flush();
          closeSync(fd);
        },
      });
    }
  }

  let producer: ReturnType<typeof createProducer> | undefined;
  if (o.kafkaTopic) {
    let settings: ReturnType<typeof parseConfig<typeof connectionSettings>>;
    let connection: ReturnType<typeof kafkaConnection>;
    try {
      settings = parseConfig(connectionSettings, process.env);
      connection = kafkaConnection(settings);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      console.error(`dg-sim: ${e.message}`);
      return 2;
    }
    const logger = createLogger("dg-sim", settings.logLevel, settings.logFormat);
    const kafka = createKafka({ clientId: "dg-sim", logger, ...connection });
    await ensureTopic(kafka, o.kafkaTopic, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
    producer = createProducer(kafka);
    await producer.connect();
    sinks.push(kafkaSink(producer, o.kafkaTopic, o.format));
  }

  const windowMs = scenario.durationMs;
  const bar =
    o.progress && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format: "{bar} {percentage}% of window | {events} events | {rate} ev/s | event time {clock}",
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  const t0 = performance.now();
  bar?.start(100, 0, { events: 0, rate: 0, clock: "" });
  const run = await simulate(scenario, calibration, sinks, {
    mode: o.mode,
    corpora: o.text === "corpora" ? { corpora: loadCorpora(), split: o.phrasings ?? o.split } : null,
    maxEvents: o.maxEvents ? Number(o.maxEvents) : undefined,
    onProgress: (clock, events) =>
      bar?.update(Math.floor(((clock - scenario.startMs) / windowMs) * 100), {
        events,
        rate: Math.round(events / ((performance.now() - t0) / 1000)),
        clock: new Date(clock).toISOString().slice(0, 19),
      }),
  });
  bar?.update(100);
  bar?.stop();
  await producer?.disconnect();
  const secs = (performance.now() - t0) / 1000;
  if (labelsPath) {
    mkdirSync(dirname(labelsPath), { recursive: true });
    writeFileSync(labelsPath, `${JSON.stringify(run.labels, null, 1)}\n`);
  }
  const campaigns = run.labels.campaigns
    .map((c) => `${c.campaign_id}: ${c.account_ids.length} accounts, ${c.events} requests`)
    .join("; ");
  console.error(
    `dg-sim: ${run.events} events in ${secs.toFixed(1)} s (${Math.round(run.events / secs)} ev/s)${o.out ? ` → ${o.out}` : ""}${o.kafkaTopic ? ` → kafka ${o.kafkaTopic}` : ""}${labelsPath ? `; labels → ${labelsPath}` : ""}${campaigns ? `; ${campaigns}` : ""}`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`dg-sim: ${describeStartFailure(e)}`);
    process.exit(1);
  },
);
