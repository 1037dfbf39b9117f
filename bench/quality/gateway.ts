// The path a user has: what a gateway logs (LiteLLM JSON) through the ingest's own translation,
// then Avro as the detector service would read it from Kafka. Translating is most of a run's
// cost, so a run's translated stream can be kept on disk and replayed beside a fast
// (fingerprint-mode) simulation of the same seed: the detector changes far more often than
// the simulator and the ingest, and the key below changes whenever either does.

import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type ApiRequest, apiRequestCodec } from "@distillguard/contract";
import { translateRecord } from "@distillguard/ingest";
import { type Enricher, type MappingOptions, toStandardLoggingPayload } from "@distillguard/litellm";
import { type Draft, toExchange } from "@distillguard/simulator";

/** The views of one run the bench can feed a detector. */
export type Feed = "gateway" | "gateway_no_enrichment" | "gateway_no_spend" | "oracle";

export const feeds: readonly Feed[] = ["gateway", "gateway_no_enrichment", "gateway_no_spend", "oracle"];

/** The method each feed's detector reports as, and what it means. */
export const feedMethods: Record<Feed, { key: string; label: string }> = {
  gateway: { key: "detector", label: "detector (gateway log + ingest, IP enrichment on)" },
  gateway_no_enrichment: {
    key: "detector_no_enrichment",
    label: "detector (gateway log + ingest, enrichment off)",
  },
  // A proxy whose accounts are end users or one master key logs no spend of theirs.
  gateway_no_spend: {
    key: "detector_no_spend",
    label: "detector (gateway log + ingest, enrichment on, no account spend)",
  },
  oracle: { key: "detector_oracle", label: "detector on the simulator's own features (oracle)" },
};

/** What became of a run's gateway records. */
export interface GatewayStats {
  /** Records the ingest translated. */
  translated: number;
  /** Records the ingest sent to its DLQ, by reason kind. */
  dead_letters: Record<string, number>;
  /** Whether the translated stream came from the on-disk cache. */
  cached: boolean;
  /**
   * Client addresses the ingest wrote, by family, and how many differ from the simulator's own
   * (canonical) address: gateways log `::ffff:`, ports and forwarded chains, and the ingest must
   * bring each back to the one text, so `differs` should be 0.
   */
  addresses?: { ipv4: number; ipv6: number; absent: number; differs: number };
}

function countAddress(stats: GatewayStats, logged: string, simulated: string): void {
  stats.addresses ??= { ipv4: 0, ipv6: 0, absent: 0, differs: 0 };
  const a = stats.addresses;
  if (logged === "") a.absent++;
  else if (logged.includes(":")) a.ipv6++;
  else a.ipv4++;
  if (logged !== simulated) a.differs++;
}

/** One record through the gateway path: the request the detector service would decode, or why not. */
export type GatewayRecord = { ok: true; request: ApiRequest } | { ok: false; kind: string };

export interface GatewayStream {
  /** The next simulated request as the detector would see it through the ingest. */
  next(d: Draft, text: unknown): GatewayRecord;
  readonly stats: GatewayStats;
  close(): void;
}

/**
 * Live: LiteLLM JSON of each simulated request → `translateRecord` (the ingest service's
 * function) → Avro bytes → decoded. Writes the translated stream to `cachePath` when given
 * (to a temporary name, renamed when complete, so a killed run leaves no half cache).
 */
export function liveGateway(
  enrich: Enricher | undefined,
  cachePath: string | null,
  mapping: MappingOptions = {},
): GatewayStream {
  const stats: GatewayStats = { translated: 0, dead_letters: {}, cached: false };
  const writer = cachePath ? new FrameWriter(`${cachePath}.partial`) : null;
  return {
    stats,
    next(d, text) {
      if (!text) throw new Error("the gateway feed needs prompt text: simulate in gateway mode");
      const json = JSON.stringify(
        toStandardLoggingPayload(toExchange(d, text as Parameters<typeof toExchange>[1])),
      );
      const t = translateRecord(Buffer.from(json), enrich, mapping);
      if (!t.ok) {
        stats.dead_letters[t.reason.kind] = (stats.dead_letters[t.reason.kind] ?? 0) + 1;
        writer?.deadLetter(t.reason.kind);
        return { ok: false, kind: t.reason.kind };
      }
      stats.translated++;
      writer?.record(t.value);
      const request = apiRequestCodec.decode(t.value);
      countAddress(stats, request.client_address, d.record.client_address);
      if (enrich && stats.translated % 997 === 1) checkWithoutEnrichment(json, request, mapping);
      return { ok: true, request };
    },
    close() {
      if (writer && cachePath) {
        writer.close();
        renameSync(`${cachePath}.partial`, cachePath);
      }
    },
  };
}

/** Replays a cached stream; each record is checked against the simulated request it stands for. */
export function cachedGateway(cachePath: string): GatewayStream {
  const stats: GatewayStats = { translated: 0, dead_letters: {}, cached: true };
  const reader = new FrameReader(cachePath);
  return {
    stats,
    next(d) {
      const f = reader.next();
      if (f === null) throw new Error(`${cachePath} ends before the simulation: delete it and rerun`);
      if (typeof f === "string") {
        stats.dead_letters[f] = (stats.dead_letters[f] ?? 0) + 1;
        return { ok: false, kind: f };
      }
      const request = apiRequestCodec.decode(f);
      if (request.request_id !== d.record.request_id) {
        throw new Error(
          `${cachePath} is out of step with the simulation (${request.request_id} for ${d.record.request_id}): delete it and rerun`,
        );
      }
      stats.translated++;
      countAddress(stats, request.client_address, d.record.client_address);
      return { ok: true, request };
    },
    close() {
      if (reader.next() !== null) throw new Error(`${cachePath} has records past the simulation's end`);
      reader.close();
    },
  };
}

