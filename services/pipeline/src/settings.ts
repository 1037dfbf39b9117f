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

/**
 * The topic and consumer-group variables that give one run (a demo, a bench, a test) its own
 * topics, changelogs and groups, all named `<prefix>-…`, so runs on shared servers never meet.
 */
export function runScopedEnv(prefix: string): Record<string, string> {
  return {
    DG_REQUESTS_TOPIC: `${prefix}-requests`,
    DG_SCORES_TOPIC: `${prefix}-scores`,
    DG_ALERTS_TOPIC: `${prefix}-alerts`,
    DG_CAMPAIGNS_TOPIC: `${prefix}-campaigns`,
    DG_LINKS_TOPIC: `${prefix}-links`,
    DG_LINK_RECORDS_TOPIC: `${prefix}-link-records`,
    DG_DLQ_TOPIC: `${prefix}-dlq`,
    DG_DETECTOR_CHANGELOG_TOPIC: `${prefix}-detector-changelog`,
    DG_DETECTOR_CLOCKS_TOPIC: `${prefix}-detector-clocks`,
    DG_DETECTOR_GROUP: `${prefix}-detector`,
    DG_LINKER_CHANGELOG_TOPIC: `${prefix}-linker-changelog`,
    DG_LINKER_GROUP: `${prefix}-linker`,
    DG_LINKER_ACCOUNTS_GROUP: `${prefix}-linker-accounts`,
    DG_SINK_GROUP: `${prefix}-sink`,
  };
}
