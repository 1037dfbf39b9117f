import { integer } from "@distillguard/config";
import { connectionSettings } from "@distillguard/runtime";

/** The pipeline's own settings; each service reads its own as well (see pipeline.ts). */
export const pipelineSettings = {
  ...connectionSettings,
  metricsPort: integer({
    env: "DG_PIPELINE_METRICS_PORT",
    doc: "Port of the Prometheus /metrics endpoint of all three services; 0 turns it off",
    default: 9464,
    min: 0,
    max: 65535,
  }),
};
