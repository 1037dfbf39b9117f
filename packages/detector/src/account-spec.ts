import type { WindowSpec } from "@distillguard/windows";

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * What the detector keeps per account. 24 h is held at two grains: hourly buckets for
 * active-hour coverage (24/7-ness) and 6-hour buckets for everything else, which keeps the
 * per-account state small.
 */
export const accountSpec: WindowSpec = {
  rings: [
    { name: "1h", bucketMs: 5 * MIN, buckets: 12 },
    { name: "24h", bucketMs: HOUR, buckets: 24 },
    { name: "24h/6h", bucketMs: 6 * HOUR, buckets: 4 },
  ],
  fields: [
    { kind: "sum", name: "inputTokens", rings: ["24h/6h"] },
    { kind: "sum", name: "outputTokens", rings: ["24h/6h"] },
    { kind: "sum", name: "reasoningTokens", rings: ["24h/6h"] },
    // Requests whose logs carry reasoning tokens / a client ASN: without any, those signals
    // are absent for the account, not zero.
    { kind: "sum", name: "reasoningReported", rings: ["24h/6h"] },
    { kind: "sum", name: "asnKnown", rings: ["24h/6h"] },
    // Requests whose logs carry prompt text (not redacted): without any, the prompt signals
    // (cot rate, topic breadth, template concentration) are absent, not zero.
    { kind: "sum", name: "prompted", rings: ["1h", "24h/6h"] },
    { kind: "sum", name: "cot", rings: ["1h", "24h/6h"] },
    // Requests whose logs carry the answer, and those whose answer carried a reasoning trace.
    { kind: "sum", name: "answered", rings: ["24h/6h"] },
    { kind: "sum", name: "traced", rings: ["24h/6h"] },
    { kind: "sum", name: "logprobs", rings: ["24h/6h"] },
    { kind: "sum", name: "multiChoice", rings: ["24h/6h"] },
    { kind: "sum", name: "saturated", rings: ["24h/6h"] },
    { kind: "sum", name: "rateLimited", rings: ["1h"] },
    { kind: "sum", name: "newModel", rings: ["24h/6h"] },
    // Requests on a harvest stream (features.ts, streams.ts), and those of them that harvested.
    { kind: "sum", name: "streamed", rings: ["24h/6h"] },
    { kind: "sum", name: "streamHarvested", rings: ["24h/6h"] },
    // Requests that harvested reasoning, and their output tokens: how long what was harvested is,
    // however little of the account's traffic it is.
    { kind: "sum", name: "harvested", rings: ["24h/6h"] },
    { kind: "sum", name: "harvestedOutput", rings: ["24h/6h"] },
    { kind: "regularity", name: "gaps", rings: ["1h"], gapCapMs: 10 * MIN },
    { kind: "distinct", name: "prefixes", input: "prefix", rings: ["24h/6h"], precision: 6 },
    { kind: "distinct", name: "asns", input: "asn", rings: ["24h/6h"], precision: 6 },
    { kind: "distinct", name: "simhashBuckets", input: "simhashBucket", rings: ["24h/6h"], precision: 6 },
    { kind: "topk", name: "templates", input: "template", rings: ["24h/6h"], k: 4 },
  ],
  allowedLatenessMs: 60_000,
  idleTimeoutMs: 24 * HOUR + 60_000,
  maxKeys: 2_000_000,
};
