// Reads infra/grafana the way Grafana's provisioning does (YAML and dashboard JSON) and lists
// every query the provisioned dashboards and alert rules would send to a datasource.
import { readdirSync, readFileSync } from "node:fs";
import { parse } from "yaml";

export const GRAFANA_DIR = new URL("../../infra/grafana/", import.meta.url);
export const CLICKHOUSE_PLUGIN = "grafana-clickhouse-datasource";
export const PROMETHEUS_PLUGIN = "prometheus";
/** Server-side expressions (reduce, threshold, math) in alert rules. */
export const EXPRESSION_UID = "__expr__";

// Grafana's file formats, as far as these tests read them.
export interface Datasource {
  name: string;
  uid: string;
  type: string;
  url?: string;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface DatasourceRef {
  type: string;
  uid: string;
}

export interface Target {
  refId: string;
  datasource?: DatasourceRef;
  rawSql?: string;
  editorType?: string;
  queryType?: string;
  format?: number;
  expr?: string;
  [k: string]: unknown;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DatasourceRef;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
  [k: string]: unknown;
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  [k: string]: unknown;
}

export interface RuleQuery {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: Record<string, unknown>;
}

export interface AlertRule {
  uid: string;
  title: string;
  condition: string;
  data: RuleQuery[];
  for?: string;
  noDataState?: string;
  execErrState?: string;
  dashboardUid?: string;
  panelId?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export interface RuleGroup {
  orgId?: number;
  name: string;
  folder: string;
  interval: string;
  rules: AlertRule[];
}

export interface Provisioning {
  /** Raw text of each provisioning file, by path relative to infra/grafana. */
  files: Map<string, string>;
  datasources: Datasource[];
  providers: Array<{ name: string; type: string; folder?: string; options: { path: string } }>;
  dashboards: Map<string, Dashboard>;
  groups: RuleGroup[];
}

const read = (rel: string) => readFileSync(new URL(rel, GRAFANA_DIR), "utf8");
const yamlFiles = (dir: string) =>
  readdirSync(new URL(dir, GRAFANA_DIR))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => `${dir}${f}`);

export function loadProvisioning(): Provisioning {
  const files = new Map<string, string>();
  const docs = (dir: string) =>
    yamlFiles(dir).map((rel) => {
      const text = read(rel);
      files.set(rel, text);
      const doc = parse(text) as { apiVersion?: number };
      if (doc?.apiVersion !== 1) throw new Error(`${rel}: apiVersion must be 1`);
      return doc as Record<string, unknown>;
    });
  const datasources = docs("provisioning/datasources/").flatMap((d) => (d.datasources as Datasource[]) ?? []);
  const providers = docs("provisioning/dashboards/").flatMap(
    (d) => (d.providers as Provisioning["providers"]) ?? [],
  );
  const groups = docs("provisioning/alerting/").flatMap((d) => (d.groups as RuleGroup[]) ?? []);
  const dashboards = new Map<string, Dashboard>();
  for (const f of readdirSync(new URL("dashboards/", GRAFANA_DIR)).filter((f) => f.endsWith(".json"))) {
    dashboards.set(`dashboards/${f}`, JSON.parse(read(`dashboards/${f}`)) as Dashboard);
  }
  return { files, datasources, providers, dashboards, groups };
}

/** Panels with their rows' nested panels, rows left out. */
export function leafPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => (p.type === "row" ? (p.panels ?? []) : [p]));
}

/** A query the provisioned files send to ClickHouse, and the time range it runs over. */
export interface ClickHouseQuery {
  /** `panel "<title>" <refId>` or `rule <uid> <refId>`. */
  id: string;
  sql: string;
  /** table (format 1) or timeseries (format 0), as the plugin returns it. */
  queryType: string;
  /** Seconds before evaluation the query's range starts and ends (alert rules). */
  relativeTimeRange?: { from: number; to: number };
  /** The rule's query interval (alert rules set it in the model). */
  intervalMs?: number;
}

export function clickhouseQueries(p: Provisioning): ClickHouseQuery[] {
  const chUids = new Set(p.datasources.filter((d) => d.type === CLICKHOUSE_PLUGIN).map((d) => d.uid));
  const out: ClickHouseQuery[] = [];
  for (const d of p.dashboards.values()) {
    for (const panel of leafPanels(d)) {
      for (const t of panel.targets ?? []) {
        const uid = t.datasource?.uid ?? panel.datasource?.uid;
        if (uid && chUids.has(uid)) {
          out.push({
            id: `panel "${panel.title}" ${t.refId}`,
            sql: String(t.rawSql),
            queryType: String(t.queryType),
          });
        }
      }
    }
  }
  for (const g of p.groups) {
    for (const r of g.rules) {
      for (const q of r.data) {
        if (!chUids.has(q.datasourceUid)) continue;
        out.push({
          id: `rule ${r.uid} ${q.refId}`,
          sql: String(q.model.rawSql),
          queryType: String(q.model.queryType),
          ...(q.relativeTimeRange ? { relativeTimeRange: q.relativeTimeRange } : {}),
          ...(typeof q.model.intervalMs === "number" ? { intervalMs: q.model.intervalMs } : {}),
        });
      }
    }
  }
  return out;
}

/** `$VAR` and `${VAR}` references Grafana expands from its environment in a provisioning file. */
export function envReferences(text: string): string[] {
  return [
    ...new Set(
      [...text.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g)].map(
        (m) => (m[1] ?? m[2]) as string,
      ),
    ),
  ];
}
