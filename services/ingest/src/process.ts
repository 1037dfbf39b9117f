import { ConfigError, parseConfig } from "@distillguard/config";
import {
  createKafka,
  createLogger,
  describeKafka,
  ensureTopic,
  type KafkaConnection,
  kafkaConnection,
} from "@distillguard/runtime";
import { createIngest } from "./ingest.ts";
import type { NetworkTables } from "./networks.ts";
import { loadNetworkTables } from "./networks.ts";
import { type IngestSettings, ingestSettings } from "./settings.ts";
import type { BatchTranslator } from "./translator.ts";

/**
 * The ingest as a process: settings from the environment (exit code 2 with what to fix),
 * logger, Kafka, topics, SIGTERM/SIGINT. Resolves with the exit code. `translator` replaces the
 * worker translator, for tests that need a record to stall.
 */
export async function runIngestProcess(
  opts: { translator?: (recordBudgetMs: number, networks: NetworkTables) => BatchTranslator } = {},
): Promise<number> {
  let settings: IngestSettings;
  let connection: KafkaConnection;
  try {
    settings = parseConfig(ingestSettings, process.env, { prefix: "DG_INGEST_" });
    connection = kafkaConnection(settings);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const logger = createLogger("ingest", settings.logLevel, settings.logFormat);
  const kafka = createKafka({ clientId: "dg-ingest", logger, ...connection });
  // The input topic belongs to the gateway; the ones this service writes it creates if missing.
  await ensureTopic(kafka, settings.outputTopic, { partitions: 3 });
  await ensureTopic(kafka, settings.dlqTopic, { partitions: 1 });

  const loadStarted = performance.now();
  const networks = loadNetworkTables({ asn: settings.asnFiles, country: settings.countryFiles });
  logger.info(
    {
      ms: Math.round(performance.now() - loadStarted),
      asnRanges: networks.asn ? networks.asn.v4Start.length + networks.asn.v6StartHi.length : 0,
      countryRanges: networks.country
        ? networks.country.v4Start.length + networks.country.v6StartHi.length
        : 0,
    },
    "IP tables loaded",
  );

  let exit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => {
    exit = resolve;
  });
  const ingest = createIngest({
    kafka,
    logger,
    inputTopic: settings.inputTopic,
    outputTopic: settings.outputTopic,
    dlqTopic: settings.dlqTopic,
    groupId: settings.groupId,
    recordBudgetMs: settings.recordBudget,
    networks,
    mapping: { elicitation: settings.elicitation },
    ...(opts.translator ? { translator: opts.translator(settings.recordBudget, networks) } : {}),
    onFatal: () => void shutdown("consumer crash", 1),
  });
  function shutdown(why: string, code: number): Promise<void> {
    logger.info({ why }, "ingest shutting down");
    return ingest.stop().then(
      () => exit(code),
      (e) => {
        logger.error({ err: e }, "ingest did not stop cleanly");
        exit(1);
      },
    );
  }
  process.once("SIGTERM", () => void shutdown("SIGTERM", 0));
  process.once("SIGINT", () => void shutdown("SIGINT", 0));

  await ingest.start();
  logger.info(
    {
      kafka: describeKafka(connection),
      input: settings.inputTopic,
      output: settings.outputTopic,
      dlq: settings.dlqTopic,
    },
    "ingest running",
  );
  return exited;
}
