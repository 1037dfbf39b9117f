import { readdirSync, readFileSync } from "node:fs";

export const schemasDir = new URL("../schemas/", import.meta.url);

export interface SchemaFile {
  /** Folder name, e.g. `api-request`. */
  readonly subject: string;
  readonly version: number;
  readonly schema: { name: string; namespace?: string; [k: string]: unknown };
}

/** Every `schemas/<subject>/v<n>.avsc`, ordered by subject then version. */
export function loadSchemaFiles(): SchemaFile[] {
  const out: SchemaFile[] = [];
  for (const entry of readdirSync(schemasDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const subject = entry.name;
    const dir = new URL(`${subject}/`, schemasDir);
    for (const f of readdirSync(dir)) {
      const m = /^v(\d+)\.avsc$/.exec(f);
      if (!m) continue;
      out.push({ subject, version: Number(m[1]), schema: JSON.parse(readFileSync(new URL(f, dir), "utf8")) });
    }
  }
  return out.sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
}
