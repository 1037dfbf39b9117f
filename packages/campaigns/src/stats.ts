/** Robust baseline of one signal across a population: median and MAD. */
export interface Baseline {
  median: number;
  mad: number;
}

export function baselineOf(values: readonly number[], prior: Baseline, minValues = 8): Baseline {
  // Too few groups to estimate a population: fall back to the configured prior.
  if (values.length < Math.max(1, minValues)) return prior;
  const s = [...values].sort((a, b) => a - b);
  const median = quantileSorted(s, 0.5);
  const mad = quantileSorted(
    s.map((v) => Math.abs(v - median)).sort((a, b) => a - b),
    0.5,
  );
  return { median, mad };
}

function quantileSorted(s: readonly number[], q: number): number {
  if (s.length === 0) return 0;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}

/**
 * Robust z-score (x − median) / (1.4826 · MAD); the MAD is floored so a population that
 * barely varies does not turn a tiny difference into a huge score.
 */
export function robustZ(x: number, b: Baseline, madFloor: number): number {
  return (x - b.median) / (1.4826 * Math.max(b.mad, madFloor));
}

/** Disjoint sets over small integers, for grouping linked accounts. */
export class UnionFind {
  private readonly parent = new Map<number, number>();

  find(x: number): number {
    let root = x;
    for (;;) {
      const p = this.parent.get(root);
      if (p === undefined || p === root) break;
      root = p;
    }
    let cur = x;
    while (cur !== root) {
      const next = this.parent.get(cur) ?? root;
      this.parent.set(cur, root);
      cur = next;
    }
    if (!this.parent.has(root)) this.parent.set(root, root);
    return root;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller id becomes the root: the grouping does not depend on the order of unions.
    if (ra < rb) this.parent.set(rb, ra);
    else if (rb < ra) this.parent.set(ra, rb);
  }
}