/**
 * The ingest without enrichment: the enriched request with what only enrichment fills left
 * absent. Cheaper than translating twice; `checkWithoutEnrichment` holds it to the real thing.
 */
export function withoutEnrichment(r: ApiRequest): ApiRequest {
  return { ...r, client_asn: null, client_country: null };
}

/** The request as a proxy that logs no spend of the account's would give it. */
export function withoutSpend(r: ApiRequest): ApiRequest {
  return { ...r, account_spend_usd: null };
}

/**
 * Throws unless translating `json` with no enricher, and the same mapping options (an
 * `--elicitation` other than the default changes `cot_elicitation`), gives exactly
 * `withoutEnrichment(enriched)`.
 */
export function checkWithoutEnrichment(
  json: string,
  enriched: ApiRequest,
  mapping: MappingOptions = {},
): void {
  const plain = translateRecord(Buffer.from(json), undefined, mapping);
  const derived = apiRequestCodec.encode(withoutEnrichment(enriched));
  if (!plain.ok || !plain.value.equals(derived)) {
    throw new Error(
      `request ${enriched.request_id}: the ingest without enrichment differs from the enriched request minus its enrichment fields`,
    );
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

/**
 * Everything that decides a run's translated stream: the simulator, the LiteLLM mapping and
 * fingerprints, the IP tables and the ingest's translation, the calibration trace, this file.
 */
const sourceDirs = [
  "services/simulator/src",
  "packages/litellm/src",
  "packages/fingerprint/src",
  "packages/networks/src",
  "packages/contract/src",
  "packages/contract/schemas",
  "services/ingest/src",
];

let codeHash: string | null = null;

function sourcesHash(): string {
  if (codeHash !== null) return codeHash;
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      // Test helpers (src/testing) decide no run: editing one keeps the caches.
      if (e.isDirectory()) {
        if (e.name !== "testing") walk(p);
      } else if (!/\.test\.ts$/.test(e.name)) {
        h.update(relative(root, p));
        h.update(readFileSync(p));
      }
    }
  };
  for (const d of sourceDirs) if (existsSync(join(root, d))) walk(join(root, d));
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  codeHash = h.digest("hex");
  return codeHash;
}

/** The cache file for one run's translated stream under these inputs. */
export function cacheFile(
  dir: string,
  run: {
    scenario: string;
    seed: number;
    options: unknown;
    enrichment: string;
    trace: string;
    text?: string;
    elicitation?: string;
  },
): string {
  const h = createHash("sha256");
  h.update(sourcesHash());
  h.update(JSON.stringify(run.options));
  h.update(run.enrichment);
  h.update(run.trace);
  h.update(run.text ?? "");
  h.update(run.elicitation ?? "");
  return join(dir, `${run.scenario}-s${run.seed}-${h.digest("hex").slice(0, 16)}.frames`);
}

// ---- frames: u32 length + Avro bytes; a dead letter has the top bit set and its reason kind ----

const DEAD = 0x8000_0000;

class FrameWriter {
  private fd: number;
  private buf = Buffer.allocUnsafe(4 << 20);
  private at = 0;
  constructor(path: string) {
    this.fd = openSync(path, "w");
  }
  record(bytes: Buffer): void {
    this.frame(bytes.length, bytes);
  }
  deadLetter(kind: string): void {
    const b = Buffer.from(kind, "utf8");
    this.frame(DEAD | b.length, b);
  }
  private frame(head: number, bytes: Buffer): void {
    if (this.at + 4 + bytes.length > this.buf.length) this.flush();
    if (4 + bytes.length > this.buf.length) this.buf = Buffer.allocUnsafe(4 + bytes.length);
    this.buf.writeUInt32LE(head >>> 0, this.at);
    bytes.copy(this.buf, this.at + 4);
    this.at += 4 + bytes.length;
  }
  private flush(): void {
    let off = 0;
    while (off < this.at) off += writeSync(this.fd, this.buf, off, this.at - off);
    this.at = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

class FrameReader {
  private fd: number;
  private buf = Buffer.allocUnsafe(8 << 20);
  private start = 0;
  private end = 0;
  private eof = false;
  constructor(path: string) {
    this.fd = openSync(path, "r");
  }
  /** The next record's bytes, a dead letter's reason kind, or null at the end. */
  next(): Buffer | string | null {
    if (!this.ensure(4)) return null;
    const head = this.buf.readUInt32LE(this.start);
    const len = head & ~DEAD & 0x7fff_ffff;
    if (!this.ensure(4 + len)) throw new Error("cache file truncated mid-record");
    const body = this.buf.subarray(this.start + 4, this.start + 4 + len);
    this.start += 4 + len;
    return head & DEAD ? body.toString("utf8") : body;
  }
  private ensure(n: number): boolean {
    while (this.end - this.start < n) {
      if (this.eof) return this.end - this.start >= n;
      if (this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      if (n > this.buf.length) {
        const bigger = Buffer.allocUnsafe(n);
        this.buf.copy(bigger, 0, 0, this.end);
        this.buf = bigger;
      }
      const got = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (got === 0) this.eof = true;
      this.end += got;
    }
    return true;
  }
  close(): void {
    closeSync(this.fd);
  }
}
