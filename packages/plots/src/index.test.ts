import { describe, expect, it } from "vitest";
import { renderSvg } from "./index.ts";

describe("renderSvg", () => {
  it("renders a spec to one standalone SVG titled with the escaped alt text", async () => {
    const svg = await renderSvg(
      {
        data: {
          values: [
            { x: 1, y: 2 },
            { x: 2, y: 5 },
          ],
        },
        mark: "line",
        encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
      },
      `latency <p99> & "tail"`,
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("<title>latency &lt;p99&gt; &amp; &quot;tail&quot;</title>");
    expect(svg).toMatch(/<path[^>]+d="M/);
    expect(svg).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
