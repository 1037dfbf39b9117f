// `npm run report`: the current campaigns in ClickHouse as a terminal table, and a
// self-contained HTML summary with a timeline per campaign. Exit 0 written (also when no
// campaign is in range), 2 bad flags or settings, 1 ClickHouse or file failure.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError } from "@distillguard/config";
import {
  type ClickHouseConnection,
  clickhouseConnection,
  createClickHouse,
  createLogger,
} from "@distillguard/runtime";
import { describeFailure } from "./failure.ts";
import { renderReportHtml } from "./html.ts";
import { parseReportArgs } from "./settings.ts";
import { readReport } from "./source.ts";
import { emptyLine, renderTable, tableModel } from "./table.ts";

async function main(): Promise<number> {
  let args: ReturnType<typeof parseReportArgs>;
  let server: ClickHouseConnection;
  try {
    args = parseReportArgs(process.argv.slice(2), process.env);
    if (args.kind === "help") {
      process.stdout.write(args.text);
      return 0;
    }
    server = clickhouseConnection(args.options);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`dg-report: ${e.message}\n(npm run report -- --help lists the flags)`);
      return 2;
    }
    throw e;
  }
  const o = args.options;
  const logger = createLogger("report", o.logLevel, o.logFormat);
  const client = createClickHouse({ ...server, database: o.database, quiet: true });
  try {
    const t0 = performance.now();
    let report: Awaited<ReturnType<typeof readReport>>;
    try {
      report = await readReport(client, { ...o, nowMs: Date.now() });
    } catch (e) {
      console.error(`dg-report: ${describeFailure(e, o.clickhouseUrl, o.database)}`);
      return 1;
    }
    logger.debug({ campaigns: report.campaigns.length, ms: Math.round(performance.now() - t0) }, "read");
    const colors = process.stdout.isTTY === true && process.stdout.hasColors();
    const n = report.campaigns.length;
    process.stdout.write(
      n === 0 ? `${emptyLine(report)}\n` : `${renderTable(tableModel(report), { colors })}\n`,
    );
    const html = await renderReportHtml(report);
    try {
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(o.out, html);
    } catch (e) {
      console.error(`dg-report: cannot write --out ${o.out}: ${(e as Error).message}`);
      return 1;
    }
    process.stdout.write(`HTML summary of ${n} campaign${n === 1 ? "" : "s"}: ${o.out}\n`);
    return 0;
  } finally {
    await client.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`dg-report: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);
