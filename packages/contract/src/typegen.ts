import type { SchemaFile } from "./schema-files.ts";

/**
 * Turns the .avsc files into TypeScript declarations, so types are never written twice.
 * Mirrors avsc's default JS representation: long → number (avsc throws beyond 2^53),
 * fixed/bytes → Buffer, ["null", X] → X | null, enums → string unions.
 */
export function generateTypes(files: readonly SchemaFile[]): string {
  const named = new Map<string, { decl: string; source: string }>();
  const lines: string[] = [
    "// Generated from packages/contract/schemas/*/v*.avsc by `npm run gen:types`. Do not edit.",
    "/* biome-ignore-all format: generated */",
    "",
  ];
  const latest = new Map<string, SchemaFile>();
  for (const f of files) {
    const prev = latest.get(f.subject);
    if (!prev || prev.version < f.version) latest.set(f.subject, f);
  }

  function define(name: string, decl: string, source: string) {
    const prev = named.get(name);
    // Docs may differ between files; the shape may not.
    const shape = (d: string) => d.replace(/^ *\/\*\*.*?\*\/\n/gm, "");
    if (prev && shape(prev.decl) !== shape(decl)) {
      throw new Error(`named type ${name} in ${source} differs from the one in ${prev.source}`);
    }
    if (!prev) named.set(name, { decl, source });
  }

  function tsType(t: unknown, source: string, localNames: Map<string, string>, suffix: string): string {
    if (typeof t === "string") {
      switch (t) {
        case "null":
          return "null";
        case "boolean":
          return "boolean";
        case "int":
        case "long":
        case "float":
        case "double":
          return "number";
        case "string":
          return "string";
        case "bytes":
          return "Buffer";
        default: {
          const local = localNames.get(t);
          if (!local) throw new Error(`${source}: unknown type reference ${t}`);
          return local;
        }
      }
    }
    if (Array.isArray(t)) {
      return t.map((b) => tsType(b, source, localNames, suffix)).join(" | ");
    }
    const o = t as { type: string; name?: string; [k: string]: unknown };
    switch (o.type) {
      case "array":
        return `Array<${tsType(o.items, source, localNames, suffix)}>`;
      case "map":
        return `Record<string, ${tsType(o.values, source, localNames, suffix)}>`;
      case "fixed":
        localNames.set(o.name as string, "Buffer");
        return "Buffer";
      case "enum": {
        const n = o.name as string;
        define(
          n,
          `export type ${n} = ${(o.symbols as string[]).map((s) => JSON.stringify(s)).join(" | ")};`,
          source,
        );
        localNames.set(n, n);
        return n;
      }
      case "record": {
        const n = `${o.name as string}${suffix}`;
        const fields = (o.fields as { name: string; type: unknown; doc?: string }[]).map((fld) => {
          const doc = fld.doc ? `  /** ${fld.doc.replace(/\*\//g, "* /")} */\n` : "";
          return `${doc}  ${fld.name}: ${tsType(fld.type, source, localNames, "")};`;
        });
        const doc = o.doc ? `/** ${String(o.doc).replace(/\*\//g, "* /")} */\n` : "";
        define(n, `${doc}export interface ${n} {\n${fields.join("\n")}\n}`, source);
        localNames.set(o.name as string, n);
        return n;
      }
      default:
        return tsType(o.type, source, localNames, suffix);
    }
  }

  for (const f of files) {
    tsType(f.schema, `${f.subject}/v${f.version}.avsc`, new Map(), `V${f.version}`);
  }
  for (const { decl } of [...named.values()]) lines.push(decl, "");
  lines.push("// The version producers write today.");
  for (const [subject, f] of latest) {
    lines.push(
      `/** ${subject}, v${f.version}. */`,
      `export type ${f.schema.name} = ${f.schema.name}V${f.version};`,
    );
  }
  lines.push("");
  return lines.join("\n");
}
