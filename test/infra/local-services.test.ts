import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// These run the real script against ports and a state folder of their own, so they never
// touch the services the other tests use (those live in the default state folder).
const script = fileURLToPath(new URL("../../infra/local/services", import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), "dg-local-"));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => resolve(srv));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;

function run(args: string[], env: Record<string, string>) {
  return spawnSync("bash", [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, DG_STATE_DIR: stateDir, ...env },
    timeout: 90_000,
  });
}

describe("infra/local/services", () => {
  it("refuses to start Kafka on a taken port and names the port and the variable", async () => {
    const squatter = await listen();
    const free = await listen();
    const port = portOf(squatter);
    const controller = portOf(free);
    await new Promise((r) => free.close(r));
    try {
      const r = run(["up", "kafka"], { KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controller) });
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`port ${port} is in use`);
      expect(r.stderr).toContain("set KAFKA_PORT");
    } finally {
      squatter.close();
    }
  });

  it("refuses to start ClickHouse on a taken port and names the variable", async () => {
    const squatter = await listen();
    try {
      const r = run(["up", "clickhouse"], { CLICKHOUSE_HTTP_PORT: String(portOf(squatter)) });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`port ${portOf(squatter)} is in use`);
      expect(r.stderr).toContain("set CLICKHOUSE_HTTP_PORT");
    } finally {
      squatter.close();
    }
  });

  it("rejects a malformed port setting before doing anything", () => {
    const r = run(["status"], { KAFKA_PORT: "90x2" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("KAFKA_PORT='90x2' is not a TCP port");
  });

  it("checks the secured listeners' ports too, and only when they are set", () => {
    const r = run(["status"], { KAFKA_SASL_SSL_PORT: "0", CLICKHOUSE_HTTPS_PORT: "8443" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("KAFKA_SASL_SSL_PORT='0' is not a TCP port");
    expect(run(["env"], {}).stdout).not.toContain("TLS_DIR");
  });

  it("reports a broker that dies on start with the tail of its log", async () => {
    const a = await listen();
    const b = await listen();
    const [port, controller] = [portOf(a), portOf(b)];
    await Promise.all([new Promise((r) => a.close(r)), new Promise((r) => b.close(r))]);
    // A heap too small for the JVM to boot: a real start failure, reported from the log.
    const r = run(["up", "kafka"], {
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_HEAP_OPTS: "-Xmx1m",
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("kafka died on start");
    expect(r.stderr).toMatch(/heap/i);
    const status = run(["status", "kafka"], {});
    expect(status.status).toBe(1);
    expect(status.stdout).toContain("kafka: stopped");
  });
});
