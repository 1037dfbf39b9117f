import * as vega from "vega";
import type * as vl from "vega-lite";
import { compile } from "vega-lite";

export type { TopLevelSpec } from "vega-lite";

/**
 * SVG of a Vega-Lite spec, with `alt` as its <title> (what screen readers and markdown linters
 * need). Rendered headless, so the SVG embeds in a report or a doc without any script.
 */
export async function renderSvg(spec: vl.TopLevelSpec, alt: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    const open = svg.indexOf(">") + 1;
    return `${svg.slice(0, open)}<title>${escapeXml(alt)}</title>${svg.slice(open)}`;
  } finally {
    view.finalize();
  }
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
