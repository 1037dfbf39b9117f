// Refreshes the fingerprint-derived fields of fixtures/*.expected.json from the current
// @distillguard/fingerprint and leaves every hand-written field alone, so a fingerprint change
// shows up in review as a diff of hashes only. Run from the repo root:
//   node --import tsx packages/litellm/scripts/update-fixture-hashes.ts
import { readFileSync, writeFileSync } from "node:fs";
import { FIXTURES_DIR, litellmFixtures, withHexHashes } from "../src/fixtures.ts";
import { toApiRequest } from "../src/map.ts";
import { decodeStandardLoggingPayload } from "../src/parse.ts";

const DERIVED = [
  "prompt_simhash",
  "prompt_template_hash",
  "system_prompt_hash",
  "cot_elicitation",
  "prompt_topic",
];

for (const f of litellmFixtures()) {
  const actual = withHexHashes(toApiRequest(decodeStandardLoggingPayload(f.bytes)));
  const file = new URL(`${f.name}.expected.json`, FIXTURES_DIR);
  const expected = JSON.parse(readFileSync(file, "utf8"));
  for (const k of DERIVED) expected[k] = actual[k];
  writeFileSync(file, `${JSON.stringify(expected, null, 2)}\n`);
  console.log(
    `${f.name}.expected.json: ${DERIVED.map((k) => `${k}=${JSON.stringify(actual[k])}`).join(" ")}`,
  );
}
