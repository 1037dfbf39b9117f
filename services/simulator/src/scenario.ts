import { LANGUAGES, type Split } from "@distillguard/phrasings";
import type { Calibration } from "./calibration.ts";
import { clients, type Network, networks, type Topic, topics, utcOffset } from "./catalog.ts";
import { cumulative, Rng } from "./random.ts";
import { type Ipv6Side, ScriptSource, type UserBehaviour, UserSource } from "./sources/benign.ts";
import { CiSuiteSource, ClassStudentSource, EvalHarnessSource } from "./sources/bursts.ts";
import { HydraSource } from "./sources/hydra.ts";
import type { Source } from "./sources/source.ts";
import {
  benignProfile,
  extractionProfile,
  hasIpv6,
  type Identity,
  ipIn,
  languageFor,
  proxyPool,
  proxyPool6,
  type RequestProfile,
  randomIpIn,
  tzOf,
  World,
} from "./world.ts";

export const archetypes = {
  plain: "ordinary accounts: people and small apps, heavy-tailed volume, sessions, local-time diurnal cycle",
  enterprise_batch: "enterprise batch jobs: huge, 24/7, steady pacing, a few templates, cloud IPs",
  eval_harness:
    "evaluation harnesses: bursts walking a benchmark item by item, templated, logprobs, step-by-step prompts",
  ci_suite: "CI test suites: the same prompts on a clockwork schedule from fresh cloud runners",
  corporate_nat: "corporate NAT: thousands of accounts behind one IP and one TLS-inspecting proxy",
  coding_agent:
    "popular coding agent: thousands of unrelated accounts with one identical system prompt, client and tool-call templates",
  saas_app: "SaaS apps: one fixed system prompt, templated user prompts, many end users",
  reseller: "legitimate resellers/routers: one account serving thousands of end users, diverse prompts",
  class_cohort:
    "a class opening accounts in one lecture: the same handout problems with a step-by-step request, campus Wi-Fi, homes and phones",
} as const;

export const campaignTypes = {
  heavy: "one heavy extractor: one account, high steady volume, chain-of-thought templates, datacenter IPs",
  hydra:
    "hydra cluster: hundreds of fresh accounts each below the benign median, rotating residential/datacenter proxies, shared templates, CoT elicitation, ramp after a model release",
  router: "masked router: a reseller account mixing extraction into real customer traffic",
  slow: "slow-and-low: a few accounts for weeks, jittered pacing, paraphrased templates",
  sweep: "capability sweep: coding and tool-use tasks covering a taxonomy systematically",
} as const;

export type CampaignType = keyof typeof campaignTypes;

export const scenarios: Record<string, { doc: string; campaigns: CampaignType[]; classScale?: number }> = {
  baseline: { doc: "benign population and every hard benign archetype, no campaign", campaigns: [] },
  // The class trap is one class per 10k accounts: twenty per run, so one run tries many.
  classes: {
    doc: "baseline with 20x the classes (the class trap: many classes in one run), no campaign",
    campaigns: [],
    classScale: 20,
  },
  heavy: { doc: "baseline + one heavy extractor", campaigns: ["heavy"] },
  hydra: { doc: "baseline + a hydra cluster", campaigns: ["hydra"] },
  router: { doc: "baseline + a masked router", campaigns: ["router"] },
  slow: { doc: "baseline + a slow-and-low campaign (use --duration 14d)", campaigns: ["slow"] },
  sweep: { doc: "baseline + a capability sweep", campaigns: ["sweep"] },
  all: {
    doc: "baseline + one campaign of every type",
    campaigns: ["heavy", "hydra", "router", "slow", "sweep"],
  },
};

/** Address families a campaign's proxy pool can have. */
export const proxyPools = ["ipv4", "ipv6", "dual"] as const;
export type ProxyPool = (typeof proxyPools)[number];

/**
 * Shares of people whose home line is dual-stack, by network kind: most mobile carriers run
 * IPv6 first, about half of residential lines have it (Google's IPv6 adoption ~45–50% in
 * 2025–26), few cloud-hosted apps use it. A dual-stack device still falls back to IPv4 for
 * `V4_FALLBACK` of its sessions.
 */
