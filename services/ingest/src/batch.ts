import type { DeadLetterReason } from "@distillguard/runtime";
import { deadLetter } from "@distillguard/runtime";
import type { KafkaMessage, Message } from "kafkajs";
import type { RecordResult } from "./translator.ts";

export interface BatchPlan {
  /** ApiRequest records for the output topic, in input order. */
  outputs: Message[];
  /** DLQ records: original bytes plus reason and source coordinates. */
  dead: Message[];
  /** Reasons by kind, for the log line and metrics. */
  deadKinds: Record<string, number>;
  firstDead: { offset: string; reason: DeadLetterReason } | null;
}

/**
 * Splits a fetched batch into what to produce and what to dead-letter, given each message's
 * translation (`results[i]` for `messages[i]`). Every input message lands in exactly one of
 * the two lists, which is what lets the caller commit the batch's last offset once both sends
 * are acknowledged.
 */
export function planBatch(
  messages: readonly KafkaMessage[],
  source: { topic: string; partition: number; service: string },
  results: readonly RecordResult[],
): BatchPlan {
  if (results.length !== messages.length) {
    throw new Error(`${messages.length} messages but ${results.length} translations`);
  }
  const plan: BatchPlan = { outputs: [], dead: [], deadKinds: {}, firstDead: null };
  for (const [i, m] of messages.entries()) {
    const t = results[i] as RecordResult;
    if (t.ok) {
      plan.outputs.push({ key: t.key, value: t.value, timestamp: t.timestamp });
    } else {
      plan.dead.push(deadLetter(m, source, t.reason));
      plan.deadKinds[t.reason.kind] = (plan.deadKinds[t.reason.kind] ?? 0) + 1;
      plan.firstDead ??= { offset: m.offset, reason: t.reason };
    }
  }
  return plan;
}
