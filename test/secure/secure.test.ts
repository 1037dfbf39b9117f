// Secured connections for real: a broker with a SASL_SSL listener (SCRAM, PLAIN) and an SSL
// listener that requires client certificates, and a ClickHouse with HTTPS and a password
// user, all started by infra/local/services in a state folder and on ports of its own, with
// certificates and passwords it makes there with openssl. Nothing here touches the servers
// the other tests share.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { litellmFixtures } from "@distillguard/litellm/fixtures";
import {
  connectionsFromEnv,
  createClickHouse,
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
} from "@distillguard/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const script = join(root, "infra/local/services");
const stateDir = mkdtempSync(join(tmpdir(), "dg-secure-"));
const logger = createLogger("test", "warn", "json");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

let servicesEnv: Record<string, string> = {};
/** What `infra/local/services env` printed: the secured addresses, the user, the TLS folder. */
let local: Record<string, string> = {};
const tls = (f: string) => join(local.TLS_DIR ?? "", f);
const secret = (f: string) => readFileSync(tls(f), "utf8").trim();

function services(...args: string[]) {
  return spawnSync("bash", [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...servicesEnv },
    timeout: 150_000,
  });
}

beforeAll(async () => {
  const [kafka, controller, saslSsl, ssl, http, tcp, https] = await Promise.all(
    Array.from({ length: 7 }, freePort),
  );
  servicesEnv = {
    DG_STATE_DIR: stateDir,
    KAFKA_PORT: String(kafka),
    KAFKA_CONTROLLER_PORT: String(controller),
    KAFKA_SASL_SSL_PORT: String(saslSsl),
    KAFKA_SSL_PORT: String(ssl),
    CLICKHOUSE_HTTP_PORT: String(http),
    CLICKHOUSE_TCP_PORT: String(tcp),
    CLICKHOUSE_HTTPS_PORT: String(https),
  };
  const up = services("up");
  if (up.status !== 0) throw new Error(`secured services did not start:\n${up.stdout}${up.stderr}`);
  local = Object.fromEntries(
    services("env")
      .stdout.trim()
      .split("\n")
      .map((l) => l.split("=") as [string, string]),
  );
}, 180_000);

afterAll(() => {
  services("down");
  rmSync(stateDir, { recursive: true, force: true });
});

/** SCRAM-SHA-512 over TLS, the broker checked against the local CA; password from a file. */
const scramEnv = () => ({
  KAFKA_BROKERS: local.SASL_SSL_BROKERS ?? "",
  DG_KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
  DG_KAFKA_SASL_MECHANISM: "SCRAM-SHA-512",
  DG_KAFKA_SASL_USERNAME: local.SECURE_USER ?? "",
  DG_KAFKA_SASL_PASSWORD_FILE: tls("kafka.password"),
  DG_KAFKA_SSL_CA_LOCATION: tls("ca.pem"),
});
/** mTLS: the client certificate is the login. */
const mtlsEnv = () => ({
  KAFKA_BROKERS: local.SSL_BROKERS ?? "",
  DG_KAFKA_SECURITY_PROTOCOL: "SSL",
  DG_KAFKA_SSL_CA_LOCATION: tls("ca.pem"),
  DG_KAFKA_SSL_CERTIFICATE_LOCATION: tls("client.pem"),
  DG_KAFKA_SSL_KEY_LOCATION: tls("client.key"),
});
/** ClickHouse over HTTPS as the password user. */
const clickhouseEnv = () => ({
  CLICKHOUSE_URL: local.CLICKHOUSE_HTTPS_URL ?? "",
  DG_CLICKHOUSE_USER: local.SECURE_USER ?? "",
  DG_CLICKHOUSE_PASSWORD_FILE: tls("clickhouse.password"),
  DG_CLICKHOUSE_CA_FILE: tls("ca.pem"),
});

