/**
 * The prompts the linker has seen (by simhash), so a group can be asked how many new
 * questions it brought: a campaign harvests answers it does not have yet, a class pasting its
 * teacher's handout repeats a handful. A prompt within `maxDistance` bits of one seen before
 * (the same question with a word changed: simhash's near-duplicates) is not new, and neither is
 * the very same prompt; the same prompt at another temperature is a new sample, which
 * harvesters collect on purpose (../shared/THREAT-MODEL.md, harvesting habits).
 *
 * Near-duplicates are found by banding: two simhashes at most 3 bits apart agree exactly on
 * one of four 16-bit bands, so each band keeps, per (band value, temperature), the last
 * simhash that had it. Direct-mapped: a slot keeps its latest prompt, so under heavy traffic
 * an old prompt may be forgotten and count as new again. The table thus errs towards
 * breadth, which is how the linker behaved without it.
 *
 * Each prompt keeps the account that first asked it, so a repeat tells whether the account
 * asks its own question again (a retry, a harvester sampling one prompt several times) or
 * another's: an echo. A class pasting the handout echoes; accounts that split a harvest do not.
 */

/** What `ask` found: a question not seen before, one the same account asked, or another's. */
export const NEW_QUESTION = 0;
export const OWN_REPEAT = 1;
export const ECHO = 2;
export class QuestionTable {
  /**
   * Per slot, four words side by side (one cache line per lookup): the simhash's high and
   * low words, its temperature code (0: empty slot) and the first asker's slot + 1 (0: not
   * known, as in checkpoints from before askers were kept).
   */
  private readonly table: Uint32Array;
  private readonly perBand: number;

  constructor(
    readonly slots: number,
    readonly maxDistance = 3,
  ) {
    this.perBand = Math.max(1, Math.floor(slots / BANDS));
    this.table = new Uint32Array(this.perBand * BANDS * 4);
  }

  /** Whether `simhash` (8 bytes) at `temperature` is a question not seen before; remembers it. */
  novel(simhash: Uint8Array, temperature: number | null = null): boolean {
    return this.ask(simhash, temperature, -1) === NEW_QUESTION;
  }

  /**
   * `simhash` asked at `temperature` by account slot `asker` (-1: unknown): NEW_QUESTION (and
   * remembered, with its asker), OWN_REPEAT, or ECHO when another account asked it first.
   */
  ask(simhash: Uint8Array, temperature: number | null, asker: number): number {
    const hi = word(simhash, 0);
    const lo = word(simhash, 4);
    const code =
      temperature === null || !Number.isFinite(temperature) ? 1 : Math.round(temperature * 1_000) + 2;
    const t = this.table;
    for (let b = 0; b < BANDS; b++) {
      const s = this.slotOf(b, hi, lo, code) * 4;
      if (
        t[s + 2] === code &&
        popcount(((t[s] as number) ^ hi) >>> 0) + popcount(((t[s + 1] as number) ^ lo) >>> 0) <=
          this.maxDistance
      ) {
        const first = (t[s + 3] as number) - 1;
        return first >= 0 && asker >= 0 && first !== asker ? ECHO : OWN_REPEAT;
      }
    }
    for (let b = 0; b < BANDS; b++) {
      const s = this.slotOf(b, hi, lo, code) * 4;
      t[s] = hi;
      t[s + 1] = lo;
      t[s + 2] = code;
      t[s + 3] = asker + 1;
    }
    return NEW_QUESTION;
  }

  private slotOf(band: number, hi: number, lo: number, code: number): number {
    const v = band < 2 ? (hi >>> (16 * band)) & 0xffff : (lo >>> (16 * (band - 2))) & 0xffff;
    const h = Math.imul(v ^ Math.imul(code, 0x9e3779b1), 0x85ebca6b) ^ band;
    return band * this.perBand + (((h ^ (h >>> 15)) >>> 0) % this.perBand);
  }

  /** Used slots as flat quadruples (slot, hi, lo, temperature code), for checkpoints. */
  used(): number[] {
    const out: number[] = [];
    const t = this.table;
    for (let i = 0; i < t.length; i += 4) {
      if (t[i + 2] !== 0) out.push(i / 4, t[i] as number, t[i + 1] as number, t[i + 2] as number);
    }
    return out;
  }

  /** The first asker (slot + 1; 0 unknown) of each used slot, in `used()` order. */
  askers(): number[] {
    const out: number[] = [];
    const t = this.table;
    for (let i = 0; i < t.length; i += 4) if (t[i + 2] !== 0) out.push(t[i + 3] as number);
    return out;
  }

  /** `askers`: as `askers()` gave them; absent in checkpoints from before (unknown). */
  restore(rows: readonly number[], askers: readonly number[] = []): void {
    for (let i = 0, k = 0; i + 3 < rows.length; i += 4, k++) {
      const s = (rows[i] as number) * 4;
      this.table[s] = rows[i + 1] as number;
      this.table[s + 1] = rows[i + 2] as number;
      this.table[s + 2] = rows[i + 3] as number;
      this.table[s + 3] = askers[k] ?? 0;
    }
  }
}

const BANDS = 4;

function word(b: Uint8Array, at: number): number {
  return (
    (((b[at] as number) << 24) |
      ((b[at + 1] as number) << 16) |
      ((b[at + 2] as number) << 8) |
      (b[at + 3] as number)) >>>
    0
  );
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
