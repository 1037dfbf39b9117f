import { type ParsedAddress, parseAddress, parseV4 } from "./address.ts";

/**
 * Address ranges → a number and a label: IP → ASN and AS name, or IP → country. Sorted typed
 * arrays searched by bisection, so a lookup is ~20 comparisons and allocates nothing; the
 * arrays may live in SharedArrayBuffers, so worker threads use one copy (`shareRangeTable`).
 * IPv6 ranges are kept at /64 precision, the finest any routing or registry table uses.
 */
export interface RangeTableData {
  readonly v4Start: Uint32Array;
  readonly v4End: Uint32Array;
  readonly v4Number: Uint32Array;
  readonly v4Label: Int32Array;
  /** Upper 64 bits of IPv6 range bounds as (hi, lo) uint32 pairs. */
  readonly v6StartHi: Uint32Array;
  readonly v6StartLo: Uint32Array;
  readonly v6EndHi: Uint32Array;
  readonly v6EndLo: Uint32Array;
  readonly v6Number: Uint32Array;
  readonly v6Label: Int32Array;
  readonly labels: readonly string[];
}

export interface RangeHit {
  /** ASN, or 0 for a table without numbers. */
  readonly number: number;
  /** AS name or country code; "" when the table has none for the range. */
  readonly label: string;
}

export class RangeTable {
  // First range index whose start is at or after each /16 (IPv4) or /20 (IPv6; allocations
  // crowd into a few /16s such as 2a02::/16), plus one sentinel: bisection then runs inside
  // one bucket, a few hundred ranges in cache instead of 400K across memory.
  private readonly v4Bucket: Int32Array;
  private readonly v6Bucket: Int32Array;

  constructor(readonly data: RangeTableData) {
    this.v4Bucket = buckets(data.v4Start, V4_SHIFT);
    this.v6Bucket = buckets(data.v6StartHi, V6_SHIFT);
  }

  get size(): { v4: number; v6: number } {
    return { v4: this.data.v4Start.length, v6: this.data.v6StartHi.length };
  }

  /** The range holding the address, or null (unparseable text, or no range holds it). */
  lookup(address: string | ParsedAddress | null | undefined): RangeHit | null {
    const a = typeof address === "string" || address == null ? parseAddress(address) : address;
    if (a === null) return null;
    const i = a.family === 4 ? this.indexV4(a.v4) : this.indexV6(a.hi, a.lo);
    if (i < 0) return null;
    const d = this.data;
    return a.family === 4
      ? { number: d.v4Number[i] ?? 0, label: d.labels[d.v4Label[i] ?? -1] ?? "" }
      : { number: d.v6Number[i] ?? 0, label: d.labels[d.v6Label[i] ?? -1] ?? "" };
  }

  /** Index of the IPv4 range holding v4 (a uint32), or -1. */
  indexV4(v4: number): number {
    const { v4Start: start, v4End: end } = this.data;
    const top = v4 >>> V4_SHIFT;
    // The range holding v4 starts in its /16 or is the last one starting before it.
    let lo = Math.max(0, (this.v4Bucket[top] ?? 0) - 1);
    let hi = (this.v4Bucket[top + 1] ?? 0) - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((start[mid] ?? 0) <= v4) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && v4 <= (end[found] ?? 0) ? found : -1;
  }

  /** Index of the IPv6 range holding the /64 (hi, lo), or -1. */
  indexV6(hi: number, lo: number): number {
    const d = this.data;
    const top = hi >>> V6_SHIFT;
    let a = Math.max(0, (this.v6Bucket[top] ?? 0) - 1);
    let b = (this.v6Bucket[top + 1] ?? 0) - 1;
    let found = -1;
    while (a <= b) {
      const mid = (a + b) >>> 1;
      const sh = d.v6StartHi[mid] ?? 0;
      if (sh < hi || (sh === hi && (d.v6StartLo[mid] ?? 0) <= lo)) {
        found = mid;
        a = mid + 1;
      } else {
        b = mid - 1;
      }
    }
    if (found < 0) return -1;
    const eh = d.v6EndHi[found] ?? 0;
    return hi < eh || (hi === eh && lo <= (d.v6EndLo[found] ?? 0)) ? found : -1;
  }
}

const V4_SHIFT = 16;
const V6_SHIFT = 12;

/** bucket[t] = first index i with (start[i] >>> shift) >= t, for every t, plus a sentinel. */
function buckets(start: Uint32Array, shift: number): Int32Array {
  const tops = 2 ** (32 - shift);
  const out = new Int32Array(tops + 2);
  let i = 0;
  for (let t = 0; t <= tops; t++) {
    while (i < start.length && (start[i] ?? 0) >>> shift < t) i++;
    out[t] = i;
  }
  out[tops + 1] = start.length;
  return out;
}

export class RangeFileError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    why: string,
  ) {
    super(`${source}, line ${line}: ${why}`);
    this.name = "RangeFileError";
  }
}

/**
 * The CSV layout of ip-location-db and of most free IP databases: `start,end,value[,name]`, one
 * inclusive range per line, bounds as dotted IPv4, IPv6 text or decimal numbers. `kind` says
 * what the third column is: an ASN (then the fourth, possibly quoted, is the AS name) or a
 * label such as a country code. IPv4 and IPv6 lines may be mixed and in any order.
 */
