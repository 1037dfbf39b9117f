// The result sink alone, for scale-out: account scores, alerts, campaign updates and sampled
// raw requests from Kafka into ClickHouse. Run from the repo root with
// `node --import tsx services/sink/src/main.ts`; settings come from the environment
// (services/sink/README.md). Instances in one consumer group split the partitions; SIGTERM
// flushes what is buffered, commits and leaves the group.
import { createClickHouse, ensureDatabase, ensureTopic, runServiceMain } from "@distillguard/runtime";
import { applyMigrations } from "./migrations.ts";
import { createResultSink } from "./result-sink.ts";
import { createRetentionJob } from "./retention.ts";
import { retentionPolicy } from "./retention-policy.ts";
import { checkResultSinkSettings, resultSinkSettings, retentionDaysOf } from "./settings.ts";

await runServiceMain({
  name: "sink",
  spec: resultSinkSettings,
  prefix: "DG_SINK_",
  metricsPort: (s) => s.metricsPort,
  build: async (settings, deps) => {
    const s = checkResultSinkSettings(settings);
    // The input topics belong to the detector and the linker; the DLQ is created if missing.
    await ensureTopic(deps.kafka, s.dlqTopic, { partitions: 1 });
    await ensureDatabase(deps.clickhouse, s.clickhouseDatabase);
    // Quiet: the client's own error log prints the server's message, which quotes the rows of a
    // refused insert (one per bisection step); the sink logs each failure itself, by code.
    const clickhouse = createClickHouse({ ...deps.clickhouse, database: s.clickhouseDatabase, quiet: true });
    await applyMigrations(clickhouse);
    const sink = createResultSink({
      ...deps,
      clickhouse,
      scoresTopic: s.scoresTopic,
      alertsTopic: s.alertsTopic,
      campaignsTopic: s.campaignsTopic,
      requests: { topic: s.requestsTopic, sampleRate: s.requestSampleRate },
      dlqTopic: s.dlqTopic,
      groupId: s.groupId,
      flush: { maxRows: s.flushRows, maxBytes: s.flushBytes, maxDelayMs: s.flushInterval },
      alertsMaxDelayMs: s.alertsFlushInterval,
      maxBufferedBytes: s.maxBufferedBytes,
      retry: { maxMs: s.retryMax },
    });
    // Retention belongs to this process, not to `npm run pipeline` and the demo: those replay
    // old event times, which retention would remove.
    const retention =
      s.retentionInterval > 0
        ? createRetentionJob({
            clickhouse,
            logger: deps.logger,
            rules: retentionPolicy(retentionDaysOf(s)),
            intervalMs: s.retentionInterval,
          })
        : null;
    return {
      async start() {
        await retention?.start();
        await sink.start();
      },
      async stop() {
        await retention?.stop();
        await sink.stop();
        await clickhouse.close();
      },
    };
  },
});
