import { defaultRegistry, Gauge, type Registry } from "@distillguard/runtime";

/** What the linker's buffer holds: the gap between its slowest and fastest source partitions. */
export interface LinkerMetrics {
  /** Observations received and not yet applied, and the event-time spread of the sources' watermarks. */
  buffer(observations: number, spreadMs: number): void;
}

const families = new WeakMap<Registry, { buffered: Gauge; spread: Gauge }>();

/** One set of families per registry: prom-client refuses a metric name registered twice. */
export function linkerMetrics(registry: Registry = defaultRegistry): LinkerMetrics {
  let f = families.get(registry);
  if (!f) {
    const registers = [registry];
    f = {
      buffered: new Gauge({
        name: "dg_linker_buffered_observations",
        help: "Link observations waiting for every source partition's watermark to pass them",
        labelNames: ["service"],
        registers,
      }),
      spread: new Gauge({
        name: "dg_linker_source_spread_seconds",
        help: "Event time between the fastest and the slowest source partition's watermark",
        labelNames: ["service"],
        registers,
      }),
    };
    families.set(registry, f);
  }
  const g = f;
  return {
    buffer(observations, spreadMs) {
      g.buffered.set({ service: "linker" }, observations);
      g.spread.set({ service: "linker" }, spreadMs / 1000);
    },
  };
}
