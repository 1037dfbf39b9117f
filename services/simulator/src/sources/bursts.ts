import type { Network } from "../catalog.ts";
import type { Draft } from "../draft.ts";
import type { Rng } from "../random.ts";
import { fillRequest, type Identity, type RequestProfile, randomIpIn, type World } from "../world.ts";
import { type Source, setPrompt } from "./source.ts";

/**
 * Evaluation harness: idle for days, then a run that walks a benchmark item by item as fast
 * as its concurrency allows. Systematic, templated, often with logprobs or "think step by
 * step" prompts: extraction-like on several signals, and benign.
 */
export class EvalHarnessSource implements Source {
  private remaining = 0;
  private item = 0;
  private family = 0;

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly who: Identity,
    private readonly ips: readonly string[],
    private readonly net: Network,
    private readonly profile: RequestProfile,
    private readonly families: readonly { id: number; cot: boolean }[],
  ) {}

  first(): number {
    // At least one run inside most simulated windows: start somewhere in the first 60%.
    return this.world.startMs + this.world.durationMs * 0.6 * this.rng.next();
  }

  emit(t: number, d: Draft): number {
    const { rng } = this;
    if (this.remaining === 0) {
      this.remaining = 2_000 + rng.int(18_000);
      this.item = 0;
      this.family = rng.int(this.families.length);
    }
    const f = this.families[this.family] as { id: number; cot: boolean };
    d.prompt.topic = rng.pick(["math", "science", "reasoning", "coding"] as const);
    d.prompt.language = "en";
    setPrompt(d, f.id, 0, this.item++, -1, 0, f.cot ? 0.7 : 0, -1);
    fillRequest(d, t, this.world, rng, this.who, rng.pick(this.ips), this.net, this.profile);
    d.truth.accountIndex = this.who.accountIndex;
    d.truth.campaignIndex = -1;
    d.truth.extraction = false;
    this.remaining--;
    if (this.remaining > 0) return t + 60 + rng.exp(250);
    return t + 86_400_000 * (1 + 2 * rng.next());
  }
}

/**
 * CI test suite: on a fixed schedule, the same few dozen prompts in quick succession, from a
 * fresh cloud runner each time. Clockwork timing and exact repeats, and benign.
 */
export class CiSuiteSource implements Source {
  private index = 0;
  private runIp = "";

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly who: Identity,
    private readonly net: Network,
    private readonly profile: RequestProfile,
    private readonly suite: { periodMs: number; prompts: number; families: readonly number[] },
  ) {}

  first(): number {
    return this.world.startMs + this.suite.periodMs * this.rng.next();
  }

  emit(t: number, d: Draft): number {
    const { rng, suite } = this;
    if (this.index === 0) this.runIp = randomIpIn(this.net, rng);
    const family = suite.families[this.index % suite.families.length] as number;
    d.prompt.topic = "coding";
    d.prompt.language = "en";
    // Instance fixed per position in the suite: run after run, the very same prompts.
    setPrompt(d, family, 0, this.index, -1, 0, 0, -1);
    fillRequest(d, t, this.world, rng, this.who, this.runIp, this.net, this.profile);
    d.truth.accountIndex = this.who.accountIndex;
    d.truth.campaignIndex = -1;
    d.truth.extraction = false;
    this.index++;
    if (this.index < suite.prompts) return t + 200 + rng.int(600);
    this.index = 0;
    // Scheduled runs drift by seconds, not minutes.
    return t - (suite.prompts - 1) * 600 + suite.periodMs + rng.int(5_000);
  }
}

/**
 * A student in a class that opens accounts together: in one lecture everyone pastes the same
 * handout problems with the teacher's "explain it step by step" request, then uses the
 * account as an ordinary person would (`after`). Content and a start burst, as a hydra shows
 * at its start, and honest: the class asks the same few problems, a campaign harvests many.
 */
export class ClassStudentSource implements Source {
  private asked = 0;

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly who: Identity,
    private readonly ip: string,
    private readonly net: Network,
    private readonly profile: RequestProfile,
    private readonly lesson: {
      startMs: number;
      /** The handout's family (kind "assignment"); its language is the class's. */
      family: number;
      problems: readonly number[];
      /** Variant 0 is the teacher's wording; a student who rephrases has a variant of their own. */
      variant: number;
      language: string;
    },
    private readonly after: Source,
  ) {}

  first(): number {
    // Everyone signs up in the first twenty minutes of the lecture.
    return this.lesson.startMs + 20 * 60_000 * this.rng.next();
  }

  emit(t: number, d: Draft): number {
    const { rng, lesson } = this;
    if (this.asked >= lesson.problems.length) return this.after.emit(t, d);
    d.prompt.topic = "math";
    d.prompt.language = lesson.language;
    setPrompt(d, lesson.family, lesson.variant, lesson.problems[this.asked] as number, -1, 0, 0.6, -1);
    fillRequest(d, t, this.world, rng, this.who, this.ip, this.net, this.profile);
    d.truth.accountIndex = this.who.accountIndex;
    d.truth.campaignIndex = -1;
    d.truth.extraction = false;
    this.asked++;
    // Reading the answer and trying the next problem takes minutes.
    if (this.asked < lesson.problems.length) return t + rng.lognormal(240_000, 0.5);
    // Most keep the account and come back as ordinary users; some never return.
    return rng.chance(0.6) ? t + rng.exp(8 * 3_600_000) : Number.POSITIVE_INFINITY;
  }
}
