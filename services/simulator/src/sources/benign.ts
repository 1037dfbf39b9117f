import type { Network, Topic } from "../catalog.ts";
import type { Draft } from "../draft.ts";
import { mix32 } from "../mix.ts";
import type { Rng } from "../random.ts";
import {
  diurnalAt,
  failRequest,
  fillRequest,
  type Identity,
  ip6In,
  type RequestProfile,
  type World,
} from "../world.ts";
import { type Source, setPrompt } from "./source.ts";

export interface UserBehaviour {
  /** Mean requests per day. */
  perDay: number;
  /** Requests per session (geometric mean); 1 makes every request its own session. */
  sessionLength: number;
  /** Mean think time between requests of a session, ms; shaped by the real trace's gaps. */
  thinkMs: number;
  tzHours: number;
  /** false: flat 24/7 load (servers, batch jobs). */
  diurnal: boolean;
  topics: readonly Topic[];
  language: () => string;
  /** Share of requests on one of `families` (templated), the rest free-form. */
  templateRate: number;
  families: readonly number[];
  /** Share of prompts asking for step-by-step reasoning. */
  cotRate: number;
  system: number;
  /** Size of the end-user pool for apps and resellers that pass end-user ids; 0 for none. */
  endUsers: number;
  rateLimited: number;
  /** When the account was opened, for one opened in the run: its first request is then. */
  openedMs?: number;
}

/**
 * A device's IPv6 side: its /64 in one of the network's /48s. Each session uses a new
 * temporary interface id inside the /64 (privacy addresses, RFC 8981); a carrier hands a
 * phone a new /64 of the same /48 per session (`newSubnetPerSession`); `v4Share` of sessions
 * fall back to the device's IPv4 address (Happy Eyeballs, IPv4-only paths).
 */
export interface Ipv6Side {
  net: Network;
  block: number;
  subnet: number;
  newSubnetPerSession: boolean;
  v4Share: number;
}

/** The address of a dual-stack device for the session starting at `t`, or null for IPv4. */
function sessionAddress6(side: Ipv6Side | null, account: number, t: number): string | null {
  if (!side) return null;
  // Hashed, not drawn from the account's rng: IPv4-only accounts draw exactly as before.
  const h = mix32(account ^ 0x6a09e667, Math.floor(t));
  if ((h % 1000) / 1000 < side.v4Share) return null;
  const subnet = side.newSubnetPerSession ? mix32(h, 3) & 0xffff : side.subnet;
  return ip6In(side.net, side.block, subnet, mix32(h, 1), mix32(h, 2));
}

/**
 * An account used by people or ordinary apps: sessions of requests separated by think time,
 * idle gaps shaped by the local time of day, heavy-tailed volume across accounts.
 */
