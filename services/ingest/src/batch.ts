import type { DeadLetterReason } from "@distillguard/runtime";
import { deadLetter } from "@distillguard/runtime";
import type { KafkaMessage, Message } from "kafkajs";
import type { Translation } from "./translate.ts";

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
 * Splits a fetched batch into what to produce and what to dead-letter. Every input message
 * lands in exactly one of the two lists, which is what lets the caller commit the batch's
 * last offset once both sends are acknowledged.
 */
export function planBatch(
  messages: readonly KafkaMessage[],
  source: { topic: string; partition: number; service: string },
  translate: (value: Buffer | null) => Translation,
): BatchPlan {
  const plan: BatchPlan = { outputs: [], dead: [], deadKinds: {}, firstDead: null };
  for (const m of messages) {
    const t = translate(m.value);
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
