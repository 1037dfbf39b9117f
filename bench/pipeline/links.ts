// What one observation costs on the links topic, detector to linker: the whole request's Avro
// (packed link records version 1) against a link event (version 2, only what the linker reads).
// Bytes per observation, the detector's encode and the linker's decode, both in this process
// over the same recorded stream, alternated, medians of 5. Figures in docs/benchmarks.md.
//   node --import tsx bench/pipeline/links.ts [--duration 1h] [--accounts 20000]

import {
  type ApiRequest,
  apiRequestCodec,
  decodeLinkEvent,
  encodeLinkEvent,
  packObservations,
  unpackObservations,
} from "@distillguard/contract";
import { loadAzureTrace, simulate } from "@distillguard/simulator";
import { benchArgs } from "../scenario.ts";

const { options } = benchArgs({ duration: "1h", accounts: "20000", scenario: "all" }, {});
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });

// The detector's input as it arrives: Avro bytes, decoded once (the detector does that anyway).
const avro: Buffer[] = [];
await simulate(options, loadAzureTrace(process.env.DG_SIM_TRACE), [
  {
    write(d) {
      avro.push(apiRequestCodec.encode(d.record));
    },
    close() {},
  },
]);
const requests: ApiRequest[] = avro.map((b) => apiRequestCodec.decode(b));
const n = requests.length;
// One packed record per 500 observations, as a detector's batch run sends them.
const RUN = 500;

function packed(values: Buffer[], version: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < values.length; i += RUN) {
    out.push(
      packObservations(
        values.slice(i, i + RUN).map((value, k) => ({ offset: String(i + k), value })),
        version,
      ),
    );
  }
  return out;
}

const variants = {
  "whole request (v1)": {
    // The detector forwards the bytes it read: nothing to encode.
    encode: () => packed(avro, 1),
    decode: (records: Buffer[]) => {
      let sink = 0;
      for (const r of records)
        for (const o of unpackObservations(r).items)
          sink += apiRequestCodec.decode(o.value).usage_output_tokens;
      return sink;
    },
  },
  "link event (v2)": {
    encode: () =>
      packed(
        requests.map((r) => encodeLinkEvent(r)),
        2,
      ),
    decode: (records: Buffer[]) => {
      let sink = 0;
      for (const r of records)
        for (const o of unpackObservations(r).items) sink += decodeLinkEvent(o.value).usage_output_tokens;
      return sink;
    },
  },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const times: Record<string, { encode: number[]; decode: number[]; bytes: number }> = {};
for (let round = 0; round < 5; round++) {
  for (const [name, v] of Object.entries(variants)) {
    let t = performance.now();
    const records = v.encode();
    const encode = performance.now() - t;
    t = performance.now();
    v.decode(records);
    const decode = performance.now() - t;
    const entry = times[name] ?? { encode: [], decode: [], bytes: 0 };
    times[name] = entry;
    entry.encode.push(encode);
    entry.decode.push(decode);
    entry.bytes = records.reduce((s, r) => s + r.length, 0);
  }
}

console.log(
  `${fmt(n)} observations (scenario ${options.scenario}, ${options.accounts} accounts); medians of 5`,
);
console.log(
  "| links record values | bytes / observation | detector encode µs | linker decode µs | decode /s |",
);
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [name, t] of Object.entries(times)) {
  const dec = median(t.decode);
  console.log(
    `| ${name} | ${fmt(t.bytes / n, 1)} | ${fmt((median(t.encode) * 1000) / n, 2)} | ${fmt((dec * 1000) / n, 2)} | ${fmt(n / (dec / 1000))} |`,
  );
}
const [a, b] = Object.values(times) as [(typeof times)[string], (typeof times)[string]];
console.log(
  `link events: ${fmt(a.bytes / b.bytes, 2)}× fewer bytes, linker decode ${fmt(median(a.decode) / median(b.decode), 2)}× faster`,
);