export class UserSource implements Source {
  private inSession = false;
  private conversation = -1;
  private turn = 0;
  private onPhone = false;
  /** This session's IPv6 address, or null when it goes over IPv4. */
  private session6: string | null = null;
  private readonly idleMeanMs: number;
  private readonly gapShape: Float64Array;

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly who: Identity,
    private readonly ips: readonly string[],
    private readonly net: Network,
    private readonly profile: RequestProfile,
    private readonly b: UserBehaviour,
    /**
     * A second device on another operator's network (a phone on mobile data beside the home
     * line): whole sessions come from it, so the account uses two ASNs a day as many people do.
     */
    private readonly phone: { ip: string; net: Network } | null = null,
    /** IPv6 of the home line and of the phone, for dual-stack people. */
    private readonly v6: { home: Ipv6Side | null; phone: Ipv6Side | null } = { home: null, phone: null },
  ) {
    const sessionsPerDay = Math.max(b.perDay / b.sessionLength, 1e-3);
    this.idleMeanMs = 86_400_000 / sessionsPerDay;
    this.gapShape = world.calibration.gapShape;
  }

  first(): number {
    // Someone who has just made a key tries it at once.
    if (this.b.openedMs !== undefined) return this.b.openedMs;
    return this.world.startMs + this.idleGap(this.world.startMs) * this.rng.next();
  }

  private idleGap(t: number): number {
    const w = this.b.diurnal ? diurnalAt(t, this.b.tzHours) : 1;
    return this.rng.exp(this.idleMeanMs) / Math.max(w, 0.05);
  }

  emit(t: number, d: Draft): number {
    const { rng, b } = this;
    if (!this.inSession) {
      this.inSession = true;
      this.conversation = mix32(this.who.accountIndex, Math.floor(t));
      this.turn = 0;
      if (this.phone) this.onPhone = rng.chance(0.35);
      this.session6 = sessionAddress6(this.onPhone ? this.v6.phone : this.v6.home, this.who.accountIndex, t);
    }
    const ip =
      this.session6 ??
      (this.onPhone
        ? (this.phone?.ip as string)
        : this.ips.length === 1
          ? (this.ips[0] as string)
          : rng.pick(this.ips));
    d.prompt.topic = rng.pick(b.topics);
    d.prompt.language = b.language();
    const cot = rng.chance(b.cotRate) ? 0.5 + 0.4 * rng.next() : 0;
    if (b.families.length > 0 && rng.chance(b.templateRate)) {
      const family = b.families[rng.zipf(b.families.length, 1.1)] as number;
      setPrompt(d, family, 0, rng.u32(), -1, 0, cot, b.system);
    } else {
      setPrompt(d, -1, 0, rng.u32(), this.conversation, this.turn, cot, b.system);
    }
    fillRequest(
      d,
      t,
      this.world,
      rng,
      this.who,
      ip,
      this.onPhone ? (this.phone?.net ?? this.net) : this.net,
      this.profile,
    );
    if (b.endUsers > 0)
      d.record.end_user_id = `eu_${(mix32(this.who.accountIndex, rng.int(b.endUsers)) % 1e9).toString(36)}`;
    if (rng.chance(b.rateLimited)) failRequest(d, 429);
    else if (rng.chance(0.002)) failRequest(d, 500);
    d.truth.accountIndex = this.who.accountIndex;
    d.truth.campaignIndex = -1;
    d.truth.extraction = false;
    this.turn++;
    if (b.sessionLength > 1 && rng.next() > 1 / b.sessionLength) {
      return t + b.thinkMs * (this.gapShape[rng.int(this.gapShape.length)] as number) + 200;
    }
    this.inSession = false;
    return t + this.idleGap(t);
  }
}

/**
 * A scripted client at a steady rate (batch jobs, heavy extractors, sweeps): 24/7, evenly
 * paced with jitter, templated prompts with systematically varied slot content.
 */
export class ScriptSource implements Source {
  private counter = 0;

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly who: Identity,
    private readonly ips: readonly string[],
    private readonly net: Network,
    private readonly profile: RequestProfile,
    private readonly s: {
      perDay: number;
      startMs: number;
      endMs: number;
      jitter: number;
      families: readonly number[];
      variants: number;
      topics: readonly Topic[];
      language: () => string;
      cotRate: number;
      system: number;
      campaign: number;
      extraction: boolean;
      rateLimited: number;
      /**
       * A campaign's work list, shared by its accounts: its controller hands each item to one
       * of them. Without it, the source walks a list of its own.
       */
      list?: { next: number };
    },
  ) {}

  first(): number {
    return this.s.startMs + this.gap();
  }

  private gap(): number {
    const mean = 86_400_000 / this.s.perDay;
    return mean * (1 - this.s.jitter + 2 * this.s.jitter * this.rng.next());
  }

  emit(t: number, d: Draft): number {
    const { rng, s } = this;
    const ip = this.ips.length === 1 ? (this.ips[0] as string) : rng.pick(this.ips);
    d.prompt.topic = rng.pick(s.topics);
    d.prompt.language = s.language();
    const family = s.families[rng.zipf(s.families.length, 0.8)] as number;
    const cot = rng.chance(s.cotRate) ? 0.6 + 0.4 * rng.next() : 0;
    // Systematic coverage: each request fills the template with the next item of a list.
    setPrompt(
      d,
      family,
      s.variants > 1 ? rng.int(s.variants) : 0,
      mix32(family, s.list ? s.list.next++ : this.counter++),
      -1,
      0,
      cot,
      s.system,
    );
    fillRequest(d, t, this.world, rng, this.who, ip, this.net, this.profile);
    if (rng.chance(s.rateLimited)) failRequest(d, 429);
    d.truth.accountIndex = this.who.accountIndex;
    d.truth.campaignIndex = s.campaign;
    d.truth.extraction = s.extraction;
    const next = t + this.gap();
    return next < s.endMs ? next : Number.POSITIVE_INFINITY;
  }
}
