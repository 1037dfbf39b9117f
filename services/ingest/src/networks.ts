import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  networkFacts,
  parseRangeCsv,
  RangeTable,
  type RangeTableData,
  shareRangeTable,
} from "@distillguard/networks";

/**
 * The IP tables the ingest enriches with, as shared memory for its translation workers. The
 * defaults install with the ingest as npm packages (ip-location-db: RouteViews + NRO + DB-IP
 * ASN, and DB-IP country; CC-BY 4.0, credited in docs/dependencies.md); a deployment points
 * DG_INGEST_ASN_FILES / DG_INGEST_COUNTRY_FILES at newer files of the same CSV layout.
 */
export interface NetworkTables {
  asn: RangeTableData | null;
  country: RangeTableData | null;
}

const require = createRequire(import.meta.url);

export const DEFAULT_ASN_FILES = [
  require.resolve("@ip-location-db/asn/asn-ipv4-num.csv"),
  require.resolve("@ip-location-db/asn/asn-ipv6.csv"),
];
export const DEFAULT_COUNTRY_FILES = [
  require.resolve("@ip-location-db/dbip-country/dbip-country-ipv4-num.csv"),
  require.resolve("@ip-location-db/dbip-country/dbip-country-ipv6.csv"),
];

const loaded = new Map<string, RangeTableData>();

/** Parses each file list once per process (3–4 s for the defaults) and shares the result. */
function load(files: readonly string[], kind: "asn" | "label"): RangeTableData | null {
  if (files.length === 0) return null;
  const key = `${kind}:${files.join("\n")}`;
  let data = loaded.get(key);
  if (data === undefined) {
    const table = parseRangeCsv(
      files.map((f) => {
        try {
          return { source: f, text: readFileSync(f, "utf8") };
        } catch (e) {
          throw new Error(`cannot read IP table ${f}: ${(e as Error).message}`);
        }
      }),
      kind,
    );
    data = shareRangeTable(table);
    loaded.set(key, data);
  }
  return data;
}

/** The tables for these file lists; an empty list turns that enrichment off. */
export function loadNetworkTables(
  files: { asn: readonly string[]; country: readonly string[] } = {
    asn: DEFAULT_ASN_FILES,
    country: DEFAULT_COUNTRY_FILES,
  },
): NetworkTables {
  return { asn: load(files.asn, "asn"), country: load(files.country, "label") };
}

/** An enricher over the tables, for translateRecord. */
export function networkEnricher(tables: NetworkTables) {
  return networkFacts({
    asn: tables.asn ? new RangeTable(tables.asn) : null,
    country: tables.country ? new RangeTable(tables.country) : null,
  });
}
