// infra/grafana as Grafana 12 would load it: the files parse, carry the fields Grafana and the
// plugins require, refer only to provisioned datasources, and the PromQL names metrics the
// services register. Grafana itself cannot run here; the SQL is executed in queries.test.ts.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { linkerMetrics } from "@distillguard/linker-service";
import { createMetrics, defaultRegistry } from "@distillguard/runtime";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { expandMacros } from "./macros.ts";
import {
  CLICKHOUSE_PLUGIN,
  clickhouseQueries,
  EXPRESSION_UID,
  envReferences,
  GRAFANA_DIR,
  leafPanels,
  loadProvisioning,
  PROMETHEUS_PLUGIN,
} from "./provisioning.ts";

const p = loadProvisioning();
const repo = new URL("../../", import.meta.url);
const compose = parse(readFileSync(new URL("infra/docker/compose.yaml", repo), "utf8")) as {
  services: Record<string, { environment?: Record<string, string>; volumes?: string[] }>;
};
const grafana = compose.services.grafana ?? {};
const readme = readFileSync(new URL("README.md", GRAFANA_DIR), "utf8");
const datasourceByUid = new Map(p.datasources.map((d) => [d.uid, d]));

/** compose volumes of the grafana service as host path (absolute URL) → container path. */
const mounts = (grafana.volumes ?? []).map((v) => {
  const [host, container] = v.split(":") as [string, string];
  return { host: new URL(host.endsWith("/") ? host : `${host}/`, new URL("infra/docker/", repo)), container };
});

