import { ConfigError, type ConfigSpec, type Parsed, parseConfig } from "@distillguard/config";
import type { Kafka } from "kafkajs";
import {
  type ClickHouseConnection,
  type Connections,
  describeConnections,
  describeStartFailure,
  resolveConnections,
} from "./connections.ts";
import { createKafka } from "./kafka.ts";
import { createLogger, type Logger } from "./logger.ts";
import { defaultRegistry, serveMetrics } from "./metrics.ts";
import type { ConnectionSettings } from "./settings.ts";

export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The shell of a service process: settings validated and connection files read at start-up
 * (exit 2 with what to fix), pino logger, Kafka client, `/metrics`, and SIGTERM/SIGINT →
 * `stop()` (finish the batch in flight, checkpoint, commit, leave the group) → exit 0. A consumer crash kafkajs will not
 * restart exits 1, so a supervisor restarts the process.
 */
export async function runServiceMain<S extends ConfigSpec>(opts: {
  name: string;
  spec: S;
  prefix: string;
  metricsPort: (settings: Parsed<S>) => number;
  build: (
    settings: Parsed<S>,
    deps: { kafka: Kafka; clickhouse: ClickHouseConnection; logger: Logger; onFatal: (e: Error) => void },
  ) => Promise<Startable>;
}): Promise<never> {
  let settings: Parsed<S> & ConnectionSettings;
  let connections: Connections;
  try {
    settings = parseConfig(opts.spec, process.env, { prefix: opts.prefix }) as Parsed<S> & ConnectionSettings;
    connections = resolveConnections(settings);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger(opts.name, settings.logLevel, settings.logFormat);
  try {
    const kafka = createKafka({ clientId: `dg-${opts.name}`, logger, ...connections.kafka });
    let exit: (code: number) => void = () => {};
    const exited = new Promise<number>((resolve) => {
      exit = resolve;
    });
    let stopping = false;
    const shutdown = (why: string, code: number) => {
      if (stopping) return;
      stopping = true;
      void (async () => {
        logger.info({ why }, `${opts.name} shutting down`);
        try {
          await service.stop();
          exit(code);
        } catch (e) {
          logger.error({ err: e }, `${opts.name} did not stop cleanly`);
          exit(1);
        }
      })();
    };
    const service = await opts.build(settings, {
      kafka,
      clickhouse: connections.clickhouse,
      logger,
      onFatal: () => shutdown("consumer crash", 1),
    });
    process.once("SIGTERM", () => shutdown("SIGTERM", 0));
    process.once("SIGINT", () => shutdown("SIGINT", 0));
    const port = opts.metricsPort(settings);
    const server = port > 0 ? await serveMetrics(defaultRegistry, port) : undefined;
    await service.start();
    logger.info(
      { metricsPort: port || undefined, ...describeConnections(connections) },
      `${opts.name} running`,
    );
    const code = await exited;
    server?.close();
    process.exit(code);
  } catch (e) {
    logger.error({ err: e }, `${opts.name} failed`);
    console.error(`${opts.name} failed: ${describeStartFailure(e)}`);
    process.exit(1);
  }
}