/** What no log line may hold: both passwords and a line of the client's private key. */
const secrets = () => [
  secret("kafka.password"),
  secret("clickhouse.password"),
  readFileSync(tls("client.key"), "utf8").split("\n")[1] ?? "",
];

interface Service {
  output: () => string;
  exited: Promise<number | null>;
}

/** A service's main as its own process, with only the given settings and its output kept. */
function startService(main: string, env: Record<string, string>): Service & { child: ChildProcess } {
  // Nothing of this process's own connection settings may leak into the child's.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DG_|KAFKA_|CLICKHOUSE_)/.test(k)),
  );
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: "debug", LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

function expectNoSecret(output: string) {
  for (const s of secrets()) {
    expect(s.length).toBeGreaterThan(8);
    expect(output).not.toContain(s);
  }
}

describe("secured Kafka and ClickHouse", () => {
  it("logs in with each SASL mechanism over TLS and with a client certificate; refuses a client without one", async () => {
    const reach = async (env: Record<string, string>) => {
      const admin = createKafka({
        clientId: "dg-test-secure",
        logger,
        ...connectionsFromEnv(env).kafka,
        extra: { retry: { retries: 0 } },
      }).admin();
      try {
        await admin.connect();
        return (await admin.describeCluster()).brokers.length;
      } finally {
        await admin.disconnect();
      }
    };
    for (const mechanism of ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]) {
      expect(await reach({ ...scramEnv(), DG_KAFKA_SASL_MECHANISM: mechanism }), mechanism).toBe(1);
    }
    expect(await reach(mtlsEnv())).toBe(1);
    const withoutCertificate = {
      KAFKA_BROKERS: local.SSL_BROKERS ?? "",
      DG_KAFKA_SECURITY_PROTOCOL: "SSL",
      DG_KAFKA_SSL_CA_LOCATION: tls("ca.pem"),
    };
    await expect(reach(withoutCertificate)).rejects.toThrow(/certificate/);
  });

  it("streams LiteLLM logs through the ingest over SCRAM/TLS and the sink over mTLS into ClickHouse over HTTPS", async () => {
    const topics = {
      DG_INGEST_INPUT_TOPIC: "secure-litellm",
      DG_INGEST_OUTPUT_TOPIC: "secure-requests",
      DG_INGEST_DLQ_TOPIC: "secure-ingest-dlq",
    };
    const kafka = createKafka({
      clientId: "dg-test-secure",
      logger,
      ...connectionsFromEnv(scramEnv()).kafka,
    });
    await ensureTopic(kafka, topics.DG_INGEST_INPUT_TOPIC, { partitions: 1 });
    // The sink subscribes to every result topic; here only the requests carry records.
    for (const t of ["secure-scores", "secure-alerts", "secure-campaigns"]) {
      await ensureTopic(kafka, t, { partitions: 1 });
    }
    const fixtures = litellmFixtures();
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({
      topic: topics.DG_INGEST_INPUT_TOPIC,
      messages: fixtures.map((f) => ({ value: f.bytes })),
    });
    await producer.disconnect();

    const ingest = startService("services/ingest/src/main.ts", {
      ...scramEnv(),
      ...topics,
      DG_INGEST_GROUP: "secure-ingest",
      DG_INGEST_ASN_FILES: "off",
      DG_INGEST_COUNTRY_FILES: "off",
    });
    const sink = startService("services/sink/src/main.ts", {
      ...mtlsEnv(),
      ...clickhouseEnv(),
      CLICKHOUSE_DATABASE: "dg_secure",
      DG_REQUESTS_TOPIC: topics.DG_INGEST_OUTPUT_TOPIC,
      DG_SCORES_TOPIC: "secure-scores",
      DG_ALERTS_TOPIC: "secure-alerts",
      DG_CAMPAIGNS_TOPIC: "secure-campaigns",
      DG_DLQ_TOPIC: "secure-sink-dlq",
      DG_SINK_GROUP: "secure-sink",
      DG_SINK_REQUEST_SAMPLE_RATE: "1",
      DG_SINK_RETENTION_INTERVAL: "0",
      DG_SINK_METRICS_PORT: "0",
    });
    const clickhouse = createClickHouse({
      ...connectionsFromEnv(clickhouseEnv()).clickhouse,
      database: "dg_secure",
    });
    try {
      const stored = async () => {
        try {
          const rs = await clickhouse.query({
            query: "SELECT DISTINCT request_id FROM api_requests ORDER BY request_id",
            format: "JSONEachRow",
          });
          return ((await rs.json()) as { request_id: string }[]).map((r) => r.request_id);
        } catch {
          return []; // the sink has not created the table yet
        }
      };
      const expected = fixtures.map((f) => f.expected.request_id).sort();
      await waitFor(
        "every fixture stored in ClickHouse",
        async () => (await stored()).length >= expected.length,
      );
      expect(await stored()).toEqual(expected);
    } finally {
      await clickhouse.close();
      ingest.child.kill("SIGTERM");
      sink.child.kill("SIGTERM");
    }
    expect(await ingest.exited, ingest.output()).toBe(0);
    expect(await sink.exited, sink.output()).toBe(0);

    // The running lines show the secured paths were taken, and that the logs were captured.
    const running = (s: Service, msg: string) =>
      s
        .output()
        .split("\n")
        .filter((l) => l.includes(`"msg":"${msg}"`))
        .map((l) => JSON.parse(l));
    expect(running(ingest, "ingest running")[0]?.kafka).toMatchObject({
      tls: { ca: "file", clientCertificate: false },
      sasl: { mechanism: "scram-sha-512", username: local.SECURE_USER },
    });
    expect(running(sink, "sink running")[0]).toMatchObject({
      kafka: { tls: { ca: "file", clientCertificate: true }, sasl: false },
      clickhouse: { url: local.CLICKHOUSE_HTTPS_URL, user: local.SECURE_USER, ca: "file" },
    });
    expectNoSecret(ingest.output() + sink.output());
  }, 180_000);

  it("stops at start on a wrong Kafka or ClickHouse password, saying which settings to check", async () => {
    const wrong = "wrong-Pa55-word-123";
    const ingest = startService("services/ingest/src/main.ts", {
      ...scramEnv(),
      DG_KAFKA_SASL_PASSWORD_FILE: "",
      DG_KAFKA_SASL_PASSWORD: wrong,
      DG_INGEST_INPUT_TOPIC: "secure-wrong",
      DG_INGEST_OUTPUT_TOPIC: "secure-wrong-out",
      DG_INGEST_DLQ_TOPIC: "secure-wrong-dlq",
      DG_INGEST_ASN_FILES: "off",
      DG_INGEST_COUNTRY_FILES: "off",
    });
    const sink = startService("services/sink/src/main.ts", {
      ...mtlsEnv(),
      ...clickhouseEnv(),
      DG_CLICKHOUSE_PASSWORD_FILE: "",
      DG_CLICKHOUSE_PASSWORD: wrong,
      DG_SINK_METRICS_PORT: "0",
      DG_DLQ_TOPIC: "secure-wrong-sink-dlq",
    });
    expect(await ingest.exited, ingest.output()).toBe(1);
    expect(await sink.exited, sink.output()).toBe(1);
    expect(ingest.output()).toContain("ingest failed: SASL SCRAM SHA512 authentication failed");
    expect(ingest.output()).toContain(
      "Kafka refused the login; check DG_KAFKA_SASL_USERNAME, DG_KAFKA_SASL_PASSWORD and DG_KAFKA_SASL_MECHANISM",
    );
    expect(sink.output()).toMatch(
      /sink failed: Code: 193\b.*Wrong password for user distillguard: ClickHouse refused the login; check DG_CLICKHOUSE_USER and DG_CLICKHOUSE_PASSWORD/,
    );
    expectNoSecret(ingest.output() + sink.output());
    expect(ingest.output() + sink.output()).not.toContain(wrong);
  }, 120_000);
});