describe("datasources", () => {
  it("have unique names and uids and use the official plugins", () => {
    expect(p.datasources.map((d) => d.type).sort()).toEqual([CLICKHOUSE_PLUGIN, PROMETHEUS_PLUGIN]);
    expect(new Set(p.datasources.map((d) => d.uid)).size).toBe(p.datasources.length);
    expect(new Set(p.datasources.map((d) => d.name)).size).toBe(p.datasources.length);
    expect(p.datasources.filter((d) => d.isDefault)).toHaveLength(1);
  });

  it("configure ClickHouse with the plugin's v4 fields, the password as a secret", () => {
    const ch = p.datasources.find((d) => d.type === CLICKHOUSE_PLUGIN);
    // pkg/plugin/settings.go reads these from jsonData and only the password from secureJsonData.
    expect(Object.keys(ch?.jsonData ?? {}).sort()).toEqual(
      ["defaultDatabase", "host", "port", "protocol", "secure", "username"].sort(),
    );
    expect(Object.keys(ch?.secureJsonData ?? {})).toEqual(["password"]);
    // v3's `server` field is what v4 replaced with `host`.
    expect(ch?.jsonData).not.toHaveProperty("server");
    const prom = p.datasources.find((d) => d.type === PROMETHEUS_PLUGIN);
    expect(prom?.url).toMatch(/^\$/);
  });

  it("take every connection setting from the environment, set by compose and documented", () => {
    const refs = [...p.files.entries()]
      .filter(([f]) => f.startsWith("provisioning/datasources/"))
      .flatMap(([, text]) => envReferences(text.replace(/#[^\n]*/g, "")));
    expect(refs.length).toBeGreaterThanOrEqual(8);
    for (const v of refs) {
      expect(grafana.environment, `compose sets ${v} for grafana`).toHaveProperty(v);
      expect(readme, `infra/grafana/README.md documents ${v}`).toContain(`\`${v}\``);
    }
    expect(grafana.environment?.GF_PLUGINS_PREINSTALL).toContain(CLICKHOUSE_PLUGIN);
  });
});

describe("dashboards", () => {
  it("are loaded by a file provider from a directory compose mounts from infra/grafana/dashboards", () => {
    expect(p.providers).toHaveLength(1);
    const provider = p.providers[0];
    expect(provider?.type).toBe("file");
    const mount = mounts.find((m) => provider?.options.path.startsWith(m.container));
    expect(mount, `a volume mounts ${provider?.options.path}`).toBeDefined();
    expect(mount?.host.href).toBe(new URL("dashboards/", GRAFANA_DIR).href);
    expect(readdirSync(mount?.host ?? ".").filter((f) => f.endsWith(".json")).length).toBe(p.dashboards.size);
    const provisioning = mounts.find((m) => m.container === "/etc/grafana/provisioning");
    expect(provisioning?.host.href).toBe(new URL("provisioning/", GRAFANA_DIR).href);
  });

  it("have unique uids, panel ids and a layout on Grafana's 24-column grid without overlaps", () => {
    expect(new Set([...p.dashboards.values()].map((d) => d.uid)).size).toBe(p.dashboards.size);
    for (const d of p.dashboards.values()) {
      expect(d.title).toBeTruthy();
      const ids = d.panels.map((x) => x.id);
      expect(new Set(ids).size, d.uid).toBe(ids.length);
      const cells = new Set<string>();
      for (const panel of d.panels) {
        const g = panel.gridPos;
        expect(g.x + g.w, panel.title).toBeLessThanOrEqual(24);
        for (let y = g.y; y < g.y + g.h; y++) {
          for (let x = g.x; x < g.x + g.w; x++) {
            expect(cells.has(`${x},${y}`), `${panel.title} overlaps at ${x},${y}`).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    }
  });

  it("cover the campaign overview, alert timeline, top signals and pipeline health", () => {
    const d = p.dashboards.get("dashboards/distillguard-overview.json");
    expect(d?.panels.filter((x) => x.type === "row").map((x) => x.title)).toEqual([
      "Campaign overview",
      "Alert timeline",
      "Top signals",
      "Pipeline health",
    ]);
  });

  it("query only provisioned datasources, with each plugin's query model", () => {
    for (const d of p.dashboards.values()) {
      for (const panel of leafPanels(d)) {
        expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
        const refIds = (panel.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size, panel.title).toBe(refIds.length);
        for (const t of panel.targets ?? []) {
          const ref = t.datasource ?? panel.datasource;
          const ds = datasourceByUid.get(ref?.uid ?? "");
          expect(ds, `${panel.title}: datasource ${ref?.uid}`).toBeDefined();
          expect(ref?.type, panel.title).toBe(ds?.type);
          if (ds?.type === CLICKHOUSE_PLUGIN) {
            // The plugin's SQL editor model: format is sqlutil's (0 time series, 1 table).
            expect(t.editorType, panel.title).toBe("sql");
            expect(["table", "timeseries"]).toContain(t.queryType);
            expect(t.format, panel.title).toBe(t.queryType === "timeseries" ? 0 : 1);
            expect(t.queryType === "timeseries", `${panel.title}: time series panels plot time series`).toBe(
              panel.type === "timeseries",
            );
            expect(String(t.rawSql).trim().length).toBeGreaterThan(0);
          } else {
            expect(String(t.expr).length, panel.title).toBeGreaterThan(0);
          }
        }
      }
    }
  });

  it("use only the plugin's macros, which expand for a time range", () => {
    const at = { from: new Date(0), to: new Date(3_600_000), intervalMs: 60_000 };
    for (const q of clickhouseQueries(p)) {
      expect(() => expandMacros(q.sql, at), q.id).not.toThrow();
    }
  });
});

describe("PromQL", () => {
  // The families every service registers (services/runtime/src/metrics.ts) and the linker's
  // (services/linker/src/metrics.ts), each series touched once so its label names show.
  const m = createMetrics("probe", defaultRegistry);
  m.consumed("t", 1);
  m.produced("t", 1);
  m.deadLettered("decode", 1);
  m.batch(0.1);
  m.lag("t", 0, 1);
  m.state(1);
  m.late(1);
  m.heldBack(1);
  // The linker's own gauges, on the same registry.
  linkerMetrics(defaultRegistry).buffer(1, 1);
  const exposed = new Map<string, Set<string>>();
  const families = defaultRegistry.getMetricsAsArray();
  for (const f of families) {
    const labels = new Set<string>(
      ((f as unknown as { labelNames?: string[] }).labelNames ?? []) as string[],
    );
    if (f.constructor.name === "Histogram") {
      for (const suffix of ["_bucket", "_sum", "_count"]) {
        exposed.set(`${f.name}${suffix}`, new Set([...labels, ...(suffix === "_bucket" ? ["le"] : [])]));
      }
    } else {
      exposed.set(f.name, labels);
    }
  }
  const exprs = [...p.dashboards.values()]
    .flatMap((d) =>
      leafPanels(d).flatMap((x) => (x.targets ?? []).map((t) => ({ where: x.title, expr: t.expr }))),
    )
    .concat(
      p.groups.flatMap((g) =>
        g.rules.flatMap((r) =>
          r.data
            .filter((q) => datasourceByUid.get(q.datasourceUid)?.type === PROMETHEUS_PLUGIN)
            .map((q) => ({ where: r.uid, expr: q.model.expr as string })),
        ),
      ),
    )
    .filter((e): e is { where: string; expr: string } => typeof e.expr === "string");

  it("names metrics the services register, grouped by labels they carry", () => {
    expect(exprs.length).toBeGreaterThanOrEqual(8);
    const used = new Set<string>();
    for (const { where, expr } of exprs) {
      const names = [...expr.matchAll(/\b(dg_[a-z0-9_]+)\b/g)].map((x) => x[1] as string);
      expect(names.length, where).toBeGreaterThan(0);
      for (const name of names) {
        expect(exposed.has(name), `${where}: ${name} is not a registered metric`).toBe(true);
        used.add(name.replace(/_(bucket|sum|count)$/, ""));
        for (const [, list] of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
          for (const label of (list ?? "").split(",").map((s) => s.trim())) {
            expect(exposed.get(name)?.has(label), `${where}: ${name} has no label ${label}`).toBe(true);
          }
        }
      }
    }
    // Every family shows up somewhere on the pipeline health row.
    expect([...used].sort()).toEqual(
      families
        .map((f) => f.name)
        .filter((n) => n.startsWith("dg_"))
        .sort(),
    );
  });
});

describe("alert rules", () => {
  const rules = p.groups.flatMap((g) => g.rules);

  it("are grouped with a folder and an evaluation interval, with unique uids", () => {
    for (const g of p.groups) {
      expect(g.name).toBeTruthy();
      expect(g.folder).toBeTruthy();
      expect(g.interval).toMatch(/^\d+[smh]$/);
      expect(g.rules.length).toBeGreaterThan(0);
    }
    expect(new Set(rules.map((r) => r.uid)).size).toBe(rules.length);
    // Grafana caps rule uids at 40 characters of letters, digits, - and _.
    for (const r of rules) expect(r.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(rules.map((r) => r.uid).sort()).toEqual([
      "dg-consumer-lag",
      "dg-new-high-severity-campaign",
      "dg-results-stale",
    ]);
  });

  it("evaluate a condition over their queries and expressions, on provisioned datasources", () => {
    for (const r of rules) {
      expect(r.title, r.uid).toBeTruthy();
      const refIds = r.data.map((q) => q.refId);
      expect(new Set(refIds).size, r.uid).toBe(refIds.length);
      expect(refIds, r.uid).toContain(r.condition);
      for (const [i, q] of r.data.entries()) {
        expect(q.model.refId, `${r.uid} ${q.refId}`).toBe(q.refId);
        if (q.datasourceUid === EXPRESSION_UID) {
          expect(["reduce", "threshold", "math", "classic_conditions"]).toContain(q.model.type);
          // An expression reads a query or expression defined before it.
          expect(refIds.slice(0, i), `${r.uid} ${q.refId}`).toContain(q.model.expression);
        } else {
          expect(datasourceByUid.has(q.datasourceUid), `${r.uid}: ${q.datasourceUid}`).toBe(true);
          expect(q.relativeTimeRange?.from, r.uid).toBeGreaterThan(0);
          if (datasourceByUid.get(q.datasourceUid)?.type === CLICKHOUSE_PLUGIN) {
            // Alerting reads table rows as labelled numbers (string columns become labels).
            expect(q.model).toMatchObject({ editorType: "sql", queryType: "table", format: 1 });
          }
        }
      }
      expect(r.for ?? "0s").toMatch(/^\d+[smh]$/);
      expect(["NoData", "Alerting", "OK", "KeepLast"]).toContain(r.noDataState);
      expect(["Error", "Alerting", "OK", "KeepLast"]).toContain(r.execErrState);
      expect(Object.keys(r.labels ?? {})).toEqual(expect.arrayContaining(["team", "severity"]));
      expect(r.annotations?.summary, r.uid).toBeTruthy();
    }
  });

  it("link to dashboard panels that exist", () => {
    for (const r of rules) {
      const d = [...p.dashboards.values()].find((x) => x.uid === r.dashboardUid);
      expect(d, r.uid).toBeDefined();
      expect(
        leafPanels(d ?? { uid: "", title: "", panels: [] }).map((x) => x.id),
        r.uid,
      ).toContain(r.panelId);
    }
  });

  it("share the freshness query with the panel that shows it", () => {
    const stale = rules.find((r) => r.uid === "dg-results-stale");
    const panel = leafPanels([...p.dashboards.values()][0] ?? { uid: "", title: "", panels: [] }).find(
      (x) => x.id === stale?.panelId,
    );
    expect(panel?.targets?.[0]?.rawSql).toBe(stale?.data[0]?.model.rawSql);
  });

  it("keep provisioning-time variables out of the files (Grafana expands $VAR outside query models)", () => {
    for (const [file, text] of p.files) {
      if (!file.startsWith("provisioning/alerting/")) continue;
      const doc = parse(text) as { groups: Array<{ rules: Array<Record<string, unknown>> }> };
      for (const r of doc.groups.flatMap((g) => g.rules)) {
        const { data: _queries, ...rest } = r;
        // Annotations may use {{ $labels.x }} / {{ $values.X }}: only ${VAR} would be expanded there.
        expect(JSON.stringify(rest), String(r.uid)).not.toMatch(/\$\{[A-Za-z_]/);
        expect(JSON.stringify({ ...rest, annotations: {} }), String(r.uid)).not.toMatch(/\$[A-Za-z_]/);
      }
    }
  });
});

describe("infra/grafana/README.md", () => {
  it("links only to files that exist", () => {
    for (const [, target] of readme.matchAll(/\]\(([^)#]+)\)/g)) {
      if (!target || target.startsWith("http")) continue;
      expect(existsSync(new URL(target, GRAFANA_DIR)), target).toBe(true);
    }
  });
});
