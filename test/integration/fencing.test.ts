// Issue 17, fencing: a member stopped (SIGSTOP) until its session expires, whose partition a
// successor then takes and advances, must write nothing when it wakes (SIGCONT) — no outputs a
// read_committed consumer sees, no offsets, no checkpoint — and the successor's checkpoint is
// what the next owner restores. The member is the shared loop with `exactlyOnce`
// (fencing-member.ts), the one the detector and the linker run on.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  Changelog,
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
  readRanges,
} from "@distillguard/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";
import { type CountOutput, type FencingNames, MARKER, snapshotName, startMember } from "./fencing-member.ts";

const logger = createLogger("test", "warn", "json");
const kafka = createKafka({ clientId: "dg-test-fencing", brokers: servers().kafkaBrokers, logger });
const repoRoot = new URL("../../", import.meta.url).pathname;

async function waitFor(what: string | (() => string), check: () => Promise<boolean> | boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${typeof what === "string" ? what : what()}: not within ${ms} ms`);
}

async function send(topic: string, values: string[]) {
  const producer = createProducer(kafka);
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition: 0 })) });
  await producer.disconnect();
}

async function withAdmin<T>(fn: (admin: ReturnType<typeof kafka.admin>) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

const committed = (n: FencingNames) =>
  withAdmin(async (admin) => {
    const [p] = (await admin.fetchOffsets({ groupId: n.groupId, topics: [n.input] }))[0]?.partitions ?? [];
    return Number(p?.offset ?? -1);
  });

const members = (n: FencingNames) =>
  withAdmin(async (admin) => {
    const g = (await admin.describeGroups([n.groupId])).groups[0];
    return g?.state === "Stable" ? g.members.length : 0;
  });

/** The output topic as a read_committed consumer sees it. */
async function outputs(n: FencingNames): Promise<CountOutput[]> {
  const end = await withAdmin(async (a) => (await a.fetchTopicOffsets(n.output))[0]?.high ?? "0");
  const got: CountOutput[] = [];
  await readRanges(kafka, n.output, [{ partition: 0, from: "0", to: end }], (_, ms) => {
    for (const m of ms) got.push(JSON.parse(m.value?.toString() ?? "null") as CountOutput);
  });
  return got;
}

async function latestCheckpoint(n: FencingNames) {
  const snap = (await new Changelog(kafka, n.changelog, createProducer(kafka)).readAll(logger)).get(
    snapshotName(n.input, 0),
  );
  return (
    snap && { ...(snap.meta as { nextOffset: string; writer: string }), ...JSON.parse(snap.bytes.toString()) }
  );
}

/** Linux's state letter of a process: T when stopped. */
const procState = (pid: number) => readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0];

const records = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `r${from + i}`);

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("fencing a member that wakes after a rebalance", () => {
  it("publishes, commits and checkpoints nothing after SIGCONT; the successor's checkpoint is restored", async () => {
    const { topic, groupId } = testNames("fencing");
    const n: FencingNames = {
      input: topic,
      output: `${topic}.out`,
      dlq: `${topic}.dlq`,
      changelog: `${topic}.changelog`,
      groupId,
    };
    for (const t of [n.input, n.output, n.dlq]) await ensureTopic(kafka, t, { partitions: 1 });
    await Changelog.ensure(kafka, n.changelog);

    // A, its own process, processes 0..9 and commits them.
    await send(n.input, records(0, 10));
    const a = spawn(process.execPath, ["--import", "tsx", "test/integration/fencing-member-main.ts"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        KAFKA_BROKERS: servers().kafkaBrokers.join(","),
        DG_FENCING_NAMES: JSON.stringify(n),
        DG_FENCING_WRITER: "A",
        DG_FENCING_STOP: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    a.stdout.on("data", (d) => {
      stdout += d.toString();
    });
    a.stderr.on("data", (d) => {
      stderr = (stderr + d.toString()).slice(-20_000);
    });
    const exited = new Promise<number | null>((resolve) => a.once("exit", (code) => resolve(code)));
    cleanups.push(async () => {
      if (a.exitCode === null) {
        a.kill("SIGCONT");
        a.kill("SIGKILL");
      }
    });
    const aSays = () => `(A's stderr: ${stderr.slice(-3_000)})`;
    await waitFor(
      () => `A committed 0..9 ${aSays()}`,
      async () => (await committed(n)) === 10,
    );

    // The batch 10..19 starts with the marker: A sends its outputs, then stops in its checkpoint.
    await send(n.input, [MARKER, ...records(11, 20)]);
    await waitFor(
      () => `A stopped mid-batch ${aSays()}`,
      () => stdout.includes("stopping"),
    );
    await waitFor("A in state T", () => procState(a.pid as number) === "T");

    // B takes the partition once A's session expires, and goes beyond A: 10..29.
    const b = await startMember(kafka, n, { writer: "B", logger });
    cleanups.push(() => b.stop());
    await waitFor("B committed 10..19", async () => (await committed(n)) === 20);
    await send(n.input, records(20, 30));
    await waitFor("B committed 20..29", async () => (await committed(n)) === 30);
    expect(procState(a.pid as number)).toBe("T");
    expect(await latestCheckpoint(n)).toMatchObject({ writer: "B", nextOffset: "30", count: 30 });

    // A wakes in the middle of its batch; it is done with it once it is back in the group.
    a.kill("SIGCONT");
    await waitFor(
      () => `A rejoined the group ${aSays()}`,
      async () => (await members(n)) === 2,
    );

    // Nothing of A's batch is visible: one output per input record, those after 9 by B.
    const seen = await outputs(n);
    expect(seen.map((o) => Number(o.offset))).toEqual([...Array(30).keys()]);
    expect(seen.filter((o) => o.writer === "A").map((o) => Number(o.offset))).toEqual([...Array(10).keys()]);
    expect(seen.map((o) => o.count)).toEqual([...Array(30).keys()].map((i) => i + 1));
    // Neither its offsets nor its checkpoint.
    expect(await committed(n)).toBe(30);
    expect(await latestCheckpoint(n)).toMatchObject({ writer: "B", nextOffset: "30", count: 30 });

    // Both leave; the next owner restores B's checkpoint and counts on from it.
    a.kill("SIGTERM");
    expect(await exited).toBe(0);
    await b.stop();
    const c = await startMember(kafka, n, { writer: "C", logger });
    cleanups.push(() => c.stop());
    await send(n.input, ["r30"]);
    await waitFor("C committed 30", async () => (await committed(n)) === 31);
    const last = (await outputs(n)).at(-1);
    expect(last).toEqual({ offset: "30", count: 31, writer: "C", restoredFrom: "B" });
    await c.stop();
  }, 180_000);
});