export function parseRangeCsv(
  files: readonly { source: string; text: string }[],
  kind: "asn" | "label",
): RangeTable {
  const labelIndex = new Map<string, number>();
  const labels: string[] = [];
  const label = (s: string) => {
    let i = labelIndex.get(s);
    if (i === undefined) {
      i = labels.length;
      labels.push(s);
      labelIndex.set(s, i);
    }
    return i;
  };
  const v4: number[] = []; // start, end, number, label
  const v6: number[] = []; // startHi, startLo, endHi, endLo, number, label
  for (const { source, text } of files) {
    let lineNo = 0;
    let at = 0;
    while (at < text.length) {
      let eol = text.indexOf("\n", at);
      if (eol < 0) eol = text.length;
      lineNo++;
      const line = text.slice(at, eol).trimEnd();
      at = eol + 1;
      if (line === "" || line.startsWith("#")) continue;
      const c1 = line.indexOf(",");
      const c2 = c1 < 0 ? -1 : line.indexOf(",", c1 + 1);
      if (c2 < 0) throw new RangeFileError(source, lineNo, "expected start,end,value");
      const c3 = line.indexOf(",", c2 + 1);
      const third = line.slice(c2 + 1, c3 < 0 ? line.length : c3);
      let number = 0;
      let name = third;
      if (kind === "asn") {
        if (!/^\d{1,10}$/.test(third) || Number(third) > 0xffffffff) {
          throw new RangeFileError(source, lineNo, `"${third.slice(0, 20)}" is not an AS number`);
        }
        number = Number(third);
        name = c3 < 0 ? "" : unquote(line.slice(c3 + 1));
      }
      const start = parseBound(line.slice(0, c1));
      const end = parseBound(line.slice(c1 + 1, c2));
      if (start === null || end === null || start.family !== end.family) {
        throw new RangeFileError(source, lineNo, "start and end must be addresses of one family");
      }
      const l = label(name);
      if (start.family === 4 && end.family === 4) {
        if (end.v4 < start.v4) throw new RangeFileError(source, lineNo, "end is before start");
        v4.push(start.v4, end.v4, number, l);
      } else if (start.family === 6 && end.family === 6) {
        v6.push(start.hi, start.lo, end.hi, end.lo, number, l);
      }
    }
  }
  return new RangeTable({ ...sortedV4(v4), ...sortedV6(v6), labels });
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s;
}

/** A range bound: an address (IPv4-mapped IPv6 stays IPv6 here) or a decimal number. */
function parseBound(raw: string): ParsedAddress | null {
  const s = raw.trim();
  if (/^\d+$/.test(s)) {
    if (s.length <= 10 && Number(s) <= 0xffffffff) return { family: 4, v4: Number(s) };
    const n = BigInt(s);
    if (n >= 1n << 128n) return null;
    return { family: 6, hi: Number((n >> 96n) & 0xffffffffn), lo: Number((n >> 64n) & 0xffffffffn) };
  }
  if (s.includes(":")) {
    // Range files list ::ffff:0:0/96 as IPv6; parseAddress would unwrap it to IPv4.
    if (/^::ffff:/i.test(s)) return { family: 6, hi: 0, lo: 0 };
    const a = parseAddress(s);
    return a?.family === 6 ? a : null;
  }
  const v = parseV4(s, 0, s.length);
  return v < 0 ? null : { family: 4, v4: v };
}

function sortedV4(rows: number[]) {
  const n = rows.length / 4;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (rows[4 * a] ?? 0) - (rows[4 * b] ?? 0),
  );
  const v4Start = new Uint32Array(n);
  const v4End = new Uint32Array(n);
  const v4Number = new Uint32Array(n);
  const v4Label = new Int32Array(n);
  for (const [k, i] of order.entries()) {
    v4Start[k] = rows[4 * i] ?? 0;
    v4End[k] = rows[4 * i + 1] ?? 0;
    v4Number[k] = rows[4 * i + 2] ?? 0;
    v4Label[k] = rows[4 * i + 3] ?? 0;
  }
  return { v4Start, v4End, v4Number, v4Label };
}

function sortedV6(rows: number[]) {
  const n = rows.length / 6;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (rows[6 * a] ?? 0) - (rows[6 * b] ?? 0) || (rows[6 * a + 1] ?? 0) - (rows[6 * b + 1] ?? 0),
  );
  const cols = [0, 1, 2, 3, 4].map(() => new Uint32Array(n));
  const v6Label = new Int32Array(n);
  for (const [k, i] of order.entries()) {
    for (let c = 0; c < 5; c++) (cols[c] as Uint32Array)[k] = rows[6 * i + c] ?? 0;
    v6Label[k] = rows[6 * i + 5] ?? 0;
  }
  const [v6StartHi, v6StartLo, v6EndHi, v6EndLo, v6Number] = cols as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  return { v6StartHi, v6StartLo, v6EndHi, v6EndLo, v6Number, v6Label };
}

/**
 * The same table with its arrays in SharedArrayBuffers: post it to worker threads (or pass it
 * as workerData) and each rebuilds a RangeTable over the same memory, copying nothing.
 */
export function shareRangeTable(t: RangeTable): RangeTableData {
  const share = <A extends Uint32Array | Int32Array>(a: A): A => {
    const copy = new (a.constructor as new (b: SharedArrayBuffer) => A)(new SharedArrayBuffer(a.byteLength));
    copy.set(a);
    return copy;
  };
  const d = t.data;
  return {
    v4Start: share(d.v4Start),
    v4End: share(d.v4End),
    v4Number: share(d.v4Number),
    v4Label: share(d.v4Label),
    v6StartHi: share(d.v6StartHi),
    v6StartLo: share(d.v6StartLo),
    v6EndHi: share(d.v6EndHi),
    v6EndLo: share(d.v6EndLo),
    v6Number: share(d.v6Number),
    v6Label: share(d.v6Label),
    labels: d.labels,
  };
}
