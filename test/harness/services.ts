import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export type ServicesMode = "external" | "docker" | "local";

export interface TestServices {
  mode: ServicesMode;
  kafkaBrokers: string;
  clickhouseUrl: string;
  /** Stops what this harness started; leaves alone what was already running. */
  stop(): Promise<void>;
}

const localScript = fileURLToPath(new URL("../../infra/local/services", import.meta.url));

/** Kafka 3.9 and a current ClickHouse, matching infra/docker/compose.yaml. */
export const dockerImages = {
  kafka: "apache/kafka:3.9.1",
  clickhouse: "clickhouse/clickhouse-server:25.8",
} as const;

/**
 * Where the integration tests find their servers, in order: KAFKA_BROKERS + CLICKHOUSE_URL
 * from the environment; containers when a Docker engine answers; else the native services of
 * infra/local. DG_TEST_SERVICES=external|docker|local forces one.
 */
export async function acquireServices(env: NodeJS.ProcessEnv = process.env): Promise<TestServices> {
  const forced = env.DG_TEST_SERVICES as ServicesMode | undefined;
  if (forced && !["external", "docker", "local"].includes(forced)) {
    throw new Error(`DG_TEST_SERVICES='${forced}' must be one of external, docker, local`);
  }
  if (forced === "external" || (!forced && env.KAFKA_BROKERS && env.CLICKHOUSE_URL)) {
    if (!env.KAFKA_BROKERS || !env.CLICKHOUSE_URL) {
      throw new Error("DG_TEST_SERVICES=external needs both KAFKA_BROKERS and CLICKHOUSE_URL");
    }
    return {
      mode: "external",
      kafkaBrokers: env.KAFKA_BROKERS,
      clickhouseUrl: env.CLICKHOUSE_URL,
      stop: async () => {},
    };
  }
  if (forced === "docker" || (!forced && (await dockerReachable()))) {
    return startContainers();
  }
  return startLocal(env);
}

async function dockerReachable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

function startLocal(env: NodeJS.ProcessEnv): TestServices {
  const wasRunning = spawnSync("bash", [localScript, "status"], { env, stdio: "ignore" }).status === 0;
  const up = spawnSync("bash", [localScript, "up"], { env, stdio: ["ignore", "inherit", "inherit"] });
  if (up.status !== 0) {
    throw new Error(`infra/local/services up failed (exit ${up.status}); its message is printed above`);
  }
  const printed = spawnSync("bash", [localScript, "env"], { env, encoding: "utf8" }).stdout;
  const vars = Object.fromEntries(
    printed
      .trim()
      .split("\n")
      .map((l) => l.split("=") as [string, string]),
  );
  return {
    mode: "local",
    kafkaBrokers: vars.KAFKA_BROKERS ?? "127.0.0.1:9092",
    clickhouseUrl: vars.CLICKHOUSE_URL ?? "http://127.0.0.1:8123",
    async stop() {
      if (!wasRunning && env.DG_KEEP_SERVICES !== "1") {
        spawnSync("bash", [localScript, "down"], { env, stdio: ["ignore", "inherit", "inherit"] });
      }
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

async function startContainers(): Promise<TestServices> {
  const { GenericContainer, Wait } = await import("testcontainers");
  // The broker must advertise the port clients reach it on, so the host port is chosen first.
  const kafkaPort = await freePort();
  const kafka = await new GenericContainer(dockerImages.kafka)
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: "1",
      KAFKA_PROCESS_ROLES: "broker,controller",
      KAFKA_LISTENERS: "PLAINTEXT://:9092,CONTROLLER://:9093",
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
      KAFKA_CONTROLLER_QUORUM_VOTERS: "1@localhost:9093",
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const clickhouse = await new GenericContainer(dockerImages.clickhouse)
    .withExposedPorts(8123)
    // Lets the passwordless default user connect from the host, as in infra/local.
    .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: "1" })
    .withWaitStrategy(Wait.forHttp("/ping", 8123).forStatusCode(200))
    .start();
  return {
    mode: "docker",
    kafkaBrokers: `127.0.0.1:${kafkaPort}`,
    clickhouseUrl: `http://${clickhouse.getHost()}:${clickhouse.getMappedPort(8123)}`,
    async stop() {
      await Promise.all([kafka.stop(), clickhouse.stop()]);
    },
  };
}
