import type { Draft } from "./draft.ts";
import { flipBits, mix32, writeHash } from "./mix.ts";
import type { World } from "./world.ts";

/**
 * Fingerprint mode: turns a PromptSpec into the hashes a real prompt of that shape would get,
 * without making text. Same family+variant → same template hash; instances of a family are
 * near-duplicates of its simhash; turns of a conversation drift a few bits at a time.
 */
export class FingerprintRenderer {
  private readonly templates = new Map<number, Buffer>();
  private readonly systems: Buffer[];
  private readonly simhash = Buffer.alloc(8);
  private readonly freeTemplate = Buffer.alloc(8);

  constructor(private readonly world: World) {
    this.systems = world.systems.map((_, i) => {
      const b = Buffer.alloc(8);
      writeHash(b, 0x5157e3, mix32(world.seed, i));
      return b;
    });
  }

  render(d: Draft): void {
    const p = d.prompt;
    const r = d.record;
    const seed = this.world.seed;
    if (p.family >= 0) {
      const key = p.family * 1024 + p.variant;
      let tpl = this.templates.get(key);
      if (!tpl) {
        tpl = Buffer.alloc(8);
        writeHash(tpl, mix32(seed, p.family), p.variant + 1);
        this.templates.set(key, tpl);
      }
      r.prompt_template_hash = tpl;
      writeHash(this.simhash, mix32(seed, p.family), 0);
      // Paraphrases move a few bits; slot content a few more.
      if (p.variant > 0) flipBits(this.simhash, 3, mix32(p.family, p.variant));
      flipBits(this.simhash, 6, p.instance);
    } else {
      writeHash(this.freeTemplate, mix32(seed, p.conversation), mix32(p.turn, p.instance));
      r.prompt_template_hash = this.freeTemplate;
      if (p.conversation >= 0) {
        writeHash(this.simhash, mix32(seed ^ 0x1234567, p.conversation), 1);
        flipBits(this.simhash, 2 + Math.min(p.turn, 8), p.instance);
      } else {
        writeHash(this.simhash, p.instance, mix32(seed, 7));
      }
    }
    r.prompt_simhash = this.simhash;
    r.system_prompt_hash = p.system >= 0 ? (this.systems[p.system] ?? null) : null;
    r.cot_elicitation = Math.fround(p.cot);
    r.prompt_topic = p.topic;
    r.prompt_language = p.language;
  }
}
