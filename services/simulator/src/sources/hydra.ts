import type { Client } from "../catalog.ts";
import type { Draft } from "../draft.ts";
import type { Rng } from "../random.ts";
import {
  exitAddress,
  fillRequest,
  type Identity,
  type ProxyExit,
  type RequestProfile,
  type World,
} from "../world.ts";
import { type Source, setPrompt } from "./source.ts";

export interface HydraOptions {
  campaign: number;
  /** Account indices, in the order they come online. */
  accounts: readonly number[];
  /** Each account's life, as a share of the campaign window: it is then replaced ("hydra"). */
  lifeShare: readonly [number, number];
  /** Campaign-wide requests per day before the release ramp. */
  perDay: number;
  /** Multiplier reached after the model release. */
  releaseBoost: number;
  startMs: number;
  endMs: number;
  proxies: readonly ProxyExit[];
  clients: readonly Client[];
  /** Template families and how many paraphrases each has (evasion). */
  families: readonly number[];
  variants: number;
  cotRate: number;
  language: () => string;
}

/**
 * A proxy service driving many fresh accounts as one: requests spread round-robin over the
 * live accounts (each stays under per-account limits), egress rotating through a proxy pool,
 * shared templates with chain-of-thought elicitation, and a ramp after a model release.
 */
export class HydraSource implements Source {
  private readonly born: Float64Array;
  private readonly dies: Float64Array;
  private readonly identities: Identity[];
  private cursor = 0;
  private counter = 0;

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly profile: RequestProfile,
    private readonly o: HydraOptions,
  ) {
    const n = o.accounts.length;
    const span = o.endMs - o.startMs;
    this.born = new Float64Array(n);
    this.dies = new Float64Array(n);
    const firstWave = Math.ceil(n / 3);
    for (let i = 0; i < n; i++) {
      // A third online at the start; the rest come online over the window as others retire.
      const born =
        i < firstWave ? o.startMs : o.startMs + span * ((i - firstWave) / Math.max(1, n - firstWave));
      this.born[i] = born;
      this.dies[i] = born + span * rng.uniform(o.lifeShare[0], o.lifeShare[1]);
    }
    this.identities = o.accounts.map((a) => ({
      accountIndex: a,
      accountId: world.accounts[a]?.id ?? "",
      orgId: null,
      apiKeys: [`key_${world.accounts[a]?.id.slice(5)}`],
      client: rng.pick(o.clients),
    }));
  }

  first(): number {
    return this.o.startMs + this.gap(this.o.startMs);
  }

  private rate(t: number): number {
    const w = this.world;
    const boost =
      t >= w.releaseAtMs
        ? 1 + (this.o.releaseBoost - 1) * (1 - Math.exp(-(t - w.releaseAtMs) / 14_400_000))
        : 1;
    return this.o.perDay * boost;
  }

  private gap(t: number): number {
    return this.rng.exp(86_400_000 / this.rate(t));
  }

  /** Next live account after the cursor (load-balancer order), or -1 if none is live. */
  private nextLive(t: number): number {
    const n = this.born.length;
    for (let k = 0; k < n; k++) {
      const i = (this.cursor + k) % n;
      if ((this.born[i] as number) <= t && t < (this.dies[i] as number)) {
        this.cursor = i + 1;
        return i;
      }
    }
    return -1;
  }

  emit(t: number, d: Draft): number {
    const { rng, o } = this;
    // 10% off-pattern picks, so round-robin is visible but not perfectly regular.
    let i = this.nextLive(t);
    if (i >= 0 && rng.chance(0.1)) {
      const j = rng.int(this.born.length);
      if ((this.born[j] as number) <= t && t < (this.dies[j] as number)) i = j;
    }
    if (i < 0) i = 0;
    const who = this.identities[i] as Identity;
    const exit = rng.pick(o.proxies);
    d.prompt.topic = rng.pick(["reasoning", "math", "coding", "science"] as const);
    d.prompt.language = o.language();
    const family = o.families[rng.zipf(o.families.length, 0.7)] as number;
    const cot = rng.chance(o.cotRate) ? 0.7 + 0.3 * rng.next() : 0;
    setPrompt(d, family, rng.int(o.variants), rng.u32() ^ this.counter++, -1, 0, cot, -1);
    // IPv6 exits vary their address by request count, not by the rng: an IPv4 pool draws as before.
    const ip = exitAddress(exit, this.world.seed, this.counter);
    fillRequest(d, t, this.world, rng, who, ip, exit.net, this.profile);
    d.truth.accountIndex = who.accountIndex;
    d.truth.campaignIndex = o.campaign;
    d.truth.extraction = true;
    const next = t + this.gap(t);
    return next < o.endMs ? next : Number.POSITIVE_INFINITY;
  }
}
