// The ingest process: LiteLLM logs → fingerprinted ApiRequests. Run from the repo root with
// `node --import tsx services/ingest/src/main.ts`; settings come from the environment
// (services/ingest/README.md). SIGTERM or SIGINT stops it after the batch in flight.
import { ConfigError, parseConfig } from "@distillguard/config";
import { createKafka, createLogger, ensureTopic } from "@distillguard/runtime";
import { createIngest } from "./ingest.ts";
import { type IngestSettings, ingestSettings } from "./settings.ts";

async function main(): Promise<number> {
  let settings: IngestSettings;
  try {
    settings = parseConfig(ingestSettings, process.env, { prefix: "DG_INGEST_" });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  const logger = createLogger("ingest", settings.logLevel, settings.logFormat);
  const kafka = createKafka({ clientId: "dg-ingest", brokers: settings.kafkaBrokers, logger });
  // The input topic belongs to the gateway; the ones this service writes it creates if missing.
  await ensureTopic(kafka, settings.outputTopic, { partitions: 3 });
  await ensureTopic(kafka, settings.dlqTopic, { partitions: 1 });

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
      brokers: settings.kafkaBrokers,
      input: settings.inputTopic,
      output: settings.outputTopic,
      dlq: settings.dlqTopic,
    },
    "ingest running",
  );
  return exited;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`ingest failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
