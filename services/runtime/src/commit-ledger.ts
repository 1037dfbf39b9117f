export interface OffsetToCommit {
  topic: string;
  partition: number;
  /** The next offset to read: one past the last record fully stored. */
  offset: string;
}

interface Segment {
  readonly state: PartitionState;
  readonly first: bigint;
  readonly last: bigint;
  /** Tags (the sink: buffer generations) still to be acknowledged. */
  waiting: number;
  readonly arrivedAt: number;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly pending: Set<Segment>;
  /** One past the highest offset of a segment fully stored, or null before the first. */
  storedEnd: bigint | null;
  /** Lowest offset seen: a bound at or below it stores nothing, and committing it could move
   * a group that starts at the latest offset back to the earliest. */
  start: bigint;
  committed: bigint | null;
}

/**
 * Which offsets may be committed, given that a fetched batch's effects may be written after
 * the batch itself: the sink spreads a batch's rows over table buffers that ClickHouse
 * acknowledges independently. Each batch is a segment [first, last] waiting for the tags
 * (buffer generations) its writes went into, none for a batch whose outputs were all sent to
 * Kafka with it; a partition may commit up to the lowest first offset of a segment still
 * waiting, and never past the end of what was stored.
 *
 * This holds whatever order batches arrive in: kafkajs fetches each partition contiguously from
 * the committed offset, and after a rebalance it may deliver offsets again from there, so every
 * offset below the bound was seen and sits in a stored segment.
 */
export class CommitLedger {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly byTag = new Map<string, Set<Segment>>();

  /**
   * Records a fetched batch of `topic`/`partition` covering offsets first..last whose writes
   * went into `tags` (none: nothing waits, e.g. every record was dead-lettered or its outputs
   * were sent with the batch). True when the batch is stored already.
   */
  track(
    topic: string,
    partition: number,
    first: string,
    last: string,
    tags: readonly string[],
    arrivedAt: number,
  ): boolean {
    const state = this.stateOf(topic, partition, BigInt(first));
    const segment: Segment = {
      state,
      first: BigInt(first),
      last: BigInt(last),
      waiting: 0,
      arrivedAt,
    };
    state.pending.add(segment);
    for (const tag of new Set(tags)) {
      let waiting = this.byTag.get(tag);
      if (!waiting) {
        waiting = new Set();
        this.byTag.set(tag, waiting);
      }
      waiting.add(segment);
      segment.waiting += 1;
    }
    return segment.waiting === 0 && this.complete(segment);
  }

  /**
   * The writes tagged `tag` are stored. Returns the arrival times of the batches that are now
   * fully stored (for the batch latency histogram).
   */
  acknowledge(tag: string): number[] {
    const segments = this.byTag.get(tag);
    if (!segments) return [];
    this.byTag.delete(tag);
    const done: number[] = [];
    for (const s of segments) {
      s.waiting -= 1;
      if (s.waiting === 0 && this.complete(s)) done.push(s.arrivedAt);
    }
    return done;
  }

  /** Offsets that moved past what was last committed, one per partition. */
  committable(): OffsetToCommit[] {
    const out: OffsetToCommit[] = [];
    for (const state of this.partitions.values()) {
      const bound = this.bound(state);
      if (bound === null || bound <= state.start) continue;
      if (state.committed === null || bound > state.committed) {
        out.push({ topic: state.topic, partition: state.partition, offset: bound.toString() });
      }
    }
    return out;
  }

  /** The broker accepted these commits. */
  committed(offsets: readonly OffsetToCommit[]): void {
    for (const o of offsets) {
      const state = this.partitions.get(key(o.topic, o.partition));
      if (!state) continue;
      const offset = BigInt(o.offset);
      if (state.committed === null || offset > state.committed) state.committed = offset;
    }
  }

  /** The last committed offset of a partition, as far as this ledger knows. */
  committedOffset(topic: string, partition: number): string | null {
    return this.partitions.get(key(topic, partition))?.committed?.toString() ?? null;
  }

  /**
   * Forgets partitions this member no longer owns. Their buffered rows may still be inserted
   * (a harmless duplicate of what the new owner inserts) but must not lead to commits.
   */
  retain(owned: (topic: string, partition: number) => boolean): void {
    for (const [k, state] of this.partitions) {
      if (!owned(state.topic, state.partition)) this.partitions.delete(k);
    }
  }

  /** Batches still waiting for an insert. */
  pendingBatches(): number {
    let n = 0;
    for (const state of this.partitions.values()) n += state.pending.size;
    return n;
  }

  private bound(state: PartitionState): bigint | null {
    let bound = state.storedEnd;
    if (bound === null) return null;
    for (const s of state.pending) if (s.first < bound) bound = s.first;
    return bound;
  }

  private complete(s: Segment): boolean {
    const state = s.state;
    // A segment of a partition forgotten by retain(): its acknowledgement decides nothing.
    if (this.partitions.get(key(state.topic, state.partition)) !== state) return false;
    state.pending.delete(s);
    const end = s.last + 1n;
    if (state.storedEnd === null || end > state.storedEnd) state.storedEnd = end;
    return true;
  }

  private stateOf(topic: string, partition: number, first: bigint): PartitionState {
    const k = key(topic, partition);
    let state = this.partitions.get(k);
    if (!state) {
      state = { topic, partition, pending: new Set(), storedEnd: null, start: first, committed: null };
      this.partitions.set(k, state);
    } else if (first < state.start) {
      state.start = first;
    }
    return state;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
