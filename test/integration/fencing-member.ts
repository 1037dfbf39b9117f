// A stateful member on the shared loop, for the fencing test: it counts each partition's records,
// emits one output per input record and checkpoints every batch to a changelog, all stamped with
// its name, so a reader can tell whose writes landed. The count is its state; `restoredFrom`
// names the member whose checkpoint it was restored from.
import { writeSync } from "node:fs";
import {
  Changelog,
  createMetrics,
  createProducer,
  type Logger,
  Registry,
  runProcessor,
  type StatefulProcessor,
} from "@distillguard/runtime";
import type { Kafka } from "kafkajs";

export interface FencingNames {
  input: string;
  output: string;
  dlq: string;
  changelog: string;
  groupId: string;
}

export interface CountOutput {
  offset: string;
  count: number;
  writer: string;
  restoredFrom: string | null;
}

interface Count {
  count: number;
  restoredFrom: string | null;
  /** The batch in hand holds the marker record. */
  marked: boolean;
}

export const MARKER = "stop-here";
export const snapshotName = (topic: string, partition: number) => `fence/${topic}/${partition}`;

/**
 * `stopAtMarker`: in the checkpoint of the batch holding MARKER (its outputs already sent, within
 * the batch's transaction if there is one), print "stopping" and SIGSTOP this process.
 */
export async function startMember(
  kafka: Kafka,
  n: FencingNames,
  opts: { writer: string; logger: Logger; stopAtMarker?: boolean },
) {
  const producer = createProducer(kafka, { maxInFlightRequests: 1 });
  await producer.connect();
  const changelog = new Changelog(kafka, n.changelog, producer);
  let snapshots = new Map<string, { bytes: Buffer; meta: Record<string, unknown> }>();
  let stopped = false;
  const processor: StatefulProcessor<Count> = {
    async prepare(topic, partitions) {
      const mine = new Set(partitions.map((p) => snapshotName(topic, p)));
      snapshots = await changelog.readAll(opts.logger, (name) => mine.has(name));
    },
    async open(topic, partition) {
      const snap = snapshots.get(snapshotName(topic, partition));
      if (!snap) return { state: { count: 0, restoredFrom: null, marked: false }, resumeAt: null };
      const meta = snap.meta as { nextOffset: string; writer: string };
      const { count } = JSON.parse(snap.bytes.toString()) as { count: number };
      return { state: { count, restoredFrom: meta.writer, marked: false }, resumeAt: meta.nextOffset };
    },
    process(state, _topic, _partition, messages) {
      const out = messages.map((m) => {
        if (m.value?.toString() === MARKER) state.marked = true;
        state.count += 1;
        const value: CountOutput = {
          offset: m.offset,
          count: state.count,
          writer: opts.writer,
          restoredFrom: state.restoredFrom,
        };
        return { key: m.offset, value: JSON.stringify(value) };
      });
      return { outputs: [{ topic: n.output, messages: out }], dead: [] };
    },
    async checkpoint(state, topic, partition, nextOffset, _force, via) {
      if (opts.stopAtMarker && state.marked && !stopped) {
        stopped = true;
        writeSync(1, "stopping\n");
        process.kill(process.pid, "SIGSTOP");
      }
      state.marked = false;
      const bytes = Buffer.from(JSON.stringify({ count: state.count }));
      await changelog.write(snapshotName(topic, partition), bytes, { nextOffset, writer: opts.writer }, via);
    },
  };
  const runner = runProcessor({
    kafka,
    logger: opts.logger,
    metrics: createMetrics(`fencing-${opts.writer}`, new Registry()),
    groupId: n.groupId,
    topics: [n.input],
    dlqTopic: n.dlq,
    processor,
    exactlyOnce: true,
    maxWaitTimeInMs: 100,
    // The broker's smallest: the stopped member's partitions move after this long.
    sessionTimeoutMs: 6_000,
  });
  await runner.start();
  return {
    runner,
    async stop() {
      await runner.stop();
      await producer.disconnect();
    },
  };
}
