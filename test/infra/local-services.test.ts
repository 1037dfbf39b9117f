import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
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

function run(args: string[], env: Record<string, string>, timeout = 90_000) {
  return spawnSync("bash", [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, DG_STATE_DIR: stateDir, ...env },
    timeout,
  });
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, listen));
  const ports = servers.map(portOf);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** One busy loop per core, so the script's fork and the servers' start compete for the CPU. */
function cpuLoad(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
  );
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

  it("starts Kafka and ClickHouse from nothing under CPU load, though their pids run the script until exec", async () => {
    const [kafka, controller, http, tcp] = await freePorts(4);
    const env = {
      DG_STATE_DIR: mkdtempSync(join(tmpdir(), "dg-first-start-")),
      KAFKA_PORT: String(kafka),
      KAFKA_CONTROLLER_PORT: String(controller),
      CLICKHOUSE_HTTP_PORT: String(http),
      CLICKHOUSE_TCP_PORT: String(tcp),
      // Holds each forked child for 2 s before it execs the server: the window in which
      // /proc/<pid>/cmdline is still the script's, which a loaded first start used to fall in
      // by chance and be reported dead ("kafka died on start" with a healthy server.log).
      DG_START_EXEC_DELAY: "2",
      DG_START_TIMEOUT: "240",
    };
    let down: ReturnType<typeof run> | undefined;
    try {
      const load = cpuLoad();
      let up: ReturnType<typeof run>;
      try {
        up = run(["up"], env, 300_000);
      } finally {
        for (const p of load) p.kill("SIGKILL");
      }
      expect(up.stderr).toBe("");
      expect(up.status).toBe(0);
      expect(up.stdout).toMatch(/kafka: formatted storage/);
      expect(up.stdout).toMatch(new RegExp(`kafka: started \\(pid \\d+\\) on 127\\.0\\.0\\.1:${kafka}`));
      expect(up.stdout).toMatch(new RegExp(`clickhouse: started \\(pid \\d+\\) on 127\\.0\\.0\\.1:${http}`));
      // The pid files name the servers themselves: status and down find them.
      const status = run(["status"], env);
      expect(status.stdout).toContain("kafka: healthy");
      expect(status.stdout).toContain("clickhouse: healthy");
      expect(status.status).toBe(0);
    } finally {
      // Also after a failed up: a server judged dead may well be running (the old bug).
      down = run(["down"], env);
      rmSync(env.DG_STATE_DIR, { recursive: true, force: true });
    }
    expect(down.stdout).toMatch(/kafka: stopped \(pid \d+\)/);
    expect(down.stdout).toMatch(/clickhouse: stopped \(pid \d+\)/);
  }, 400_000);
});
