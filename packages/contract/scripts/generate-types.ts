// Regenerates src/generated/types.ts from schemas/. contract.test.ts fails when it is stale.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadSchemaFiles } from "../src/schema-files.ts";
import { generateTypes } from "../src/typegen.ts";

const out = new URL("../src/generated/", import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL("types.ts", out), generateTypes(loadSchemaFiles()));
console.log("wrote packages/contract/src/generated/types.ts");
