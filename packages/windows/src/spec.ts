import {
  checkBins,
  checkK,
  checkPrecision,
  hllBytes,
  LogMapping,
  quantileBytes,
} from "@distillguard/sketches";

/** A bucketed ring: `buckets` sub-buckets of `bucketMs`; horizon = buckets · bucketMs. */
export interface RingSpec {
  readonly name: string;
  readonly bucketMs: number;
  readonly buckets: number;
}

interface FieldBase {
  readonly name: string;
  /** Rings (by name) the field is kept for; its state is per bucket of each. */
  readonly rings: readonly string[];
  /** Input the field reads (default: its own name); fields may share one input. */
  readonly input?: string;
}

/** Sum of a non-negative integer value per event (0/1 for flags). Saturates at 2^bits − 1 per bucket. */
export interface SumField extends FieldBase {
  readonly kind: "sum";
  readonly bits?: 16 | 32;
}

/** Distinct count of a hash input (HyperLogLog of precision p per bucket, sparse below m/8). */
export interface DistinctField extends FieldBase {
  readonly kind: "distinct";
  readonly precision?: number;
}

/** Quantiles of a value input (log-bucket sketch per bucket). NaN input = absent. */
export interface QuantileField extends FieldBase {
  readonly kind: "quantile";
  readonly alpha?: number;
  readonly bins?: number;
  readonly quantiles?: readonly number[];
}

/** Concentration of a hash input: space-saving top-k per ring with per-bucket counts. */
export interface TopKField extends FieldBase {
  readonly kind: "topk";
  readonly k?: number;
}

/** Regularity of arrival gaps (no input: from event times). */
export interface RegularityField {
  readonly kind: "regularity";
  readonly name: string;
  readonly rings: readonly string[];
  /** Gaps longer than this count as this long (default 10 min), so idle nights do not dominate. */
  readonly gapCapMs?: number;
}

export type FieldSpec = SumField | DistinctField | QuantileField | TopKField | RegularityField;

