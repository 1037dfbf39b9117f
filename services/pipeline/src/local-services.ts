import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../../infra/local/services", import.meta.url));

/**
 * Runs `infra/local/services up`: provisions and starts Kafka and ClickHouse on this machine
 * and waits until both are healthy. Its progress goes straight to the terminal (stderr).
 */
export function startLocalServices(env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync("bash", [script, "up"], { stdio: ["ignore", 2, 2], env });
  if (r.status !== 0) {
    throw new Error(`infra/local/services up failed (exit ${r.status ?? r.signal}); see the message above`);
  }
}