const v6Share = { mobile: 0.7, residential: 0.45, cloud: 0.15, corporate: 0, "datacenter-proxy": 0 };
const V4_FALLBACK = 0.1;

export interface ScenarioOptions {
  scenario: string;
  seed: number;
  startMs: number;
  durationMs: number;
  /** Ordinary benign accounts; archetype counts scale with it (per 100k). */
  accounts: number;
  /** When the new model is released, as a share of the duration. */
  releaseAt: number;
  /** Multiplies every campaign's volume (and the hydra's account count). */
  campaignScale: number;
  /** Address family of the hydra's proxy pool (default ipv4). */
  proxyPool?: ProxyPool;
  /**
   * Ordinary traffic only, before campaigns start and `releaseAt` counts (default 0): a
   * detector that has run for a while, as in production, rather than one started with the
   * campaign. Campaign timing is relative to the window after it.
   */
  warmupMs?: number;
  /**
   * Which half of the campaigns' variation (default tune): `tune` runs have the parameter
   * values and the language (English) detector changes were tuned on; `test` runs draw every
   * campaign parameter from wider ranges and write in ten more languages (`testCampaign`).
   * Benign traffic is the same in both.
   */
  split?: Split;
}

/**
 * A campaign parameter: its tune value, or with `split: "test"` a draw from the test stream.
 * The test stream is separate, so tune runs draw exactly what they drew before the split.
 */
class CampaignDraw {
  private readonly t: Rng | null;
  constructor(seed: number, type: string, split: Split) {
    this.t = split === "test" ? new Rng(seed, `campaign/${type}/test`) : null;
  }
  get test(): boolean {
    return this.t !== null;
  }
  num(tune: number, lo: number, hi: number): number {
    return this.t ? this.t.uniform(lo, hi) : tune;
  }
  int(tune: number, lo: number, hi: number): number {
    return this.t ? lo + this.t.int(hi - lo + 1) : tune;
  }
  logUniform(tune: number, lo: number, hi: number): number {
    return this.t ? Math.round(lo * (hi / lo) ** this.t.next()) : tune;
  }
  /** A campaign family's language: English in tune; in test, English 30% and otherwise one of the ten others. */
  language(): string {
    if (!this.t || this.t.chance(0.3)) return "en";
    return this.t.pick(LANGUAGES.filter((l) => l !== "en"));
  }
}

export interface Built {
  world: World;
  sources: Source[];
}

