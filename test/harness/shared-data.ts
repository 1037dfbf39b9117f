import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Real data the tests read in place (never copied into the repository): `shared/data` beside
 * the repository's folder, as on the development and CI machines.
 */
export const SHARED_DATA = new URL("../../../shared/data/", import.meta.url).pathname;

export function sharedDataPath(...parts: string[]): string {
  const path = join(SHARED_DATA, ...parts);
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the tests read real data from shared/data beside the repository's folder (see shared/data/README.md)`,
    );
  }
  return path;
}

/** The 43 StandardLoggingPayload records captured from a real LiteLLM 1.108.7 proxy, as JSON text. */
export function capturedLiteLLMPayloads(): string[] {
  return readFileSync(sharedDataPath("litellm-1.108.7", "captured.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
}
