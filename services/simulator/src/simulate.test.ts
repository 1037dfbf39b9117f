import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiRequestCodec, schemaVersion } from "@distillguard/contract";
import { decodeStandardLoggingPayload, keyIdOf, toApiRequest } from "@distillguard/litellm";
import { canonicalAddress, parseAddress } from "@distillguard/networks";
import avro from "avsc";
import { beforeAll, describe, expect, it } from "vitest";
import { loadAzureTrace } from "./calibration.ts";
import type { Draft } from "./draft.ts";
import { costUsd } from "./engine.ts";
import { asGatewayLogs, litellmSink } from "./litellm-sink.ts";
import { encodedSink, ocfSink, simulate } from "./run.ts";
import { archetypes, buildScenario, campaignTypes, type ScenarioOptions } from "./scenario.ts";

const calibration = loadAzureTrace();
const dir = mkdtempSync(join(tmpdir(), "dg-sim-test-"));
const base: ScenarioOptions = {
  scenario: "all",
  seed: 7,
  startMs: Date.parse("2026-03-02T00:00:00Z"),
  durationMs: 2 * 3_600_000,
  accounts: 3_000,
  releaseAt: 0.25,
  campaignScale: 1,
};

function readOcf(path: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const out: Record<string, unknown>[] = [];
    avro
      .createFileDecoder(path)
      .on("data", (r: Record<string, unknown>) => out.push(r))
      .on("end", () => resolve(out))
      .on("error", reject);
  });
}