export function buildScenario(o: ScenarioOptions, calibration: Calibration): Built {
  const preset = scenarios[o.scenario];
  if (!preset)
    throw new Error(`unknown scenario '${o.scenario}'; known: ${Object.keys(scenarios).join(", ")}`);
  const warmupMs = o.warmupMs ?? 0;
  if (!(warmupMs >= 0 && warmupMs < o.durationMs)) {
    throw new Error(
      `warm-up ${warmupMs} ms must be at least 0 and shorter than the duration (${o.durationMs} ms)`,
    );
  }
  // Campaigns and the release live in the window after the warm-up.
  const campaignStartMs = o.startMs + warmupMs;
  const campaignSpanMs = o.durationMs - warmupMs;
  const world = new World(
    o.seed,
    o.startMs,
    o.startMs + o.durationMs,
    campaignStartMs + campaignSpanMs * o.releaseAt,
    calibration,
  );
  const sources: Source[] = [];
  const per100k = (n: number) => Math.max(1, Math.round((n * o.accounts) / 100_000));
  const rngFor = (label: string) => new Rng(o.seed, label);

  // Registries shared across accounts.
  const agentSystem = world.system("coding_agent");
  const agentTurns = Array.from({ length: 6 }, () => world.family("agent_turn", "coding"));
  const chatApps = Array.from({ length: 40 }, (_, i) =>
    world.family("chat_app", topics[i % topics.length] as Topic),
  );

  const identity = (
    index: number,
    rng: Rng,
    client = clients.common[rng.weighted(commonCum)] ?? clients.codingAgent,
  ): Identity => ({
    accountIndex: index,
    accountId: world.accounts[index]?.id ?? "",
    orgId: rng.chance(0.4) ? `org_${(index * 2654435761) % 1e9}` : null,
    apiKeys: Array.from(
      { length: 1 + rng.int(3) },
      (_, k) => `key_${world.accounts[index]?.id.slice(5)}_${k}`,
    ),
    client,
  });
  const commonCum = cumulative(clients.commonWeights);

  // --- plain population -------------------------------------------------------------
  {
    const rng = rngFor("population");
    const homes: Network[] = [
      ...networks.residential,
      ...networks.residential,
      ...networks.mobile,
      ...networks.cloud,
    ];
    // New signups: 2% of the population a day, a third of them in the hours after the release
    // (people try a new model too, the benign twin of a campaign's ramp), each opened at a
    // moment of its own. Drawn from streams of their own, so everyone else draws as before.
    const signupShare = Math.min(0.3, (0.02 * o.durationMs) / 86_400_000);
    const openedAt = (s: Rng): number => {
      const t = s.chance(1 / 3)
        ? world.releaseAtMs + s.exp(4 * 3_600_000)
        : s.uniform(world.startMs, world.endMs);
      return t < world.endMs ? t : s.uniform(world.startMs, world.endMs);
    };
    for (let i = 0; i < o.accounts; i++) {
      const a = world.account("benign", "plain");
      const signup = new Rng(o.seed, `plain/${i}/signup`);
      const openedMs = signup.chance(signupShare) ? openedAt(signup) : undefined;
      if (openedMs !== undefined) world.opened(a);
      const r = new Rng(o.seed, `plain/${i}`);
      const net = rng.pick(homes);
      const ips = [randomIpIn(net, r)];
      if (r.chance(0.3)) ips.push(randomIpIn(net, r));
      // Heavy tail: lognormal body, a few power users in the thousands per day.
      const perDay = Math.min(20_000, r.lognormal(40, 1.5));
      const apps = r.chance(perDay > 300 ? 0.5 : 0.1);
      const topicsOf = [r.pick(topics), r.pick(topics), "general" as Topic];
      // A quarter of people also ask from a phone on mobile data: two ASNs a day is ordinary.
      const phoneNet = net.kind === "mobile" || !r.chance(0.25) ? null : r.pick(networks.mobile);
      const phone = phoneNet ? { ip: randomIpIn(phoneNet, r), net: phoneNet } : null;
      // Dual-stack lines, from a stream of their own so IPv4-only people draw as before.
      const r6 = new Rng(o.seed, `plain/${i}/v6`);
      const side = (n: Network, carrier: boolean): Ipv6Side | null =>
        hasIpv6(n) && r6.chance(v6Share[n.kind])
          ? {
              net: n,
              block: r6.int(n.blocks6.length / 2),
              subnet: r6.int(65_536),
              newSubnetPerSession: carrier,
              v4Share: V4_FALLBACK,
            }
          : null;
      const v6 = { home: side(net, net.kind === "mobile"), phone: phoneNet ? side(phoneNet, true) : null };
      sources.push(
        new UserSource(
          world,
          r,
          identity(a, r),
          ips,
          net,
          benignProfile,
          {
            perDay,
            sessionLength: apps ? 1 : 2 + r.int(12),
            thinkMs: r.lognormal(20_000, 0.8),
            tzHours: tzOf(net.country),
            diurnal: !apps || r.chance(0.5),
            topics: topicsOf,
            language: () => languageFor(net.country, r),
            templateRate: apps ? 0.8 : 0.05,
            families: apps ? [r.pick(chatApps), r.pick(chatApps)] : [r.pick(chatApps)],
            cotRate: 0.04,
            system: -1,
            endUsers: 0,
            rateLimited: perDay > 2_000 ? 0.02 : 0.002,
            ...(openedMs !== undefined ? { openedMs } : {}),
          },
          phone,
          v6,
        ),
      );
    }
  }

  // --- hard benign archetypes ---------------------------------------------------------
  const cloudUser = (
    group: keyof typeof archetypes,
    label: string,
    b: Partial<UserBehaviour> & { perDay: number },
    client = clients.common[0] ?? clients.router,
    profile: RequestProfile = benignProfile,
  ) => {
    const a = world.account("benign", group);
    const r = new Rng(o.seed, `${group}/${label}`);
    const net = r.pick(networks.cloud);
    const ips = Array.from({ length: 2 + r.int(3) }, () => randomIpIn(net, r));
    sources.push(
      new UserSource(world, r, identity(a, r, client), ips, net, profile, {
        sessionLength: 1,
        thinkMs: 1_000,
        tzHours: tzOf(net.country),
        diurnal: true,
        topics: ["general", "writing", "coding"],
        language: () => "en",
        templateRate: 0.9,
        families: [],
        cotRate: 0.02,
        system: -1,
        endUsers: 0,
        rateLimited: 0.001,
        ...b,
      }),
    );
    return a;
  };

  for (let i = 0; i < per100k(10); i++) {
    const r = new Rng(o.seed, `enterprise_batch/${i}`);
    const a = world.account("benign", "enterprise_batch");
    const net = r.pick(networks.cloud);
    const kinds = ["summarize", "classify", "extract"] as const;
    sources.push(
      new ScriptSource(
        world,
        r,
        identity(a, r, r.pick(clients.common.slice(0, 5))),
        [randomIpIn(net, r), randomIpIn(net, r)],
        net,
        {
          ...benignProfile,
          streamRate: 0,
          temperature: [0, 0.2],
          maxTokens: [512, 1024],
          inScale: 2.5,
          outScale: 0.4,
          reasoningRate: 0,
          releaseShare: 0.05,
        },
        {
          perDay: r.lognormal(80_000, 0.6),
          startMs: world.startMs,
          endMs: world.endMs,
          jitter: 0.2,
          families: kinds.map((k) => world.family(k, "writing")),
          variants: 1,
          topics: ["writing", "general"],
          language: () => "en",
          cotRate: 0.01,
          system: world.system("enterprise"),
          campaign: -1,
          extraction: false,
          rateLimited: 0.001,
        },
      ),
    );
  }

  for (let i = 0; i < per100k(15); i++) {
    const r = new Rng(o.seed, `eval_harness/${i}`);
    const a = world.account("benign", "eval_harness");
    const net = r.pick(networks.cloud);
    sources.push(
      new EvalHarnessSource(
        world,
        r,
        identity(a, r, clients.common[3] ?? clients.router),
        [randomIpIn(net, r)],
        net,
        {
          ...benignProfile,
          streamRate: 0,
          temperature: [0],
          maxTokens: [256, 512, 1024],
          logprobsRate: 0.5,
          multiChoiceRate: 0.1,
          reasoningRate: 0.3,
          releaseShare: 0.6,
          releaseTauMs: 3_600_000,
        },
        [
          { id: world.family("eval_mcq", "science"), cot: false },
          { id: world.family("eval_cot", "math"), cot: true },
          { id: world.family("eval_mcq", "reasoning"), cot: false },
          { id: world.family("eval_cot", "reasoning"), cot: true },
        ],
      ),
    );
  }

  for (let i = 0; i < per100k(30); i++) {
    const r = new Rng(o.seed, `ci_suite/${i}`);
    const a = world.account("benign", "ci_suite");
    sources.push(
      new CiSuiteSource(
        world,
        r,
        identity(a, r, clients.ciRunner),
        networks.cloud[2] ?? r.pick(networks.cloud),
        {
          ...benignProfile,
          streamRate: 0,
          temperature: [0],
          maxTokens: [128, 256],
          reasoningRate: 0,
          releaseShare: 0,
        },
        {
          periodMs: r.pick([15, 30, 60, 120]) * 60_000,
          prompts: 20 + r.int(60),
          families: [world.family("ci_check", "coding"), world.family("ci_check", "coding")],
        },
      ),
    );
  }

  for (let n = 0; n < Math.max(1, Math.round(o.accounts / 50_000)); n++) {
    const r = new Rng(o.seed, `corporate_nat/${n}`);
    const net = networks.corporate[n % networks.corporate.length] ?? networks.corporate[0];
    const natIp = ipIn(net, 7 + n, 10);
    const users = per100k(1_500);
    for (let i = 0; i < users; i++) {
      const u = new Rng(o.seed, `corporate_nat/${n}/${i}`);
      const a = world.account("benign", "corporate_nat");
      sources.push(
        new UserSource(
          world,
          u,
          { ...identity(a, u), ja4: clients.corporateProxyJa4 },
          [natIp],
          net,
          benignProfile,
          {
            perDay: Math.min(2_000, u.lognormal(25, 1.2)),
            sessionLength: 2 + u.int(8),
            thinkMs: u.lognormal(25_000, 0.6),
            tzHours: utcOffset[net.country] ?? 0,
            diurnal: true,
            topics: ["coding", "writing", "general", u.pick(topics)],
            language: () => "en",
            templateRate: 0.05,
            families: [u.pick(chatApps)],
            cotRate: 0.04,
            system: -1,
            endUsers: 0,
            rateLimited: 0.002,
          },
        ),
      );
    }
    void r;
  }

  {
    const users = per100k(3_000);
    const homes = [...networks.residential, ...networks.cloud];
    for (let i = 0; i < users; i++) {
      const u = new Rng(o.seed, `coding_agent/${i}`);
      const a = world.account("benign", "coding_agent");
      const net = u.pick(homes);
      sources.push(
        new UserSource(
          world,
          u,
          identity(a, u, clients.codingAgent),
          [randomIpIn(net, u)],
          net,
          {
            ...benignProfile,
            streamRate: 0.95,
            tools: [8, 24],
            inScale: 4,
            outScale: 0.8,
            reasoningRate: 0.3,
            releaseShare: 0.4,
            releaseTauMs: 86_400_000,
          },
          {
            perDay: Math.min(5_000, u.lognormal(120, 1.0)),
            sessionLength: 20 + u.int(80),
            thinkMs: u.lognormal(4_000, 0.5),
            tzHours: tzOf(net.country),
            diurnal: true,
            topics: ["coding", "coding", "tool_use"],
            language: () => languageFor(net.country, u),
            templateRate: 0.6,
            families: agentTurns,
            cotRate: 0.02,
            system: agentSystem,
            endUsers: 0,
            rateLimited: 0.005,
          },
        ),
      );
    }
  }

  for (let i = 0; i < per100k(5); i++) {
    const r = new Rng(o.seed, `saas_app/${i}/templates`);
    const fams = Array.from({ length: 3 }, () => world.family("saas_support", "general"));
    cloudUser(
      "saas_app",
      String(i),
      {
        perDay: r.lognormal(40_000, 0.5),
        families: fams,
        system: world.system("saas_app"),
        endUsers: 10_000,
        templateRate: 0.95,
      },
      clients.common[5] ?? clients.router,
    );
  }

  const resellers: number[] = [];
  for (let i = 0; i < per100k(3); i++) {
    const r = new Rng(o.seed, `reseller/${i}/templates`);
    resellers.push(
      cloudUser(
        "reseller",
        String(i),
        {
          perDay: r.lognormal(50_000, 0.4),
          families: chatApps,
          templateRate: 0.2,
          endUsers: 5_000,
          topics,
          cotRate: 0.05,
        },
        clients.router,
      ),
    );
  }

  // A class opening accounts together during a lecture (after any warm-up, where a campaign
  // could start): a start burst with one template that asks for worked solutions, the benign
  // twin of a hydra's first minutes.
  for (let i = 0; i < per100k(10) * (preset.classScale ?? 1); i++) {
    const r = new Rng(o.seed, `class_cohort/${i}`);
    const campus = r.pick(networks.residential);
    const campusIps = Array.from({ length: 2 + r.int(3) }, () => randomIpIn(campus, r));
    const homes = networks.residential.filter((n) => n.country === campus.country);
    const language = languageFor(campus.country, r);
    const family = world.family("assignment", "math", language);
    const problems = Array.from({ length: 3 + r.int(4) }, () => r.u32());
    const startMs = campaignStartMs + campaignSpanMs * r.uniform(0.15, 0.75);
    const students = Math.min(150, Math.max(12, Math.round(r.lognormal(35, 0.5))));
    // The handout's notebook or the playground the class uses: one temperature for everyone.
    const lessonProfile = { ...benignProfile, temperature: [r.pick([null, 0.7, 1])] };
    for (let k = 0; k < students; k++) {
      const u = new Rng(o.seed, `class_cohort/${i}/${k}`);
      const a = world.account("benign", "class_cohort");
      world.opened(a);
      const where = u.next();
      const net = where < 0.55 ? campus : where < 0.85 ? u.pick(homes) : u.pick(networks.mobile);
      const ip = net === campus ? u.pick(campusIps) : randomIpIn(net, u);
      const who = identity(a, u);
      const after = new UserSource(world, u, who, [ip], net, benignProfile, {
        perDay: u.lognormal(6, 1),
        sessionLength: 2 + u.int(6),
        thinkMs: u.lognormal(30_000, 0.6),
        tzHours: tzOf(net.country),
        diurnal: true,
        topics: ["math", "general", u.pick(topics)],
        language: () => language,
        templateRate: 0.05,
        families: [u.pick(chatApps)],
        cotRate: 0.1,
        system: -1,
        endUsers: 0,
        rateLimited: 0.001,
      });
      sources.push(
        new ClassStudentSource(
          world,
          u,
          who,
          ip,
          net,
          lessonProfile,
          { startMs, family, problems, variant: u.chance(0.8) ? 0 : 1 + k, language },
          after,
        ),
      );
    }
  }

  // --- campaigns ----------------------------------------------------------------------
  for (const type of preset.campaigns) {
    const r = new Rng(o.seed, `campaign/${type}`);
    const v = new CampaignDraw(o.seed, type, o.split ?? "tune");
    const lang = (zh: number) => () => (r.chance(zh) ? "zh" : "en");
    const cotFamilies = (n: number, kind: "cot_problem" | "cot_rubric" = "cot_problem") =>
      Array.from({ length: n }, (_, k) =>
        world.family(k % 3 === 2 ? "cot_rubric" : kind, k % 2 ? "math" : "reasoning", v.language()),
      );
    const scale = o.campaignScale;
    // Each seed draws its own variant of the campaign within the ranges public reports give.
    const logUniform = (lo: number, hi: number) => Math.round(lo * (hi / lo) ** r.next());
    if (type === "heavy") {
      const perDay = v.logUniform(logUniform(20_000, 80_000), 10_000, 150_000) * scale;
      const c = world.campaign("heavy", { perDay });
      const a = world.account("extraction", "heavy", c);
      world.campaigns[c]?.accounts.push(a);
      const net = r.pick(networks.datacenterProxy);
      sources.push(
        new ScriptSource(
          world,
          r,
          identity(a, r, clients.scripted[0] ?? clients.router),
          Array.from({ length: v.int(4, 1, 8) }, () => randomIpIn(net, r)),
          net,
          extractionProfile,
          {
            perDay,
            startMs: campaignStartMs + campaignSpanMs * 0.1 * r.next(),
            endMs: world.endMs,
            jitter: v.num(0.5, 0.2, 0.8),
            families: cotFamilies(v.int(5, 3, 8)),
            variants: 1,
            topics: ["reasoning", "math", "coding"],
            language: lang(0.3),
            cotRate: v.num(0.9, 0.6, 0.95),
            system: -1,
            campaign: c,
            extraction: true,
            rateLimited: 0.05,
          },
        ),
      );
    } else if (type === "hydra") {
      const n = Math.round(v.logUniform(logUniform(300, 2_000), 200, 3_000) * scale);
      const zh = r.uniform(0.2, 0.6);
      const pool = o.proxyPool ?? "ipv4";
      // Test: 6–13 a day, up to 40 at the full post-release ramp, still under the benign median.
      const perAccountPerDay = v.num(12, 6, 13);
      const releaseBoost = v.num(3, 1.5, 40 / perAccountPerDay);
      const residential = { blocks: v.int(300, 100, 600), perBlock: v.int(6, 3, 10) };
      const datacenter = { blocks: v.int(20, 0, 40), perBlock: v.int(10, 5, 15) };
      const lifeFrom = v.num(0.3, 0.15, 0.45);
      const c = world.campaign("hydra", {
        accounts: n,
        perAccountPerDay: Number(perAccountPerDay.toFixed(1)),
        chineseShare: Number(zh.toFixed(2)),
        ...(pool === "ipv4" ? {} : { proxyPool: pool }),
      });
      const accounts = Array.from({ length: n }, () => world.account("extraction", "hydra", c));
      world.campaigns[c]?.accounts.push(...accounts);
      // IPv6 pools mirror the IPv4 one: household lines of residential ISPs (one /64 each,
      // six per /48 as six per /24), and datacenter /48s handing out a fresh /64 per request.
      // Dual: both pools, each request through either.
      const proxies = [
        ...(pool === "ipv6"
          ? []
          : [
              ...proxyPool(networks.residential, residential.blocks, residential.perBlock, r),
              ...proxyPool(networks.datacenterProxy, datacenter.blocks, datacenter.perBlock, r),
            ]),
        ...(pool === "ipv4"
          ? []
          : [
              ...proxyPool6(networks.residential, residential.blocks, residential.perBlock, false, r),
              ...proxyPool6(networks.datacenterProxy, datacenter.blocks, datacenter.perBlock, true, r),
            ]),
      ];
      const startMs = campaignStartMs + campaignSpanMs * v.num(0.05, 0, 0.15);
      // Live accounts ≈ half of n; 12 requests/day each, 36 at the full post-release ramp, keeps
      // every account below the benign median (40/day).
      sources.push(
        new HydraSource(world, r, extractionProfile, {
          campaign: c,
          accounts,
          lifeShare: [lifeFrom, lifeFrom + v.num(0.3, 0.2, 0.4)],
          perDay: (n / 2) * perAccountPerDay,
          releaseBoost,
          startMs,
          endMs: world.endMs,
          proxies,
          clients: clients.scripted,
          families: cotFamilies(v.int(6, 3, 9)),
          variants: v.int(3, 2, 5),
          cotRate: v.num(0.85, 0.6, 0.95),
          language: lang(zh),
        }),
      );
    } else if (type === "router") {
      const share = v.num(r.uniform(0.15, 0.4), 0.08, 0.5);
      const resellerPerDay = v.logUniform(45_000, 20_000, 90_000);
      const c = world.campaign("router", { extractionShare: Number(share.toFixed(2)) });
      const a = cloudUser(
        "reseller",
        "masked",
        {
          perDay: resellerPerDay,
          families: chatApps,
          templateRate: 0.2,
          endUsers: v.int(5_000, 2_000, 10_000),
          topics,
          cotRate: 0.05,
        },
        clients.router,
      );
      const info = world.accounts[a];
      if (info) {
        info.label = "mixed";
        info.group = "router";
        info.campaign = c;
      }
      world.campaigns[c]?.accounts.push(a);
      const net = r.pick(networks.cloud);
      sources.push(
        new ScriptSource(
          world,
          r,
          identity(a, r, clients.router),
          [randomIpIn(net, r)],
          net,
          extractionProfile,
          {
            // The reseller's own traffic plus extraction at share / (1 − share) of it.
            perDay: ((resellerPerDay * share) / (1 - share)) * scale,
            startMs: campaignStartMs + campaignSpanMs * v.num(0.1, 0.05, 0.2),
            endMs: world.endMs,
            jitter: 0.9,
            families: cotFamilies(v.int(4, 3, 6)),
            variants: v.int(2, 1, 3),
            topics: ["reasoning", "math"],
            language: lang(0.3),
            cotRate: v.num(0.8, 0.6, 0.9),
            system: -1,
            campaign: c,
            extraction: true,
            rateLimited: 0.01,
          },
        ),
      );
    } else if (type === "slow") {
      const accounts = v.int(5 + r.int(8), 4, 16);
      const perDay = v.num(60, 30, 90);
      const pooled = { blocks: v.int(10, 5, 20), perBlock: v.int(3, 2, 5) };
      const stagger = v.num(0.05, 0.02, 0.1);
      const cotRate = v.num(0.7, 0.5, 0.9);
      const c = world.campaign("slow", { accounts, perAccountPerDay: Number(perDay.toFixed(1)) });
      const families = cotFamilies(3);
      // One work list: each account asks its share, none asks another's (a controller).
      const list = { next: 0 };
      for (let k = 0; k < accounts; k++) {
        const a = world.account("extraction", "slow", c);
        world.campaigns[c]?.accounts.push(a);
        const pool = proxyPool(networks.residential, pooled.blocks, pooled.perBlock, r);
        const exit = r.pick(pool);
        sources.push(
          new ScriptSource(
            world,
            new Rng(o.seed, `campaign/slow/${k}`),
            identity(a, r, r.pick(clients.common)),
            pool.map((p) => p.ip),
            exit.net,
            extractionProfile,
            {
              perDay: perDay * scale,
              startMs: campaignStartMs + campaignSpanMs * stagger * k,
              endMs: world.endMs,
              jitter: 0.95,
              families,
              variants: 30,
              topics: ["reasoning", "math", "science"],
              language: lang(0.5),
              cotRate,
              system: -1,
              campaign: c,
              extraction: true,
              rateLimited: 0,
              list,
            },
          ),
        );
      }
    } else if (type === "sweep") {
      const accounts = v.int(10 + r.int(31), 8, 60);
      const perDay = v.num(300, 100, 500);
      const c = world.campaign("sweep", { accounts, perAccountPerDay: Math.round(perDay) });
      const net = r.pick(networks.cloud);
      // Test: the accounts spread over up to three clouds (tune: one).
      const nets = [net, ...Array.from({ length: v.int(1, 1, 3) - 1 }, () => r.pick(networks.cloud))];
      const families = [
        ...Array.from({ length: v.int(3, 2, 5) }, () => world.family("coding_task", "coding")),
        ...Array.from({ length: v.int(2, 1, 3) }, () =>
          world.family("tool_use_task", "tool_use", v.language()),
        ),
      ];
      const startShare = v.num(0.2, 0.1, 0.4);
      const jitter = v.num(0.3, 0.2, 0.6);
      const cotRate = v.num(0.3, 0.2, 0.5);
      const list = { next: 0 };
      for (let k = 0; k < accounts; k++) {
        const a = world.account("extraction", "sweep", c);
        world.campaigns[c]?.accounts.push(a);
        sources.push(
          new ScriptSource(
            world,
            new Rng(o.seed, `campaign/sweep/${k}`),
            identity(a, r, clients.common[10] ?? clients.router),
            [randomIpIn(nets[k % nets.length] ?? net, r)],
            nets[k % nets.length] ?? net,
            { ...extractionProfile, tools: [3, 12], outScale: 2, reasoningRate: 0.4 },
            {
              perDay: perDay * scale,
              startMs: campaignStartMs + campaignSpanMs * startShare,
              endMs: world.endMs,
              jitter,
              families,
              variants: 1,
              topics: ["coding", "tool_use"],
              language: () => "en",
              cotRate,
              system: -1,
              campaign: c,
              extraction: true,
              rateLimited: 0,
              list,
            },
          ),
        );
      }
    }
  }
  return { world, sources };
}
