// What does exactlyOnce (a Kafka transaction per batch) cost the shared loop? The same input is
// consumed by fresh groups with and without it, alternating, in one run: records/s of each and
// their ratio. The processor only copies records, so the loop's own cost is all there is: an
// upper bound on what the detector or the linker would lose. Method: README.md.
import { parseArgs } from "node:util";
import {
  Changelog,
  createKafka,
  createLogger,
  createMetrics,
  createProducer,
  ensureTopic,
  Registry,
  runProcessor,
  type StatefulProcessor,
} from "@distillguard/runtime";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "300000" },
    partitions: { type: "string", default: "3" },
    bytes: { type: "string", default: "250" },
    rounds: { type: "string", default: "3" },
    "checkpoint-every-ms": { type: "string", default: "1000" },
  },
});
const records = Number(args.records);
const partitions = Number(args.partitions);
const rounds = Number(args.rounds);
const checkpointEveryMs = Number(args["checkpoint-every-ms"]);

const logger = createLogger("bench", "warn", "json");
const kafka = createKafka({
  clientId: "dg-bench-loop-tx",
  brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
  logger,
});
const prefix = `dg-bench-looptx-${Date.now().toString(36)}`;
const input = `${prefix}-in`;
const output = `${prefix}-out`;
const dlq = `${prefix}-dlq`;
const changelogTopic = `${prefix}-changelog`;

await ensureTopic(kafka, input, { partitions });
await ensureTopic(kafka, output, { partitions });
await ensureTopic(kafka, dlq, { partitions: 1 });
await Changelog.ensure(kafka, changelogTopic);

const producer = createProducer(kafka);
await producer.connect();
const value = Buffer.alloc(Number(args.bytes), "x");
for (let sent = 0; sent < records; ) {
  const n = Math.min(10_000, records - sent);
  await producer.send({
    topic: input,
    acks: -1,
    messages: Array.from({ length: n }, (_, i) => ({ key: `acct-${(sent + i) % 5000}`, value })),
  });
  sent += n;
}

/** Copies every record to the output topic; its state (a count) is checkpointed on a cadence. */
function copier(changelog: Changelog): StatefulProcessor<{ n: number; at: number }> {
  return {
    async open() {
      return { state: { n: 0, at: Date.now() }, resumeAt: null };
    },
    process(state, _topic, partition, messages) {
      state.n += messages.length;
      return {
        outputs: [
          { topic: output, messages: messages.map((m) => ({ key: m.key, value: m.value, partition })) },
        ],
        dead: [],
      };
    },
    async checkpoint(state, topic, partition, nextOffset, force, via) {
      if (!force && Date.now() - state.at < checkpointEveryMs) return;
      state.at = Date.now();
      await changelog.write(`${topic}/${partition}`, Buffer.from(String(state.n)), { nextOffset }, via);
    },
  };
}

async function once(exactlyOnce: boolean, round: number): Promise<number> {
  const changelog = new Changelog(kafka, changelogTopic, producer);
  const runner = runProcessor({
    kafka,
    logger,
    metrics: createMetrics("bench", new Registry()),
    groupId: `${prefix}-${exactlyOnce ? "eos" : "plain"}-${round}`,
    topics: [input],
    dlqTopic: dlq,
    processor: copier(changelog),
    exactlyOnce,
  });
  await runner.start();
  // Timed from the first batch processed: the group join and (with transactions) the claim of
  // the producers happen once per assignment, not per batch.
  while (runner.stats().records === 0) await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  const from = runner.stats().records;
  while (runner.stats().records < records) await new Promise((r) => setTimeout(r, 5));
  const s = (performance.now() - t0) / 1000;
  await runner.stop();
  return (records - from) / s;
}

const rates: { plain: number[]; eos: number[] } = { plain: [], eos: [] };
for (let r = 0; r < rounds; r++) {
  // Alternating which goes first, so neither always meets a warmer broker.
  for (const eos of r % 2 === 0 ? [false, true] : [true, false]) {
    const rate = await once(eos, r);
    (eos ? rates.eos : rates.plain).push(rate);
    console.log(`round ${r + 1} ${eos ? "exactlyOnce" : "plain      "} ${Math.round(rate)} records/s`);
  }
}
await producer.disconnect();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const [plain, eos] = [median(rates.plain), median(rates.eos)];
console.log(
  `median: plain ${Math.round(plain)} records/s, exactlyOnce ${Math.round(eos)} records/s, ratio ${(eos / plain).toFixed(2)}`,
);
const admin = kafka.admin();
await admin.connect();
await admin.deleteTopics({ topics: [input, output, dlq, changelogTopic] }).catch(() => {});
await admin.disconnect();
