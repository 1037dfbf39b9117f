/**
 * Min-heap of (time, source) in typed arrays: one entry per traffic source, popped once per
 * event, so it must not allocate. Ties break on source index to keep output deterministic.
 */
export class EventHeap {
  private times: Float64Array;
  private ids: Int32Array;
  private n = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(Math.max(16, capacity));
    this.ids = new Int32Array(Math.max(16, capacity));
  }

  get size(): number {
    return this.n;
  }

  push(time: number, id: number): void {
    if (this.n === this.times.length) this.grow();
    let i = this.n++;
    const { times, ids } = this;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p] as number;
      if (pt < time || (pt === time && (ids[p] as number) < id)) break;
      times[i] = pt;
      ids[i] = ids[p] as number;
      i = p;
    }
    times[i] = time;
    ids[i] = id;
  }

  peekTime(): number {
    return this.n > 0 ? (this.times[0] as number) : Number.POSITIVE_INFINITY;
  }

  peekId(): number {
    return this.ids[0] as number;
  }

  /** Removes the top entry; read it first with peekTime/peekId. */
  pop(): void {
    const { times, ids } = this;
    const last = --this.n;
    if (last === 0) return;
    const t = times[last] as number;
    const id = ids[last] as number;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let c = l;
      if (r < last) {
        const lt = times[l] as number;
        const rt = times[r] as number;
        if (rt < lt || (rt === lt && (ids[r] as number) < (ids[l] as number))) c = r;
      }
      const ct = times[c] as number;
      if (ct > t || (ct === t && (ids[c] as number) > id)) break;
      times[i] = ct;
      ids[i] = ids[c] as number;
      i = c;
    }
    times[i] = t;
    ids[i] = id;
  }

  private grow(): void {
    const t = new Float64Array(this.times.length * 2);
    t.set(this.times);
    const d = new Int32Array(this.ids.length * 2);
    d.set(this.ids);
    this.times = t;
    this.ids = d;
  }
}