describe("simulate", () => {
  let run: Awaited<ReturnType<typeof simulate>>;
  let records: Record<string, unknown>[];
  // What the gateway logs beside the v2 records the file holds: the account's spend.
  const spends: { account: string; spend: number | null; cost: number }[] = [];
  beforeAll(async () => {
    const spendSink = {
      write(d: Draft) {
        const r = d.record;
        spends.push({ account: r.account_id, spend: r.account_spend_usd, cost: costUsd(d) });
      },
      close() {},
    };
    run = await simulate(base, calibration, [ocfSink(join(dir, "a.avro"), base.seed), spendSink], {
      mode: "fingerprint",
    });
    records = await readOcf(join(dir, "a.avro"));
  });

  it("is byte-identical for the same seed and options, and differs for another seed", async () => {
    const again = await simulate(base, calibration, [ocfSink(join(dir, "b.avro"), base.seed)], {
      mode: "fingerprint",
    });
    expect(readFileSync(join(dir, "b.avro")).equals(readFileSync(join(dir, "a.avro")))).toBe(true);
    expect(again.labels).toEqual(run.labels);
    await simulate({ ...base, seed: 8 }, calibration, [ocfSink(join(dir, "c.avro"), 8)], {
      mode: "fingerprint",
    });
    expect(readFileSync(join(dir, "c.avro")).equals(readFileSync(join(dir, "a.avro")))).toBe(false);
  });

  it("writes a standard Avro container: every event, in event-time order, inside the window", () => {
    expect(records).toHaveLength(run.events);
    let prev = 0;
    for (const r of records) {
      const t = r.event_time_ms as number;
      expect(t).toBeGreaterThanOrEqual(prev);
      prev = t;
    }
    expect(records[0]?.event_time_ms).toBeGreaterThanOrEqual(base.startMs);
    expect(prev).toBeLessThan(base.startMs + base.durationMs);
  });

  it("keeps ground truth out of the event stream", () => {
    // The fast path writes v2 (services/simulator/src/encoder.ts): v3's fields are what a
    // gateway's answer carries, which only text mode (through LiteLLM JSON) has.
    const fields = schemaVersion("api-request", 2).type as avro.types.RecordType;
    expect(Object.keys(records[0] ?? {}).sort()).toEqual(fields.fields.map((f) => f.name).sort());
    const text = JSON.stringify(records.slice(0, 2000));
    expect(text).not.toMatch(/hydra|extraction|campaign|cmp_|benign/);
  });

  it("has every benign archetype and every campaign type, each with traffic", () => {
    for (const g of Object.keys(archetypes)) {
      expect(run.labels.groups[g]?.accounts, g).toBeGreaterThan(0);
      expect(run.labels.groups[g]?.events, g).toBeGreaterThan(0);
    }
    expect(run.labels.campaigns.map((c) => c.type).sort()).toEqual(Object.keys(campaignTypes).sort());
    for (const c of run.labels.campaigns) {
      expect(c.events, c.type).toBeGreaterThan(0);
      expect(c.one_percent_ms, c.type).toBeGreaterThanOrEqual(c.first_event_ms ?? 0);
    }
  });

  it("keeps each hydra account below the benign median volume", () => {
    const perAccount = new Map<string, number>();
    for (const r of records)
      perAccount.set(r.account_id as string, (perAccount.get(r.account_id as string) ?? 0) + 1);
    const hydra = new Set(run.labels.campaigns.find((c) => c.type === "hydra")?.account_ids);
    const listed = new Set(run.labels.accounts.map((a) => a.account_id));
    const plain = [...perAccount]
      .filter(([a]) => !listed.has(a))
      .map(([, n]) => n)
      .sort((a, b) => a - b);
    const median = plain[plain.length >> 1] ?? 0;
    const hydraMax = Math.max(...[...perAccount].filter(([a]) => hydra.has(a)).map(([, n]) => n));
    expect(hydraMax).toBeLessThanOrEqual(median);
  });

  it("shares fingerprints the way the archetypes say", () => {
    const agents = new Set(
      run.labels.accounts.filter((a) => a.group === "coding_agent").map((a) => a.account_id),
    );
    const systemHashes = new Set(
      records
        .filter((r) => agents.has(r.account_id as string))
        .map((r) => (r.system_prompt_hash as Buffer | null)?.toString("hex")),
    );
    expect(systemHashes.size).toBe(1);
    const nat = new Set(
      run.labels.accounts.filter((a) => a.group === "corporate_nat").map((a) => a.account_id),
    );
    const natIps = new Set(
      records.filter((r) => nat.has(r.account_id as string)).map((r) => r.client_address),
    );
    expect(natIps.size).toBe(1);
  });

  it("hands a sweep's accounts one work list between them: no account asks another's item", () => {
    const sweep = new Set(run.labels.campaigns.find((c) => c.type === "sweep")?.account_ids);
    const asked = records
      .filter((r) => sweep.has(r.account_id as string))
      .map((r) => (r.prompt_simhash as Buffer).toString("hex"));
    expect(asked.length).toBeGreaterThan(20);
    expect(new Set(asked).size).toBeGreaterThan(asked.length * 0.95);
  });

  it("opens a class's accounts in one lecture, most asking the handout in the teacher's words", () => {
    const students = new Set(
      run.labels.accounts.filter((a) => a.group === "class_cohort").map((a) => a.account_id),
    );
    expect(students.size).toBeGreaterThanOrEqual(12);
    const firsts = new Map<string, Record<string, unknown>>();
    for (const r of records) {
      const a = r.account_id as string;
      if (students.has(a) && !firsts.has(a)) firsts.set(a, r);
    }
    expect(firsts.size).toBe(students.size);
    const times = [...firsts.values()].map((r) => Number(r.event_time_ms));
    expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(20 * 60_000);
    const templates = new Map<string, number>();
    for (const r of firsts.values()) {
      const h = (r.prompt_template_hash as Buffer).toString("hex");
      templates.set(h, (templates.get(h) ?? 0) + 1);
    }
    expect(Math.max(...templates.values())).toBeGreaterThanOrEqual(students.size * 0.6);
    const networks = new Set(
      [...firsts.values()].map((r) => (r.client_address as string).replace(/\.\d+$/, "")),
    );
    expect(networks.size).toBeGreaterThanOrEqual(3);
  });

  it("logs what each account had spent: nothing for campaigns, classes and signups, a history for the rest", () => {
    const label = new Map(run.labels.accounts.map((a) => [a.account_id, a]));
    const last = new Map<string, { spend: number; cost: number }>();
    let fresh = 0;
    let old = 0;
    for (const { account, spend, cost } of spends) {
      if (spend === null) throw new Error(`no spend on a request of ${account}`);
      const before = last.get(account);
      if (before) {
        // It grows by what the account's previous request cost, no more.
        expect(spend).toBeCloseTo(before.spend + before.cost, 5);
      } else {
        // Labels list every account but the ordinary population.
        const a = label.get(account);
        if (a === undefined) {
          if (spend === 0) fresh++;
          else old++;
        } else if (a.label === "extraction" || a.group === "class_cohort") expect(spend).toBe(0);
        else expect([a.group, spend >= 0.1]).toEqual([a.group, true]);
      }
      last.set(account, { spend, cost });
    }
    // 2% of people sign up a day: in two hours, a few of 3,000.
    expect(fresh).toBeGreaterThan(0);
    expect(fresh).toBeLessThan(old * 0.01);
  });
});

