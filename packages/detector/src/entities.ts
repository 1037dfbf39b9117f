import { hash53, net, scanNetwork } from "@distillguard/campaigns";
import { isNoPrompt } from "@distillguard/fingerprint";
import { createWindowStore, type WindowSpec, type WindowStore } from "@distillguard/windows";

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Things accounts share; each gets its own windows keyed by (kind, value). */
export const entityKinds = [
  "api_key",
  "org",
  "ip_prefix",
  "asn",
  "tls",
  "user_agent",
  "template",
  "system_prompt",
  // IPv6 networks, kept whenever "ip_prefix" is (which holds IPv4 /24s): the /48 (a site, what
  // the linker groups by) and the /64 (one line or one VM). Last, so older kinds keep their keys.
  "ip_prefix48",
  "ip_prefix64",
] as const;
export type EntityKind = (typeof entityKinds)[number];

/** The network and client kinds: the detector's default until nothing read them (detector.ts). */
export const networkEntityKinds: readonly EntityKind[] = ["ip_prefix", "asn", "tls", "user_agent"];

/** The fields entity features read: a structural subset of ApiRequest. */
export interface EntityEvent {
  account_id: string;
  event_time_ms: number;
  api_key_id: string;
  org_id: string | null;
  client_address: string;
  client_asn: number | null;
  user_agent: string | null;
  tls_fingerprint: string | null;
  prompt_template_hash: Uint8Array;
  system_prompt_hash: Uint8Array | null;
  usage_output_tokens: number;
  cot_elicitation: number;
}

/** Per entity: volume, reasoning-trace share, output harvested, and how many accounts share it. */
export const entitySpec: WindowSpec = {
  rings: [
    { name: "1h", bucketMs: 5 * MIN, buckets: 12 },
    { name: "24h/6h", bucketMs: 6 * HOUR, buckets: 4 },
  ],
  fields: [
    { kind: "sum", name: "cot", rings: ["24h/6h"] },
    { kind: "sum", name: "outputTokens", rings: ["24h/6h"] },
    // One HLL ring only: per-event HLL inserts on two rings cost ~30% of entity updates.
    { kind: "distinct", name: "accounts", input: "account", rings: ["24h/6h"], precision: 6 },
  ],
  allowedLatenessMs: 60_000,
  idleTimeoutMs: 24 * HOUR + 60_000,
  maxKeys: 4_000_000,
};

export interface EntityReading {
  requests24h: number;
  requests1h: number;
  accounts24h: number;
  cotRate24h: number;
  outputTokens24h: number;
}

const KIND_SPAN = 2 ** 48;

/**
 * Windows per shared entity (API key, org, network prefix: IPv4 /24, IPv6 /48 and /64, ASN, TLS and user-agent strings,
 * template and system-prompt hashes), keyed by a number: the kind in the top bits, a 48-bit
 * hash of the value below, so no key string is built per event. Which kinds are kept is
 * configurable: each costs one window update per request.
 */
export class EntityFeatures {
  readonly store: WindowStore;
  private readonly kinds: ReadonlySet<EntityKind>;
  private readonly cot: number;
  private readonly output: number;
  private readonly account: number;
  private readonly outIndex: Record<string, number>;
  private readonly out: Float64Array;

  constructor(
    kinds: readonly EntityKind[] = entityKinds,
    spec: WindowSpec = entitySpec,
    store?: WindowStore,
  ) {
    this.kinds = new Set(kinds.includes("ip_prefix") ? [...kinds, "ip_prefix48", "ip_prefix64"] : kinds);
    this.store = store ?? createWindowStore(spec);
    this.cot = this.store.valueIndex("cot");
    this.output = this.store.valueIndex("outputTokens");
    this.account = this.store.hashIndex("account");
    this.outIndex = Object.fromEntries(
      ["count@24h/6h", "count@1h", "accounts@24h/6h", "cot@24h/6h", "outputTokens@24h/6h"].map((n) => [
        n,
        this.store.outputIndex(n),
      ]),
    );
    this.out = new Float64Array(this.store.layout.outputs.length);
  }

  /** The numeric key of an entity; null for an absent value. */
  static key(kind: EntityKind, value: string | number | Uint8Array | null): number | null {
    if (value === null || value === "") return null;
    // NO_PROMPT: the logs carried no prompt text, so there is no template to share.
    if (value instanceof Uint8Array && isNoPrompt(value)) return null;
    const k = entityKinds.indexOf(kind);
    let h: number;
    if (value instanceof Uint8Array) h = hash53(value) % KIND_SPAN;
    else if (typeof value === "number") h = value % KIND_SPAN;
    else h = fnv48(value);
    return k * KIND_SPAN + h;
  }

  observe(e: EntityEvent): void {
    const s = this.store;
    s.values[this.cot] = e.cot_elicitation >= 0.5 ? 1 : 0;
    s.values[this.output] = e.usage_output_tokens;
    const a = fnv48(e.account_id);
    s.hashes[2 * this.account] = Math.floor(a / 4294967296);
    s.hashes[2 * this.account + 1] = a >>> 0;
    const t = e.event_time_ms;
    const k = this.kinds;
    if (k.has("api_key")) this.update("api_key", e.api_key_id, t);
    if (k.has("org")) this.update("org", e.org_id, t);
    if (k.has("ip_prefix")) {
      // Numbers, never prefix strings: no allocation per request (bench/detector).
      const family = scanNetwork(e.client_address);
      if (family === 4) this.update("ip_prefix", net.p24, t);
      else if (family === 6) {
        this.update("ip_prefix48", net.p48, t);
        this.update("ip_prefix64", net.h64, t);
      }
    }
    if (k.has("asn")) this.update("asn", e.client_asn, t);
    if (k.has("tls")) this.update("tls", e.tls_fingerprint, t);
    if (k.has("user_agent")) this.update("user_agent", e.user_agent, t);
    if (k.has("template")) this.update("template", e.prompt_template_hash, t);
    if (k.has("system_prompt")) this.update("system_prompt", e.system_prompt_hash, t);
  }

  private update(kind: EntityKind, value: string | number | Uint8Array | null, t: number): void {
    const key = EntityFeatures.key(kind, value);
    if (key !== null) this.store.update(key, t);
  }

  read(kind: EntityKind, value: string | number | Uint8Array | null, nowMs: number): EntityReading | null {
    const key = EntityFeatures.key(kind, value);
    if (key === null || !this.store.readAll(key, nowMs, this.out)) return null;
    const g = (n: string) => this.out[this.outIndex[n] as number] as number;
    const n24 = g("count@24h/6h");
    return {
      requests24h: n24,
      requests1h: g("count@1h"),
      accounts24h: g("accounts@24h/6h"),
      cotRate24h: n24 > 0 ? g("cot@24h/6h") / n24 : 0,
      outputTokens24h: g("outputTokens@24h/6h"),
    };
  }

  expire(nowMs: number): number {
    return this.store.expire(nowMs);
  }
}

/** 48-bit FNV-1a-style hash of a string, as a safe integer. */
function fnv48(s: string): number {
  let lo = 0x811c9dc5;
  let hi = 0x050c5d1f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    lo = Math.imul(lo ^ c, 0x01000193);
    hi = Math.imul(hi ^ (c + (lo >>> 24)), 0x01000193);
  }
  return (hi & 0xffff) * 4294967296 + (lo >>> 0);
}
