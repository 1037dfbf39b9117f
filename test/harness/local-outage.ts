import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const localScript = fileURLToPath(new URL("../../infra/local/services", import.meta.url));

/**
 * Runs `infra/local/services <action> <service>` without blocking the event loop: the consumers
 * under test must keep heartbeating and retrying while a server stops or starts.
 */
export function localService(action: "up" | "down", service: "clickhouse" | "kafka"): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [localScript, action, service], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`infra/local/services ${action} ${service} exited ${code}: ${output.trim()}`));
    });
  });
}

/**
 * Stops the local ClickHouse for the duration of `during` and always starts it again, so a
 * failing test never leaves a shared server down.
 */
export async function withClickHouseStopped<T>(during: () => Promise<T>): Promise<T> {
  try {
    await localService("down", "clickhouse");
    return await during();
  } finally {
    await localService("up", "clickhouse");
  }
}