describe("the classes scenario", () => {
  it("holds twenty classes where the baseline holds one, all opened in the run", () => {
    const students = (scenario: string) =>
      buildScenario({ ...base, scenario }, calibration)
        .world.accounts.filter((a) => a.group === "class_cohort")
        .map((a) => a.priorSpendUsd);
    const one = students("baseline");
    const twenty = students("classes");
    // 12–150 students a class.
    expect(one.length).toBeGreaterThanOrEqual(12);
    expect(twenty.length).toBeGreaterThanOrEqual(20 * 12);
    expect(twenty.length).toBeLessThanOrEqual(20 * 150);
    expect(twenty.every((spend) => spend === 0)).toBe(true);
  });
});

describe("the campaigns' tune/test split", () => {
  const build = (seed: number, split: "tune" | "test") =>
    buildScenario({ ...base, seed, split }, calibration).world;
  const campaignFamilies = (w: ReturnType<typeof build>) =>
    w.families.filter((f) => ["cot_problem", "cot_rubric", "tool_use_task"].includes(f.kind));

  it("leaves tune runs and every benign account as they were", () => {
    const tune = build(7, "tune");
    const unset = buildScenario(base, calibration).world;
    const test = build(7, "test");
    expect(JSON.stringify(tune.campaigns)).toBe(JSON.stringify(unset.campaigns));
    const benign = (w: ReturnType<typeof build>) =>
      w.accounts.filter((a) => a.label !== "extraction" && a.label !== "mixed").map((a) => a.id);
    expect(benign(test)).toEqual(benign(tune));
    expect(campaignFamilies(tune).every((f) => f.language === "en")).toBe(true);
  });

  it("draws test campaigns' parameters outside the tune values, and their languages beyond English", () => {
    const seeds = [101, 102, 103, 104, 105, 106, 107, 108, 109, 110];
    const params = (type: string, key: string) =>
      seeds.map((seed) => Number(build(seed, "test").campaigns.find((c) => c.type === type)?.params[key]));
    const hydraRate = params("hydra", "perAccountPerDay");
    expect(new Set(hydraRate).size).toBeGreaterThan(5);
    expect(hydraRate.every((x) => x >= 6 && x <= 13)).toBe(true);
    expect(params("slow", "perAccountPerDay").some((x) => x !== 60)).toBe(true);
    expect(params("sweep", "perAccountPerDay").some((x) => x !== 300)).toBe(true);
    const languages = new Set(
      seeds.flatMap((seed) => campaignFamilies(build(seed, "test")).map((f) => f.language)),
    );
    expect(languages.size).toBeGreaterThanOrEqual(8);
    expect(languages.has("en")).toBe(true);
  });
});

