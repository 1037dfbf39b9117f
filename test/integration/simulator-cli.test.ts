import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiRequestCodec } from "@distillguard/contract";
import { createKafka, createLogger } from "@distillguard/runtime";
import { archetypes, campaignTypes, scenarios } from "@distillguard/simulator";
import { describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dg-sim-cli-"));
const sim = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", "services/simulator/src/cli.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });

describe("dg-sim CLI", () => {
  it("lists every scenario, archetype and campaign type in its help", () => {
    const r = sim(["--help"]);
    expect(r.status).toBe(0);
    for (const name of [
      ...Object.keys(scenarios),
      ...Object.keys(archetypes),
      ...Object.keys(campaignTypes),
    ]) {
      expect(r.stdout).toContain(name);
    }
  });

  it("is reproducible byte for byte and writes labels apart from events", () => {
    const args = (out: string) => [
      "--scenario",
      "hydra",
      "--seed",
      "7",
      "--duration",
      "1h",
      "--accounts",
      "2000",
      "--out",
      out,
      "--no-progress",
    ];
    const a = sim(args(join(dir, "a.avro")));
    const b = sim(args(join(dir, "b.avro")));
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(readFileSync(join(dir, "a.avro")).equals(readFileSync(join(dir, "b.avro")))).toBe(true);
    expect(readFileSync(join(dir, "a.avro.labels.json"), "utf8")).toBe(
      readFileSync(join(dir, "b.avro.labels.json"), "utf8"),
    );
    const labels = JSON.parse(readFileSync(join(dir, "a.avro.labels.json"), "utf8"));
    expect(labels.campaigns[0].type).toBe("hydra");
    expect(labels.campaigns[0].account_ids.length).toBe(labels.campaigns[0].params.accounts);
    expect(labels.campaigns[0].account_ids.length).toBeGreaterThanOrEqual(300);
  });

  it("rejects bad options with a message naming each one", () => {
    const r = sim(["--scenario", "nope", "--duration", "6 hours", "--out", join(dir, "x.avro")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--scenario 'nope'");
    expect(r.stderr).toContain("--duration");
  });

  it("produces to Kafka, keyed by account, every record decodable", async () => {
    const { topic, groupId } = testNames("sim-cli");
    const r = sim(
      [
        "--scenario",
        "heavy",
        "--seed",
        "3",
        "--duration",
        "20m",
        "--accounts",
        "500",
        "--kafka-topic",
        topic,
        "--labels",
        join(dir, "k.json"),
        "--no-progress",
      ],
      {
        KAFKA_BROKERS: servers().kafkaBrokers.join(","),
        LOG_FORMAT: "json",
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const labels = JSON.parse(readFileSync(join(dir, "k.json"), "utf8"));
    const kafka = createKafka({
      clientId: "dg-test",
      brokers: servers().kafkaBrokers,
      logger: createLogger("test", "warn", "json"),
    });
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
    let n = 0;
    let keyed = true;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const req = apiRequestCodec.decode(message.value ?? Buffer.alloc(0));
        keyed &&= message.key?.toString() === req.account_id;
        n++;
      },
    });
    const deadline = Date.now() + 60_000;
    while (n < labels.events && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
    await consumer.disconnect();
    expect(n).toBe(labels.events);
    expect(keyed).toBe(true);
  });
});
