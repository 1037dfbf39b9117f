export { renderHtml, renderReportHtml } from "./html.ts";
export { escapeHtml } from "./html-escape.ts";
export { buildReport, type CampaignReport, type ReportedCampaign } from "./model.ts";
export { externalReferences } from "./self-contained.ts";
export { parseReportArgs, type ReportOptions, reportEnvSettings, type Since } from "./settings.ts";
export { readReport } from "./source.ts";
export { emptyLine, renderTable, tableModel } from "./table.ts";
export { renderSvg, timelineSpec } from "./timeline.ts";
