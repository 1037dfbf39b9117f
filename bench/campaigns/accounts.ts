// Memory of the linker's account table per account: the handles, their rows and both maps.
//
//   node --expose-gc --import tsx bench/campaigns/accounts.ts [--accounts 200000]
//
// Every account gets what an ordinary account of the simulator has after a few requests: totals,
// one network and one ASN (a second network would add its `more` array, as before rows).
import { parseArgs } from "node:util";
import { AccountTable } from "../../packages/campaigns/src/accounts.ts";

const { values } = parseArgs({ options: { accounts: { type: "string", default: "200000" } } });
const n = Number(values.accounts);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const used = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

// Ids exist before the table: a service's ids are the decoded records', kept by the table.
const ids = Array.from({ length: n }, (_, i) => `acct-${((i * 2654435761) >>> 0).toString(16)}`);
const table = new AccountTable();
const t0 = 1_780_000_000_000;
const before = used();
for (let i = 0; i < n; i++) {
  const a = table.add(ids[i] as string, t0 + i);
  a.took(t0 + i * 3, i % 7 === 0, 1234, 0, 1);
  a.seenFrom(12_345 + i);
  a.seenAsn(7922);
}
const after = used();
console.log(`accounts                 ${table.size.toLocaleString("en-US")}`);
console.log(`memory per account      ${((after - before) / n).toFixed(0)} B (heap and array buffers)`);
