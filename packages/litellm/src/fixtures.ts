import { readdirSync, readFileSync } from "node:fs";
import type { ApiRequest } from "@distillguard/contract";

/** Hand-written LiteLLM records (fixtures/<name>.json) and the ApiRequest each must map to. */
export interface LiteLLMFixture {
  name: string;
  /** The record exactly as stored, as the gateway would put it on Kafka. */
  bytes: Buffer;
  expected: ApiRequest;
}

export const FIXTURES_DIR = new URL("../fixtures/", import.meta.url);

const HASH_FIELDS = [
  "prompt_simhash",
  "prompt_template_hash",
  "system_prompt_hash",
  "question_head_hash",
  "question_tail_hash",
] as const;

/** Every fixture, in name order; `*.expected.json` write fixed(8) hashes as hex, like the contract's fixtures. */
export function litellmFixtures(): LiteLLMFixture[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".expected.json"))
    .sort()
    .map((f) => {
      const name = f.slice(0, -".json".length);
      const expected = JSON.parse(readFileSync(new URL(`${name}.expected.json`, FIXTURES_DIR), "utf8"));
      for (const k of HASH_FIELDS) {
        if (typeof expected[k] === "string") expected[k] = Buffer.from(expected[k], "hex");
      }
      return { name, bytes: readFileSync(new URL(f, FIXTURES_DIR)), expected: expected as ApiRequest };
    });
}

/** An ApiRequest as the expected files write it: hashes as hex. */
export function withHexHashes(r: ApiRequest): Record<string, unknown> {
  const out: Record<string, unknown> = { ...r };
  for (const k of HASH_FIELDS) {
    const v = r[k];
    out[k] = v === null ? null : v.toString("hex");
  }
  return out;
}
