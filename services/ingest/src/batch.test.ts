import { DLQ_HEADERS, readDeadLetter } from "@distillguard/runtime";
import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import { planBatch } from "./batch.ts";
import type { RecordResult } from "./translator.ts";

function message(offset: number, value: string | null): KafkaMessage {
  return {
    key: Buffer.from(`k${offset}`),
    value: value === null ? null : Buffer.from(value),
    timestamp: "1767225600000",
    attributes: 0,
    offset: String(offset),
    headers: { "x-origin": "gateway-3" },
  };
}

/** "good:<account>" translates, anything else is dead with its text as the kind. */
function fakeTranslate(value: Buffer | null): RecordResult {
  const s = value?.toString() ?? "";
  if (s.startsWith("good:")) {
    const account = s.slice(5);
    return {
      ok: true,
      key: account,
      value: Buffer.from(`avro:${account}`),
      timestamp: "42",
    };
  }
  return { ok: false, reason: { kind: s || "empty", message: `bad record (${s.length} bytes)` } };
}

const source = { topic: "litellm-logs", partition: 2, service: "ingest" };

describe("planBatch", () => {
  it("refuses translations that do not line up with the messages", () => {
    expect(() => planBatch([message(1, "good:a")], source, [])).toThrow("1 messages but 0 translations");
  });

  const messages = [
    message(10, "good:a"),
    message(11, "json-parse"),
    message(12, "good:b"),
    message(13, null),
    message(14, "json-parse"),
  ];
  const plan = planBatch(
    messages,
    source,
    messages.map((m) => fakeTranslate(m.value)),
  );

  it("puts every message in exactly one list, in input order", () => {
    expect(plan.outputs.map((m) => m.key)).toEqual(["a", "b"]);
    expect(plan.outputs[0]).toEqual({ key: "a", value: Buffer.from("avro:a"), timestamp: "42" });
    expect(plan.dead.map((m) => readDeadLetter(m).sourceOffset)).toEqual(["11", "13", "14"]);
  });

  it("dead-letters the original key, bytes and headers with the reason and source coordinates", () => {
    const [first] = plan.dead;
    expect(first?.key).toEqual(Buffer.from("k11"));
    expect(first?.value).toEqual(Buffer.from("json-parse"));
    expect(first?.headers?.["x-origin"]).toBe("gateway-3");
    expect(first && readDeadLetter(first)).toEqual({
      error: "bad record (10 bytes)",
      kind: "json-parse",
      sourceTopic: "litellm-logs",
      sourcePartition: "2",
      sourceOffset: "11",
      sourceTimestamp: "1767225600000",
      service: "ingest",
    });
    expect(plan.dead[1]?.value).toBeNull();
    expect(plan.dead[1]?.headers?.[DLQ_HEADERS.kind]).toBe("empty");
  });

  it("counts reasons by kind and remembers the first", () => {
    expect(plan.deadKinds).toEqual({ "json-parse": 2, empty: 1 });
    expect(plan.firstDead).toEqual({
      offset: "11",
      reason: { kind: "json-parse", message: "bad record (10 bytes)" },
    });
  });

  it("is empty for an empty batch", () => {
    expect(planBatch([], source, [])).toEqual({
      outputs: [],
      dead: [],
      deadKinds: {},
      firstDead: null,
    });
  });
});
