// `npm run pipeline`: the detector, the campaign linker and the ClickHouse sink in one process,
// reading the same environment each reads alone (services/pipeline/README.md). SIGTERM stops
// all three cleanly: checkpoints, flushes, commits, leaves the groups.
import { ConfigError } from "@distillguard/config";
import { runServiceMain } from "@distillguard/runtime";
import { parsePipelineSettings, startPipeline } from "./pipeline.ts";
import { pipelineSettings } from "./settings.ts";

await runServiceMain({
  name: "pipeline",
  spec: pipelineSettings,
  prefix: "DG_PIPELINE_",
  metricsPort: (s) => s.metricsPort,
  build: async (_s, deps) => {
    let settings: ReturnType<typeof parsePipelineSettings>;
    try {
      settings = parsePipelineSettings(process.env);
    } catch (e) {
      if (e instanceof ConfigError) {
        console.error(e.message);
        process.exit(2);
      }
      throw e;
    }
    let pipeline: Awaited<ReturnType<typeof startPipeline>> | undefined;
    return {
      start: async () => {
        pipeline = await startPipeline(settings, deps);
      },
      stop: async () => {
        await pipeline?.stop();
      },
    };
  },
});