export interface WindowSpec {
  readonly rings: readonly RingSpec[];
  readonly fields: readonly FieldSpec[];
  /** Events older than (max event time seen − this) are late: dropped and reported. */
  readonly allowedLatenessMs: number;
  /** `expire(now)` removes keys whose newest event is older than now − this. */
  readonly idleTimeoutMs: number;
  /** Hard cap on live keys; a new key at the cap evicts the max(1, ⌊maxKeys/64⌋) least recently updated. */
  readonly maxKeys: number;
  /** Slots allocated up front (grows ×2 up to maxKeys). Default min(maxKeys, 1024). */
  readonly initialKeys?: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * The default declaration for account keys (see README for the byte cost of each part).
 * Inputs: values inputTokens, outputTokens, cot, logprobs, rateLimited; hashes ip, asn, template.
 */
export const defaultSpec: WindowSpec = {
  rings: [
    { name: "1m", bucketMs: 10_000, buckets: 6 },
    { name: "10m", bucketMs: MIN, buckets: 10 },
    { name: "1h", bucketMs: 5 * MIN, buckets: 12 },
    { name: "24h", bucketMs: HOUR, buckets: 24 },
    { name: "24h/6h", bucketMs: 6 * HOUR, buckets: 4 },
  ],
  fields: [
    { kind: "sum", name: "inputTokens", rings: ["1h", "24h/6h"] },
    { kind: "sum", name: "outputTokens", rings: ["1h", "24h/6h"] },
    { kind: "sum", name: "cot", rings: ["10m", "1h", "24h/6h"] },
    { kind: "sum", name: "logprobs", rings: ["1h", "24h/6h"] },
    { kind: "sum", name: "rateLimited", rings: ["10m", "1h"] },
    { kind: "regularity", name: "gaps", rings: ["1h"], gapCapMs: 10 * MIN },
    { kind: "distinct", name: "ips", input: "ip", rings: ["24h/6h"], precision: 6 },
    { kind: "distinct", name: "asns", input: "asn", rings: ["24h/6h"], precision: 6 },
    { kind: "distinct", name: "templates", input: "template", rings: ["24h/6h"], precision: 6 },
    {
      kind: "quantile",
      name: "outputTokensQ",
      input: "outputTokens",
      rings: ["24h/6h"],
      alpha: 0.1,
      bins: 16,
      quantiles: [0.5, 0.9, 0.99],
    },
    { kind: "topk", name: "templateTop", input: "template", rings: ["24h/6h"], k: 6 },
  ],
  allowedLatenessMs: 30_000,
  idleTimeoutMs: 24 * HOUR + 30_000,
  maxKeys: 1_000_000,
};

export enum Kind {
  Sum32 = 0,
  Sum16 = 1,
  Distinct = 2,
  Quantile = 3,
  TopK = 4,
  Regularity = 5,
}

/** One field's state in one ring, with byte offsets inside a bucket (and the ring, for top-k hashes). */
export interface Op {
  readonly kind: Kind;
  readonly field: number;
  /** Byte offset of the field's state inside a bucket. */
  readonly off: number;
  /** Value input (sum), hash input (distinct, top-k), or field index (quantile keys, regularity gaps). */
  readonly input: number;
  /** precision (distinct), bins (quantile), k (top-k). */
  readonly param: number;
  /** Top-k: byte offset of the k hashes from the ring's start. */
  readonly ringOff: number;
  /** First output index. */
  readonly out: number;
}

export interface RingLayout {
  readonly name: string;
  readonly index: number;
  readonly bucketMs: number;
  readonly buckets: number;
  /** Byte offset of the ring inside a key's block; buckets start at `bucketsOff`. */
  readonly off: number;
  readonly bucketsOff: number;
  readonly bucketBytes: number;
  /** Byte offset of the built-in event count (u32) inside a bucket. */
  readonly countOff: number;
  readonly ops: readonly Op[];
  /** Output indices: count, activeBuckets. */
  readonly out: number;
  readonly outputs: readonly string[];
}

export interface FieldInfo {
  readonly spec: FieldSpec;
  /** Value input index (sum, quantile), hash input index (distinct, top-k), or -1 (regularity). */
  readonly input: number;
  readonly mapping: LogMapping | null;
  readonly quantiles: readonly number[];
  readonly gapCapMs: number;
}

export interface Layout {
  readonly spec: WindowSpec;
  readonly rings: readonly RingLayout[];
  readonly fields: readonly FieldInfo[];
  /** Bytes of one key's block (multiple of 8). */
  readonly blockBytes: number;
  readonly headerBytes: number;
  readonly valueInputs: readonly string[];
  readonly hashInputs: readonly string[];
  /** Output names in output order: `<field>[.<part>]@<ring>`. */
  readonly outputs: readonly string[];
  /** Bytes per key of each part, for the README and the benchmark. */
  readonly bytes: ReadonlyArray<{ part: string; bytes: number }>;
}

export class SpecError extends Error {
  override readonly name = "SpecError";
}

/** Validates a declaration and lays out the per-key block. */
export function compileLayout(spec: WindowSpec): Layout {
  const ringIndex = new Map<string, number>();
  spec.rings.forEach((r, i) => {
    if (ringIndex.has(r.name)) throw new SpecError(`ring ${r.name} is declared twice`);
    if (!Number.isInteger(r.bucketMs) || r.bucketMs < 1)
      throw new SpecError(`ring ${r.name}: bucketMs ${r.bucketMs} must be a positive integer`);
    if (!Number.isInteger(r.buckets) || r.buckets < 1 || r.buckets > 4096) {
      throw new SpecError(`ring ${r.name}: buckets ${r.buckets} must be an integer in 1..4096`);
    }
    ringIndex.set(r.name, i);
  });
  if (spec.rings.length === 0) throw new SpecError("declare at least one ring");
  for (const [k, v] of [
    ["allowedLatenessMs", spec.allowedLatenessMs],
    ["idleTimeoutMs", spec.idleTimeoutMs],
  ] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new SpecError(`${k} ${v} must be a finite number ≥ 0`);
  }
  if (!Number.isInteger(spec.maxKeys) || spec.maxKeys < 1)
    throw new SpecError(`maxKeys ${spec.maxKeys} must be a positive integer`);

  const valueInputs: string[] = [];
  const hashInputs: string[] = [];
  const inputOf = (list: string[], name: string) => {
    let i = list.indexOf(name);
    if (i < 0) i = list.push(name) - 1;
    return i;
  };
  const names = new Set<string>();
  const fields: FieldInfo[] = spec.fields.map((f) => {
    if (names.has(f.name)) throw new SpecError(`field ${f.name} is declared twice`);
    names.add(f.name);
    for (const r of f.rings) if (!ringIndex.has(r)) throw new SpecError(`field ${f.name}: unknown ring ${r}`);
    try {
      if (f.kind === "distinct") checkPrecision(f.precision ?? 6);
      if (f.kind === "quantile") checkBins(f.bins ?? 16);
      if (f.kind === "topk") checkK(f.k ?? 6);
    } catch (e) {
      throw new SpecError(`field ${f.name}: ${(e as Error).message}`);
    }
    const quantiles = f.kind === "quantile" ? (f.quantiles ?? [0.5, 0.9, 0.99]) : [];
    for (const q of quantiles)
      if (!(q >= 0 && q <= 1)) throw new SpecError(`field ${f.name}: quantile ${q} is not in [0, 1]`);
    const gapCapMs = f.kind === "regularity" ? (f.gapCapMs ?? 10 * MIN) : 0;
    if (!(gapCapMs >= 0 && gapCapMs <= 2 ** 31))
      throw new SpecError(`field ${f.name}: gapCapMs must be in 0..2^31`);
    const input =
      f.kind === "regularity"
        ? -1
        : f.kind === "sum" || f.kind === "quantile"
          ? inputOf(valueInputs, f.input ?? f.name)
          : inputOf(hashInputs, f.input ?? f.name);
    return {
      spec: f,
      input,
      mapping: f.kind === "quantile" ? new LogMapping(f.alpha ?? 0.1) : null,
      quantiles,
      gapCapMs,
    };
  });

  const headerBytes = 16 + 8 * spec.rings.length;
  const bytes: Array<{ part: string; bytes: number }> = [
    { part: "header (newest event time, recency, ring heads)", bytes: headerBytes },
  ];
  const outputs: string[] = [];
  let off = headerBytes;
  const rings: RingLayout[] = spec.rings.map((r, ri) => {
    // Items inside a bucket, 8-byte aligned ones first so nothing needs padding but the end.
    type Item = { field: number; kind: Kind; size: number; alignTo: number; param: number; input: number };
    const items: Item[] = [];
    let ringLevel = 0;
    const ringOffs = new Map<number, number>();
    fields.forEach((fi, i) => {
      const f = fi.spec;
      if (!f.rings.includes(r.name)) return;
      switch (f.kind) {
        case "sum": {
          const sixteen = f.bits === 16;
          items.push({
            field: i,
            kind: sixteen ? Kind.Sum16 : Kind.Sum32,
            size: sixteen ? 2 : 4,
            alignTo: sixteen ? 2 : 4,
            param: 0,
            input: fi.input,
          });
          break;
        }
        case "distinct": {
          const p = f.precision ?? 6;
          items.push({
            field: i,
            kind: Kind.Distinct,
            size: hllBytes(p),
            alignTo: 4,
            param: p,
            input: fi.input,
          });
          break;
        }
        case "quantile": {
          const b = f.bins ?? 16;
          items.push({
            field: i,
            kind: Kind.Quantile,
            size: quantileBytes(b),
            alignTo: 4,
            param: b,
            input: i,
          });
          break;
        }
        case "topk": {
          const k = f.k ?? 6;
          ringOffs.set(i, ringLevel);
          ringLevel += 4 * k;
          items.push({ field: i, kind: Kind.TopK, size: 4 * k, alignTo: 4, param: k, input: fi.input });
          break;
        }
        case "regularity":
          items.push({ field: i, kind: Kind.Regularity, size: 16, alignTo: 8, param: 0, input: i });
          break;
      }
    });
    items.sort((a, b) => b.alignTo - a.alignTo);
    const ringOut = outputs.length;
    outputs.push(`count@${r.name}`, `activeBuckets@${r.name}`);
    let inBucket = 0;
    let maxAlign = 4;
    const ops: Op[] = [];
    const itemOff: number[] = [];
    for (const it of items) {
      inBucket = align(inBucket, it.alignTo);
      itemOff.push(inBucket);
      inBucket += it.size;
      maxAlign = Math.max(maxAlign, it.alignTo);
    }
    // The built-in event count goes last (4-aligned).
    inBucket = align(inBucket, 4);
    const countOff = inBucket;
    inBucket += 4;
    const bucketBytes = align(inBucket, maxAlign);
    const bucketsOff = align(ringLevel, 8);
    items.forEach((it, n) => {
      const fi = fields[it.field] as FieldInfo;
      const name = fi.spec.name;
      const out = outputs.length;
      switch (it.kind) {
        case Kind.Quantile:
          for (const q of fi.quantiles) outputs.push(`${name}.p${formatQ(q)}@${r.name}`);
          break;
        case Kind.TopK:
          outputs.push(
            `${name}.topShare@${r.name}`,
            `${name}.entropyBits@${r.name}`,
            `${name}.topHash@${r.name}`,
          );
          break;
        case Kind.Regularity:
          outputs.push(`${name}.count@${r.name}`, `${name}.meanMs@${r.name}`, `${name}.cv@${r.name}`);
          break;
        default:
          outputs.push(`${name}@${r.name}`);
      }
      ops.push({
        kind: it.kind,
        field: it.field,
        off: itemOff[n] ?? 0,
        input: it.input,
        param: it.param,
        ringOff: ringOffs.get(it.field) ?? 0,
        out,
      });
      const perKey = it.size * r.buckets + (it.kind === Kind.TopK ? 4 * it.param : 0);
      bytes.push({ part: `${name}@${r.name}`, bytes: perKey });
    });
    bytes.push({ part: `count@${r.name}`, bytes: 4 * r.buckets });
    const ringBytes = align(bucketsOff + bucketBytes * r.buckets, 8);
    const padding =
      ringBytes -
      bucketsOff -
      bucketBytes * r.buckets +
      (bucketBytes - inBucket) * r.buckets +
      (bucketsOff - ringLevel);
    if (padding > 0) bytes.push({ part: `padding@${r.name}`, bytes: padding });
    const layout: RingLayout = {
      name: r.name,
      index: ri,
      bucketMs: r.bucketMs,
      buckets: r.buckets,
      off,
      bucketsOff: off + bucketsOff,
      bucketBytes,
      countOff,
      ops,
      out: ringOut,
      outputs: outputs.slice(ringOut),
    };
    off += ringBytes;
    return layout;
  });
  return { spec, rings, fields, blockBytes: off, headerBytes, valueInputs, hashInputs, outputs, bytes };
}

function formatQ(q: number): string {
  return String(Math.round(q * 1000) / 10).replace(".", "_");
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
