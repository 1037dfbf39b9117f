import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CommitLedger } from "./commit-ledger.ts";

const offsetOf = (ledger: CommitLedger, partition = 0) =>
  ledger.committable().find((o) => o.partition === partition)?.offset ?? null;

describe("CommitLedger", () => {
  it("commits a batch only once every table its rows went to has stored them", () => {
    const ledger = new CommitLedger();
    ledger.track("campaigns", 0, "0", "9", ["campaign_updates#0", "campaign_members#0"], 0);
    expect(ledger.acknowledge("campaign_updates#0")).toEqual([]);
    expect(offsetOf(ledger)).toBeNull();
    expect(ledger.acknowledge("campaign_members#0")).toEqual([0]);
    expect(ledger.committable()).toEqual([{ topic: "campaigns", partition: 0, offset: "10" }]);
  });

  it("never commits past an earlier batch that is still waiting", () => {
    const ledger = new CommitLedger();
    ledger.track("scores", 0, "0", "4", ["account_scores#0"], 0);
    ledger.track("scores", 0, "5", "9", ["alerts#0"], 0);
    ledger.acknowledge("alerts#0");
    expect(offsetOf(ledger)).toBeNull();
    ledger.acknowledge("account_scores#0");
    expect(offsetOf(ledger)).toBe("10");
  });

  it("commits batches without rows (all dead letters or sampled out) right away, behind waiting ones", () => {
    const ledger = new CommitLedger();
    ledger.track("api-requests", 1, "0", "99", [], 0);
    expect(ledger.committable()).toEqual([{ topic: "api-requests", partition: 1, offset: "100" }]);
    ledger.track("api-requests", 1, "100", "199", ["api_requests#3"], 0);
    ledger.track("api-requests", 1, "200", "299", [], 0);
    expect(offsetOf(ledger, 1)).toBe("100");
  });

  it("reports only offsets that moved past the last commit", () => {
    const ledger = new CommitLedger();
    ledger.track("alerts", 0, "0", "1", [], 0);
    ledger.track("alerts", 1, "0", "1", [], 0);
    ledger.committed([{ topic: "alerts", partition: 0, offset: "2" }]);
    expect(ledger.committable()).toEqual([{ topic: "alerts", partition: 1, offset: "2" }]);
    expect(ledger.committedOffset("alerts", 0)).toBe("2");
  });

  it("holds the commit when a rebalance redelivers offsets that are buffered again", () => {
    const ledger = new CommitLedger();
    ledger.track("scores", 0, "0", "9", ["account_scores#0"], 0);
    ledger.acknowledge("account_scores#0");
    ledger.committed(ledger.committable());
    ledger.track("scores", 0, "10", "19", ["account_scores#1"], 0);
    // The group rebalanced before #1 was stored; kafkajs fetches again from the commit, 10.
    ledger.track("scores", 0, "10", "24", ["account_scores#2"], 0);
    ledger.acknowledge("account_scores#2");
    expect(offsetOf(ledger)).toBeNull();
    ledger.acknowledge("account_scores#1");
    expect(offsetOf(ledger)).toBe("25");
  });

  it("forgets partitions no longer owned, and late acknowledgements of them decide nothing", () => {
    const ledger = new CommitLedger();
    ledger.track("alerts", 0, "0", "9", ["alerts#0"], 0);
    ledger.track("alerts", 1, "0", "9", ["alerts#0"], 0);
    ledger.retain((_topic, partition) => partition === 1);
    // Partition 0 comes back to this member: kafkajs fetches it again from its committed offset.
    ledger.track("alerts", 0, "0", "4", ["alerts#1"], 0);
    ledger.acknowledge("alerts#0");
    expect(ledger.committable()).toEqual([{ topic: "alerts", partition: 1, offset: "10" }]);
    expect(ledger.pendingBatches()).toBe(1);
  });

  it("never commits an offset with a record below it not yet stored, whatever the interleaving", () => {
    const tables = ["account_scores", "alerts", "campaign_members"] as const;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("batch" as const),
        size: fc.integer({ min: 1, max: 5 }),
        mask: fc.integer({ min: 0, max: 7 }),
      }),
      fc.record({ kind: fc.constant("take" as const), table: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant("ack" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("commit" as const) }),
      fc.record({ kind: fc.constant("rewind" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const ledger = new CommitLedger();
        const generation = [0, 0, 0];
        const taken: string[] = [];
        const acked = new Set<string>();
        const batches: Array<{ first: number; last: number; tags: string[] }> = [];
        let next = 0;
        let committed = 0;
        const stored = (b: { tags: string[] }) => b.tags.every((t) => acked.has(t));
        const check = () => {
          const c = offsetOf(ledger);
          if (c === null) return;
          for (const b of batches) {
            // Offsets below the commit must sit in some stored batch.
            if (b.first < Number(c) && !stored(b)) {
              const covered = batches.some((o) => stored(o) && o.first <= b.first && o.last >= b.first);
              expect(covered, `offset ${b.first} committed at ${c} but not stored`).toBe(true);
            }
          }
        };
        for (const o of ops) {
          if (o.kind === "batch") {
            const tags = tables.flatMap((t, i) => ((o.mask >> i) & 1 ? [`${t}#${generation[i]}`] : []));
            const b = { first: next, last: next + o.size - 1, tags };
            batches.push(b);
            ledger.track("t", 0, String(b.first), String(b.last), tags, 0);
            next = b.last + 1;
          } else if (o.kind === "take") {
            taken.push(`${tables[o.table]}#${generation[o.table]}`);
            generation[o.table] = (generation[o.table] ?? 0) + 1;
          } else if (o.kind === "ack" && taken.length > 0) {
            const [tag] = taken.splice(o.pick % taken.length, 1);
            if (tag) {
              acked.add(tag);
              ledger.acknowledge(tag);
            }
          } else if (o.kind === "commit") {
            const c = ledger.committable();
            ledger.committed(c);
            committed = Number(c[0]?.offset ?? committed);
          } else if (o.kind === "rewind") {
            next = committed;
          }
          check();
        }
        // Once everything is stored, the commit reaches the end of what was read.
        for (let i = 0; i < tables.length; i++) taken.push(`${tables[i]}#${generation[i]}`);
        for (const tag of taken) ledger.acknowledge(tag);
        const end = Math.max(0, ...batches.map((b) => b.last + 1));
        if (batches.length > 0) expect(Number(offsetOf(ledger) ?? committed)).toBe(end);
      }),
      { numRuns: 500 },
    );
  });
});
