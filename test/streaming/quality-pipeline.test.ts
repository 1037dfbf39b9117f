// The quality bench's --pipeline backend on the real broker: a small hydra run through Kafka and
// the streaming services gives a campaign alert whose members are the hydra's accounts.
import { loadNetworkTables, networkEnricher } from "@distillguard/ingest";
import { loadAzureTrace, simulate } from "@distillguard/simulator";
import { describe, expect, it } from "vitest";
import { liveGateway } from "../../bench/quality/gateway.ts";
import { pipelineBackend } from "../../bench/quality/runner.ts";
import { servers } from "../harness/context.ts";

describe("bench/quality --pipeline backend", () => {
  it("detects a seeded hydra through Kafka, as the in-process backend does", async () => {
    const startMs = Date.parse("2026-03-02T00:00:00Z");
    const options = {
      scenario: "hydra",
      seed: 7,
      startMs,
      durationMs: 4 * 3_600_000,
      accounts: 2_000,
      releaseAt: 0.25,
      campaignScale: 1,
    };
    const session = pipelineBackend({
      kafka: { brokers: servers().kafkaBrokers },
      evaluateEveryMs: 5 * 60_000,
    }).open({
      startMs,
      releases: [],
    });
    // What a gateway logs, through the ingest's translation: the bench's headline feed.
    const gateway = liveGateway(networkEnricher(loadNetworkTables()), null);
    const run = await simulate(
      options,
      loadAzureTrace(),
      [
        {
          write(d, text) {
            const g = gateway.next(d, text);
            if (g.ok) session.send(g.request);
          },
          close() {},
        },
      ],
      { mode: "gateway" },
    );
    const out = await session.finish(startMs + options.durationMs);
    const hydra = new Set(run.labels.campaigns.find((c) => c.type === "hydra")?.account_ids);
    const campaignAlerts = out.alerts.filter((a) => a.subject_kind === "campaign" && a.state === "open");
    expect(campaignAlerts.length).toBeGreaterThan(0);
    const members = out.campaigns.flatMap((c) => c.members);
    expect(members.length).toBeGreaterThan(10);
    expect(members.every((m) => hydra.has(m))).toBe(true);
  }, 240_000);
});
