/** When a table's buffered rows go to ClickHouse: whichever limit is reached first. */
export interface FlushLimits {
  /** Rows buffered for one table. */
  maxRows: number;
  /** JSONEachRow bytes buffered for one table (measured in UTF-16 units: a bound, not a count). */
  maxBytes: number;
  /** Milliseconds since the first row of the buffer arrived. */
  maxDelayMs: number;
}

export const DEFAULT_FLUSH_LIMITS: FlushLimits = { maxRows: 10_000, maxBytes: 8 << 20, maxDelayMs: 1_000 };

export type FlushReason = "rows" | "bytes" | "age";

/** The partition offsets a chunk's rows came from, for the insert deduplication token. */
export interface OffsetRange {
  topic: string;
  partition: number;
  first: string;
  last: string;
}

/**
 * Rows taken out of a buffer for one INSERT; retried as the same chunk until stored. `O` is
 * where each row came from, kept so that a row ClickHouse refuses can be dead-lettered as the
 * record it was made from.
 */
export interface Chunk<O = unknown> {
  table: string;
  /** Names the rows a fetched batch is waiting for: see CommitLedger. */
  tag: string;
  lines: readonly string[];
  /** `origins[i]` is the source of `lines[i]`. */
  origins: readonly O[];
  bytes: number;
  ranges: readonly OffsetRange[];
}

/** JSONEachRow body: one JSON object per line. */
export function chunkBody(chunk: Pick<Chunk, "lines">): string {
  return `${chunk.lines.join("\n")}\n`;
}

/**
 * An insert deduplication token for the chunk: the same rows retried give the same token, so a
 * server that stored an insert whose acknowledgement was lost drops the retry. Different rows
 * from the same offsets (another sampling rate, `salt`) must not share it.
 */
export function dedupToken(chunk: Pick<Chunk, "table" | "lines" | "ranges">, salt = ""): string {
  const ranges = chunk.ranges
    .map((r) => `${r.topic}/${r.partition}/${r.first}-${r.last}`)
    .sort()
    .join(",");
  return `${chunk.table}|${salt}|${chunk.lines.length}|${ranges}`;
}

/** Rows waiting for one table, serialized as they arrive so the byte limit measures the request. */
export class TableBuffer<O = unknown> {
  readonly table: string;
  private readonly limits: FlushLimits;
  private lines: string[] = [];
  private origins: O[] = [];
  private size = 0;
  private firstAt: number | null = null;
  private ranges = new Map<string, OffsetRange>();
  private generation = 0;

  constructor(table: string, limits: FlushLimits) {
    this.table = table;
    this.limits = limits;
  }

  get rows(): number {
    return this.lines.length;
  }

  get bytes(): number {
    return this.size;
  }

  /** The tag the rows added now will carry when they are taken. */
  get tag(): string {
    return `${this.table}#${this.generation}`;
  }

  /** Adds the rows one fetched batch produced for this table; `origins[i]` made `lines[i]`. */
  add(lines: readonly string[], from: OffsetRange, now: number, origins: readonly O[]): void {
    if (lines.length === 0) return;
    if (origins.length !== lines.length) {
      throw new RangeError(`TableBuffer.add: ${lines.length} lines but ${origins.length} origins`);
    }
    for (const line of lines) {
      this.lines.push(line);
      this.size += line.length + 1;
    }
    for (const o of origins) this.origins.push(o);
    this.firstAt ??= now;
    const key = `${from.topic}\u0000${from.partition}`;
    const seen = this.ranges.get(key);
    if (seen) {
      if (BigInt(from.first) < BigInt(seen.first)) seen.first = from.first;
      if (BigInt(from.last) > BigInt(seen.last)) seen.last = from.last;
    } else {
      this.ranges.set(key, { ...from });
    }
  }

  /** Why the buffer should be flushed now, or null while it may keep collecting. */
  due(now: number): FlushReason | null {
    if (this.lines.length === 0) return null;
    if (this.lines.length >= this.limits.maxRows) return "rows";
    if (this.size >= this.limits.maxBytes) return "bytes";
    if (this.firstAt !== null && now - this.firstAt >= this.limits.maxDelayMs) return "age";
    return null;
  }

  /** Empties the buffer into a chunk; later rows start a new generation (a new tag). */
  take(): Chunk<O> | null {
    if (this.lines.length === 0) return null;
    const chunk: Chunk<O> = {
      table: this.table,
      tag: this.tag,
      lines: this.lines,
      origins: this.origins,
      bytes: this.size,
      ranges: [...this.ranges.values()],
    };
    this.lines = [];
    this.origins = [];
    this.size = 0;
    this.firstAt = null;
    this.ranges = new Map();
    this.generation += 1;
    return chunk;
  }
}
