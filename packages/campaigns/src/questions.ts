import { hash53 } from "./keys.ts";

/**
 * The exact prompts the linker has seen (by simhash), so a group can be asked how many new
 * questions it brought: a campaign harvests answers it does not have yet, a class pasting its
 * teacher's handout repeats a handful. Direct-mapped: a slot keeps its latest prompt, so under
 * heavy traffic an old prompt may be forgotten and count as new again. The table thus errs
 * towards breadth, which is how the linker behaved without it.
 */
export class QuestionTable {
  private readonly keys: Float64Array;

  constructor(readonly slots: number) {
    this.keys = new Float64Array(slots).fill(-1);
  }

  /**
   * Whether `simhash` is a prompt not seen before at this `temperature` (as far as the table
   * remembers); remembers it. The same prompt resent at another temperature is a new sample,
   * which harvesters collect on purpose (../shared/THREAT-MODEL.md, harvesting habits).
   */
  novel(simhash: Uint8Array, temperature: number | null = null): boolean {
    const t = temperature === null || !Number.isFinite(temperature) ? 0 : Math.round(temperature * 1_000) + 1;
    const key = (hash53(simhash) + t * 0x9e3779b1) % 2 ** 53;
    const slot = key % this.slots;
    if (this.keys[slot] === key) return false;
    this.keys[slot] = key;
    return true;
  }

  /** Used slots as flat pairs (slot, key), for checkpoints. */
  used(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== -1) out.push(i, this.keys[i] as number);
    return out;
  }

  restore(pairs: readonly number[]): void {
    for (let i = 0; i < pairs.length; i += 2) this.keys[pairs[i] as number] = pairs[i + 1] as number;
  }
}
