import { describe, expect, it } from "vitest";
import { campaignRow, report } from "./fixtures.ts";
import { renderHtml, renderReportHtml } from "./html.ts";
import { escapeHtml } from "./html-escape.ts";
import { externalReferences } from "./self-contained.ts";

describe("escapeHtml", () => {
  it("escapes the five characters that end text or an attribute", () => {
    expect(escapeHtml(`<b a="1" b='2'>&amp;</b>`)).toBe(
      "&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;amp;&lt;/b&gt;",
    );
  });
});

describe("externalReferences (the check itself)", () => {
  it("finds each way a page can load something", () => {
    for (const bad of [
      '<script src="https://cdn.example/vega.js"></script>',
      '<link rel="stylesheet" href="style.css">',
      "<style>@import 'x.css';</style>",
      "<style>body { background: url(https://x/y.png) }</style>",
      '<svg><image xlink:href="http://x/y.png"/></svg>',
      '<div style="background: url(//cdn.example/x.png)"></div>',
      "<style>@font-face { font-family: x; src: url(x.woff2) }</style>",
      '<svg><use href="sprites.svg#a"/></svg>',
    ]) {
      expect(externalReferences(bad), bad).not.toEqual([]);
    }
    expect(
      externalReferences('<a href="#campaign-0">x</a><svg xmlns="http://www.w3.org/2000/svg"></svg>'),
    ).toEqual([]);
  });
});

describe("renderReportHtml", () => {
  const hostile = campaignRow({
    campaignId: `cmp_<script>alert('id')</script>`,
    alertSummary: `merged into <img src=x onerror=alert(1)> & "more"`,
    fingerprints: [{ kind: "user_agent", value: "<iframe src=//evil>", weight: 1, memberCount: 9 }],
    signals: [{ name: "<b>cot</b>", value: 1, baseline: 0, z: 2, contribution: 1 }],
  });

  it("is one self-contained file: no scripts, stylesheets, fonts or images from anywhere", async () => {
    const html = await renderReportHtml(report([campaignRow(), campaignRow({ campaignId: "cmp_b" })]));
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(externalReferences(html)).toEqual([]);
    expect(html).toContain("<style>");
  });

  it("draws one SVG timeline per campaign, titled with the campaign", async () => {
    const ids = ["cmp_a", "cmp_b", "cmp_c"];
    const html = await renderReportHtml(report(ids.map((campaignId) => campaignRow({ campaignId }))));
    const svgs = [...html.matchAll(/<svg\b[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(3);
    svgs.forEach((svg, i) => {
      expect(svg).toContain(`<title>Timeline of campaign ${ids[i]}:`);
      // the three panels' axes and the alert legend are drawn
      for (const label of ["members", "requests", "tokens", "open", "update"]) expect(svg).toContain(label);
    });
  });

  it("escapes every text from the event stream: ids, summaries, fingerprints, signals, members", async () => {
    const r = report([hostile]);
    const first = r.campaigns[0];
    if (first) first.topMembers = [`acct_"><script>x</script>`];
    const html = await renderReportHtml(r);
    expect(html).not.toMatch(/<script|<img|<iframe|<b>cot/i);
    expect(html).toContain("cmp_&lt;script&gt;alert(&#39;id&#39;)&lt;/script&gt;");
    expect(html).toContain("merged into &lt;img src=x onerror=alert(1)&gt; &amp; &quot;more&quot;");
    expect(html).toContain("&lt;iframe src=//evil&gt;");
    expect(html).toContain("acct_&quot;&gt;&lt;script&gt;x&lt;/script&gt;");
    expect(externalReferences(html)).toEqual([]);
  });

  it("says so, and draws nothing, when no campaign is in range", async () => {
    const html = await renderReportHtml(report([]));
    expect(html).not.toContain("<svg");
    expect(html).toContain('<p class="empty">No current campaigns in database distillguard updated since');
    expect(html).toContain("0 campaigns");
    expect(externalReferences(html)).toEqual([]);
  });

  it("states the range and whether resolved campaigns are included", () => {
    expect(renderHtml(report([], { sinceMs: 0, all: true }), [])).toContain(
      "the whole history, resolved and closed included",
    );
    expect(renderHtml(report([campaignRow()], { limit: 1 }), ["<svg></svg>"])).toContain(
      "1 campaign (the first 1: --limit)",
    );
  });
});