describe("text mode", () => {
  it("writes LiteLLM JSON whose ingest mapping gives back the simulated request, fingerprints included", async () => {
    const json: string[] = [];
    const avroValues: Buffer[] = [];
    const small = { ...base, accounts: 300, durationMs: 1_800_000 };
    const r = await simulate(
      small,
      calibration,
      [litellmSink((_k, j) => json.push(j)), encodedSink((_k, v) => avroValues.push(v))],
      {
        mode: "text",
        maxEvents: 400,
      },
    );
    expect(r.events).toBe(400);
    expect(json).toHaveLength(400);
    for (let i = 0; i < json.length; i++) {
      const mapped = toApiRequest(decodeStandardLoggingPayload(Buffer.from(json[i] as string)));
      const simulated = apiRequestCodec.decode(avroValues[i] as Buffer);
      for (const f of [
        "request_id",
        "account_id",
        "request_model",
        "usage_input_tokens",
        "usage_output_tokens",
        "status_code",
        "client_address",
      ] as const) {
        expect(mapped[f], f).toEqual(simulated[f]);
      }
      expect(mapped.api_key_id).toBe(keyIdOf(simulated.api_key_id));
      expect(mapped.prompt_simhash.toString("hex")).toBe(simulated.prompt_simhash.toString("hex"));
      expect(mapped.prompt_template_hash.toString("hex")).toBe(
        simulated.prompt_template_hash.toString("hex"),
      );
      expect(mapped.system_prompt_hash?.toString("hex")).toBe(simulated.system_prompt_hash?.toString("hex"));
      expect(mapped.cot_elicitation).toBeCloseTo(simulated.cot_elicitation, 5);
    }
  });
});

describe("gateway mode", () => {
  it("renders the text mode's text and keeps the fingerprint mode's records", async () => {
    const small = { ...base, accounts: 300, durationMs: 1_800_000 };
    const collect = async (mode: "fingerprint" | "text" | "gateway") => {
      const json: string[] = [];
      const values: Buffer[] = [];
      const sinks = [encodedSink((_k, v) => values.push(v))];
      if (mode !== "fingerprint") sinks.push(litellmSink((_k, j) => json.push(j)));
      await simulate(small, calibration, sinks, { mode, maxEvents: 2_000 });
      return { json, values };
    };
    const [fingerprint, text, gateway] = await Promise.all([
      collect("fingerprint"),
      collect("text"),
      collect("gateway"),
    ]);
    expect(gateway.values).toHaveLength(2_000);
    // The record is the oracle: what the simulator knows, not what a gateway would log.
    expect(gateway.values).toEqual(fingerprint.values);
    expect(gateway.json).toEqual(text.json);
  });
});

describe("warm-up", () => {
  it("runs ordinary traffic only before campaigns, which keep their timing after it", async () => {
    const hour = 3_600_000;
    const run = async (o: ScenarioOptions) => {
      const times = new Map<string, number[]>();
      const sim = await simulate(
        o,
        calibration,
        [
          {
            write: (d) => {
              const t = times.get(d.record.account_id) ?? [];
              t.push(d.record.event_time_ms);
              times.set(d.record.account_id, t);
            },
            close: () => {},
          },
        ],
        { mode: "fingerprint" },
      );
      return { times, labels: sim.labels };
    };
    const cold = await run({ ...base, scenario: "hydra", accounts: 500, durationMs: 2 * hour });
    const warm = await run({
      ...base,
      scenario: "hydra",
      accounts: 500,
      durationMs: 3 * hour,
      warmupMs: hour,
    });
    const [c, w] = [cold.labels.campaigns[0], warm.labels.campaigns[0]];
    if (!c || !w) throw new Error("no hydra in the labels");
    // The same campaign, an hour later: the warm-up shifts it and changes nothing else of it.
    expect(w.account_ids).toEqual(c.account_ids);
    expect((w.first_event_ms ?? 0) - (c.first_event_ms ?? 0)).toBe(hour);
    expect(c.first_event_ms).not.toBeNull();
    expect(warm.labels.window.release_at_ms - cold.labels.window.release_at_ms).toBe(hour);
    const campaign = new Set(w.account_ids);
    let ordinaryDuringWarmup = 0;
    for (const [account, ts] of warm.times) {
      const early = ts.filter((t) => t < base.startMs + hour).length;
      if (campaign.has(account)) expect(early).toBe(0);
      else ordinaryDuringWarmup += early;
    }
    expect(ordinaryDuringWarmup).toBeGreaterThan(1_000);
  });

  it("refuses a warm-up as long as the run", async () => {
    await expect(
      simulate({ ...base, warmupMs: base.durationMs }, calibration, [], { mode: "fingerprint" }),
    ).rejects.toThrow(/shorter than the duration/);
  });
});

