/**
 * The links topic, between the detector service and the campaign linker (docs/events.md).
 * Observations carry the ApiRequest bytes unchanged, keyed by template hash; watermarks say a
 * source partition will forward no observation older than `dg-watermark-ms` any more.
 */
export const LINK_HEADERS = {
  kind: "dg-link-kind",
  sourcePartition: "dg-source-partition",
  sourceOffset: "dg-source-offset",
  sourcePartitions: "dg-source-partitions",
  watermarkMs: "dg-watermark-ms",
} as const;

export type LinkKind = "observation" | "watermark";
