// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are compose and shell syntax, not JS templates
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { detectorSettings } from "@distillguard/detector-service";
import { ingestSettings } from "@distillguard/ingest";
import { linkerSettings } from "@distillguard/linker-service";
import { demoSettings, pipelineSettings } from "@distillguard/pipeline";
import { resultSinkSettings } from "@distillguard/sink";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { dockerImages } from "../harness/services.ts";

const root = new URL("../../", import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), "utf8");
const readme = read("README.md");
const tableVars = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]));

describe("README", () => {
  it("has exactly two commands in its Quick start", () => {
    const quick = readme.split("## Quick start")[1]?.split("## ")[0] ?? "";
    const block = /```sh\n([\s\S]*?)```/.exec(quick)?.[1] ?? "";
    const commands = block.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
    expect(commands.map((c) => c.split("#")[0]?.trim())).toEqual(["npm run demo", "npm test"]);
    expect(read(".ci/run")).toMatch(/^npm test$/m);
  });

  it("documents every setting the code reads", () => {
    const fromSpecs = [
      demoSettings,
      ingestSettings,
      detectorSettings,
      linkerSettings,
      resultSinkSettings,
      pipelineSettings,
    ].flatMap((spec) => Object.values(spec).map((f) => f.env));
    const fromCode = readdirSync(new URL("services/", root), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") && !f.includes("node_modules"))
      .flatMap((f) =>
        [...read(`services/${f}`).matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]),
      );
    const fromShell = [...read("infra/local/services").matchAll(/\$\{([A-Z][A-Z0-9_]+):-/g)].map((m) => m[1]);
    const fromCompose = [...read("infra/docker/compose.yaml").matchAll(/\$\{([A-Z][A-Z0-9_]+):-/g)].map(
      (m) => m[1],
    );
    const fromHarness = [...read("test/harness/services.ts").matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map(
      (m) => m[1],
    );
    const missing = [
      ...new Set([...fromSpecs, ...fromCode, ...fromShell, ...fromCompose, ...fromHarness]),
    ].filter((v) => !tableVars.has(v));
    expect(missing).toEqual([]);
  });

  it("links only to files that exist", () => {
    for (const [, target] of readme.matchAll(/\]\(([^)#]+)\)/g)) {
      if (!target || target.startsWith("http")) continue;
      expect(existsSync(new URL(target, root)), target).toBe(true);
    }
  });
});

describe("infra/docker/compose.yaml", () => {
  const compose = parse(read("infra/docker/compose.yaml"));
  it("runs the same images the test harness would start", () => {
    expect(compose.services.kafka.image).toBe(dockerImages.kafka);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:3\.9\./);
    expect(compose.services.clickhouse.image).toBe(dockerImages.clickhouse);
    expect(compose.services.grafana.environment.GF_PLUGINS_PREINSTALL).toBe("grafana-clickhouse-datasource");
  });

  it("publishes the local default ports on loopback only", () => {
    expect(compose.services.kafka.ports).toEqual(["127.0.0.1:${KAFKA_PORT:-9092}:9092"]);
    expect(compose.services.kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain(
      "127.0.0.1:${KAFKA_PORT:-9092}",
    );
    expect(compose.services.clickhouse.ports).toEqual([
      "127.0.0.1:${CLICKHOUSE_HTTP_PORT:-8123}:8123",
      "127.0.0.1:${CLICKHOUSE_TCP_PORT:-9000}:9000",
    ]);
    const local = read("infra/local/services");
    expect(local).toContain('KAFKA_PORT="${KAFKA_PORT:-9092}"');
    expect(local).toContain('CLICKHOUSE_HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-8123}"');
    expect(local).toContain('CLICKHOUSE_TCP_PORT="${CLICKHOUSE_TCP_PORT:-9000}"');
  });
});

describe("docs/events.md", () => {
  it("documents every ApiRequest field and every DLQ header", async () => {
    const { schemaVersion } = await import("@distillguard/contract");
    const { DLQ_HEADERS } = await import("@distillguard/runtime");
    const doc = read("docs/events.md");
    const type = schemaVersion("api-request").type as unknown as { fields: { name: string }[] };
    const row = (name: string) => new RegExp(`\\|\\s*\`${name}\`\\s*\\|`);
    for (const f of type.fields) expect(doc, f.name).toMatch(row(f.name));
    for (const h of Object.values(DLQ_HEADERS)) expect(doc, h).toMatch(row(h));
  });
});