describe("client addresses", () => {
  const collect = async (o: ScenarioOptions) => {
    const out: { account: string; address: string }[] = [];
    const sim = await simulate(
      o,
      calibration,
      [
        {
          write: (d) => {
            out.push({ account: d.record.account_id, address: d.record.client_address });
          },
          close: () => {},
        },
      ],
      { mode: "fingerprint" },
    );
    return { out, labels: sim.labels };
  };
  const prefix64 = (a: string) => {
    const p = parseAddress(a);
    return p?.family === 6 ? `${p.hi}:${p.lo}` : a;
  };

  it("gives a realistic share of people IPv6, in canonical text, privacy addresses inside one /64", async () => {
    const { out, labels } = await collect({ ...base, scenario: "baseline" });
    const listed = new Set(labels.accounts.map((a) => a.account_id));
    const plain = out.filter((r) => !listed.has(r.account));
    const v6 = plain.filter((r) => r.address.includes(":"));
    expect(v6.length / plain.length).toBeGreaterThan(0.2);
    expect(v6.length / plain.length).toBeLessThan(0.6);
    for (const r of out) expect(canonicalAddress(r.address), r.address).toBe(r.address);
    // Dual-stack people also come over IPv4 now and then, and rotate interface ids, not /64s.
    const byAccount = new Map<string, string[]>();
    for (const r of v6) byAccount.set(r.account, [...(byAccount.get(r.account) ?? []), r.address]);
    const busy = [...byAccount.values()].filter((a) => new Set(a).size >= 3);
    expect(busy.length).toBeGreaterThan(10);
    const homeLines = busy.filter((a) => new Set(a.map(prefix64)).size === 1);
    expect(homeLines.length / busy.length).toBeGreaterThan(0.3);
  });

  it("runs the hydra through an IPv4, IPv6 or dual-stack proxy pool", async () => {
    const families = async (proxyPool: "ipv4" | "ipv6" | "dual") => {
      const { out, labels } = await collect({ ...base, scenario: "hydra", accounts: 300, proxyPool });
      const hydra = new Set(labels.campaigns[0]?.account_ids);
      const of = out.filter((r) => hydra.has(r.account)).map((r) => parseAddress(r.address)?.family);
      return { v4: of.filter((f) => f === 4).length, v6: of.filter((f) => f === 6).length, all: of.length };
    };
    const v4 = await families("ipv4");
    expect(v4.v6).toBe(0);
    expect(v4.v4).toBe(v4.all);
    const v6 = await families("ipv6");
    expect(v6.v6).toBe(v6.all);
    const dual = await families("dual");
    expect(dual.v4 / dual.all).toBeGreaterThan(0.3);
    expect(dual.v6 / dual.all).toBeGreaterThan(0.3);
  });

  it("logs addresses as gateways do, every form read back to the canonical one by the ingest", () => {
    const forms = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      for (const address of ["203.0.113.9", "2001:db8:7:1::a"]) {
        const logged = asGatewayLogs(address, `req-${i}`);
        forms.add(
          logged.includes(",")
            ? "chain"
            : logged.startsWith("::ffff:")
              ? "mapped"
              : logged === address
                ? "plain"
                : logged,
        );
        const first = logged.split(",").find((hop) => canonicalAddress(hop) !== "") ?? "";
        expect(canonicalAddress(first)).toBe(address);
      }
    }
    expect([...forms].sort()).toEqual(["chain", "mapped", "plain"]);
    expect(asGatewayLogs("", "req-1")).toBe("");
  });
});
