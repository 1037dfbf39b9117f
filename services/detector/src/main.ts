// The detector process: ApiRequests in; account scores, alerts and link observations out.
// Run from the repo root with `node --import tsx services/detector/src/main.ts`; settings come
// from the environment (services/detector/README.md). Instances in one consumer group split
// the input partitions; SIGTERM checkpoints, commits and leaves the group.
import { runServiceMain } from "@distillguard/runtime";
import { createDetectorService, ensureDetectorTopics } from "./service.ts";
import { detectorSettings } from "./settings.ts";

await runServiceMain({
  name: "detector",
  spec: detectorSettings,
  prefix: "DG_DETECTOR_",
  metricsPort: (s) => s.metricsPort,
  build: async (s, deps) => {
    await ensureDetectorTopics(deps.kafka, s);
    return createDetectorService(s, deps);
  },
});
