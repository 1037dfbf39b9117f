import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
export const VENV = join(ROOT, ".local/litellm-venv");
const PYTHON = join(VENV, "bin/python");

export const MASTER_KEY = "sk-dg-test-master";

export interface Identity {
  team_id?: string;
  user_id?: string;
  org_id?: string;
}

export interface ProxyOptions {
  upstreamUrl: string;
  /** key → identity custom_auth gives it; without, only the master key is accepted. */
  identities?: Record<string, Identity>;
  /** LiteLLM's turn_off_message_logging: the payload's messages become a placeholder. */
  redactMessages?: boolean;
  /** DG_KAFKA_* for the logger under test. */
  loggerEnv: Record<string, string>;
}

export interface LiteLLMProxy {
  url: string;
  /** Everything the proxy printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves on exit. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: string | null }>;
}

/**
 * A real LiteLLM proxy from the project venv on a free loopback port, with the Distillguard
 * Kafka logger and, given identities, a custom_auth giving each key a team/user/org. The client
 * address comes from the X-Forwarded-For header (use_x_forwarded_for), as behind a load
 * balancer.
 */
export async function startProxy(opts: ProxyOptions): Promise<LiteLLMProxy> {
  if (!existsSync(join(VENV, "bin/litellm"))) {
    throw new Error(`no LiteLLM in ${VENV}: run bash scripts/ensure-deps.sh --tests (npm test does)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "dg-litellm-"));
  const port = await freePort();
  const upstream = (model: string, path = "/v1") => ({
    model,
    api_base: `${opts.upstreamUrl}${path}`,
    api_key: "fake-upstream-key",
  });
  const config = {
    model_list: [
      { model_name: "gpt-4o-mini", litellm_params: upstream("openai/gpt-4o-mini") },
      { model_name: "rate-limited", litellm_params: upstream("openai/force-429") },
      { model_name: "claude-fake", litellm_params: upstream("anthropic/claude-sonnet-4-5", "") },
    ],
    router_settings: { num_retries: 0 },
    litellm_settings: {
      callbacks: ["distillguard_kafka.kafka_logger"],
      num_retries: 0,
      telemetry: false,
      // In-process cache: no Redis, and a repeated request is a cache hit.
      cache: true,
      cache_params: { type: "local" },
      ...(opts.redactMessages ? { turn_off_message_logging: true } : {}),
    },
    general_settings: {
      master_key: MASTER_KEY,
      ...(opts.identities ? { custom_auth: "custom_auth.user_api_key_auth" } : {}),
      use_x_forwarded_for: true,
    },
  };
  // JSON is YAML: no YAML writer needed.
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const child = spawn(
    join(VENV, "bin/litellm"),
    ["--config", configPath, "--host", "127.0.0.1", "--port", String(port)],
    {
      cwd: dir,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        ...opts.loggerEnv,
        PYTHONPATH: [join(ROOT, "integrations/litellm"), import.meta.dirname].join(":"),
        PYTHONUNBUFFERED: "1",
        DG_TEST_IDENTITIES: JSON.stringify(opts.identities ?? {}),
        // The model price map ships with the package; fetching it would wait on the network.
        LITELLM_LOCAL_MODEL_COST_MAP: "True",
      },
    },
  );
  let printed = "";
  const keep = (b: Buffer) => {
    printed = (printed + b.toString("utf8")).slice(-1_000_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: string | null }>((res) =>
    child.once("exit", (code, signal) => res({ code, signal })),
  );

  const url = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 20_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      signal(child, "SIGTERM");
      const timer = setTimeout(() => signal(child, "SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return result;
    }
    rmSync(dir, { recursive: true, force: true });
    return exited;
  };
  try {
    await waitReady(url, exited, 90_000);
  } catch (e) {
    await stop(2_000);
    throw new Error(`${e instanceof Error ? e.message : e}\n--- proxy output ---\n${printed.slice(-4000)}`);
  }
  return { url, output: () => printed, stop };
}

export interface Case {
  name: string;
  key: string;
  api: "chat" | "responses" | "messages";
  body: Record<string, unknown>;
}

/** Runs driver.py with the venv's openai client; what each case got, by name. */
export async function drive(
  baseUrl: string,
  forwardedFor: string,
  cases: Case[],
): Promise<Map<string, { status: number; ms: number }>> {
  const child = spawn(PYTHON, [join(import.meta.dirname, "driver.py")], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
  child.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
  child.stdin.end(JSON.stringify({ base_url: baseUrl, forwarded_for: forwardedFor, cases }));
  const code = await new Promise<number | null>((res) => child.once("exit", res));
  if (code !== 0) throw new Error(`driver.py exited ${code}:\n${err.slice(-4000)}`);
  const got = new Map<string, { status: number; ms: number }>();
  for (const line of out.trim().split("\n")) {
    const { name, status, ms } = JSON.parse(line) as { name: string; status: number; ms: number };
    got.set(name, { status, ms });
  }
  return got;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const address = server.address();
  await new Promise<void>((res) => server.close(() => res()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function signal(child: ChildProcess, name: NodeJS.Signals) {
  // The whole group: the CLI may run the server in a child process.
  try {
    if (child.pid) process.kill(-child.pid, name);
  } catch {
    // Already gone.
  }
}

async function waitReady(url: string, exited: Promise<unknown>, ms: number) {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (gone) throw new Error("LiteLLM proxy exited during start");
    try {
      const r = await fetch(`${url}/health/liveliness`, { signal: AbortSignal.timeout(2_000) });
      if (r.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`LiteLLM proxy not ready within ${ms} ms`);
}
