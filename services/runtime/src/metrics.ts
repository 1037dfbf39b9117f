import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The metrics every consuming service exposes. Several services may share one process (the
 * `pipeline` command) and so one registry: each series carries a `service` label.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  readonly service: string;
  consumed(topic: string, n: number): void;
  produced(topic: string, n: number): void;
  deadLettered(kind: string, n: number): void;
  /** Seconds from a batch's arrival to its offsets being committed. */
  batch(seconds: number): void;
  /** Records between the committed offset and the partition's high watermark. */
  lag(topic: string, partition: number, records: number): void;
  /** Bytes of state held (windows, linker), as the service measures it. */
  state(bytes: number): void;
  late(n: number): void;
  /** Partitions paused because their event time ran ahead of the member's slowest. */
  heldBack(partitions: number): void;
}

const families = new WeakMap<Registry, ReturnType<typeof createFamilies>>();

function createFamilies(registry: Registry) {
  const registers = [registry];
  return {
    consumed: new Counter({
      name: "dg_records_consumed_total",
      help: "Records consumed, by topic",
      labelNames: ["service", "topic"],
      registers,
    }),
    produced: new Counter({
      name: "dg_records_produced_total",
      help: "Records produced, by topic",
      labelNames: ["service", "topic"],
      registers,
    }),
    deadLetters: new Counter({
      name: "dg_dead_letters_total",
      help: "Records sent to a dead-letter topic, by reason kind",
      labelNames: ["service", "kind"],
      registers,
    }),
    batchSeconds: new Histogram({
      name: "dg_batch_seconds",
      help: "Seconds from a batch's arrival to its offsets being committed",
      labelNames: ["service"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    lag: new Gauge({
      name: "dg_consumer_lag_records",
      help: "Records between the last committed offset and the partition's high watermark",
      labelNames: ["service", "topic", "partition"],
      registers,
    }),
    stateBytes: new Gauge({
      name: "dg_state_bytes",
      help: "Bytes of state the service holds",
      labelNames: ["service"],
      registers,
    }),
    late: new Counter({
      name: "dg_late_events_total",
      help: "Events dropped as later than the allowed lateness",
      labelNames: ["service"],
      registers,
    }),
    heldBack: new Gauge({
      name: "dg_partitions_held_back",
      help: "Input partitions paused because their event time ran ahead of the member's slowest partition with a backlog (alignment)",
      labelNames: ["service"],
      registers,
    }),
  };
}

/** Process-wide registry: every service in the process registers here unless given another. */
export const defaultRegistry = new Registry();

export function createMetrics(
  service: string,
  registry: Registry = defaultRegistry,
  opts: { processMetrics?: boolean } = {},
): ServiceMetrics {
  let f = families.get(registry);
  if (!f) {
    f = createFamilies(registry);
    families.set(registry, f);
    if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: "dg_" });
  }
  const m = f;
  return {
    registry,
    service,
    consumed: (topic, n) => m.consumed.inc({ service, topic }, n),
    produced: (topic, n) => m.produced.inc({ service, topic }, n),
    deadLettered: (kind, n) => m.deadLetters.inc({ service, kind }, n),
    batch: (seconds) => m.batchSeconds.observe({ service }, seconds),
    lag: (topic, partition, records) => m.lag.set({ service, topic, partition: String(partition) }, records),
    state: (bytes) => m.stateBytes.set({ service }, bytes),
    late: (n) => m.late.inc({ service }, n),
    heldBack: (n) => m.heldBack.set({ service }, n),
  };
}

/**
 * Serves a registry on `GET /metrics` (Prometheus text format) and `GET /healthz`. Port 0
 * picks a free port: read it from `server.address()`.
 */
export async function serveMetrics(registry: Registry, port: number, host = "0.0.0.0"): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/metrics") {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(body);
        })
        .catch((e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        });
    } else if (req.url === "/healthz") {
      res.writeHead(200);
      res.end("ok\n");
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
