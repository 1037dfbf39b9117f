import { isNoPrompt } from "./absent.ts";
import { cotScoreNormalized } from "./cot.ts";
import { elicitationModelScoreNormalized } from "./elicitation/score.ts";
import { frameOfMasked, type QuestionFrame, questionFrame } from "./frame.ts";
import { type Hash64, hash64 } from "./hash.ts";
import { collapseWhitespace, foldText } from "./normalize.ts";
import { simhashFolded } from "./simhash.ts";
import { maskFolded, maskFoldedLines } from "./template.ts";
import { classifyNormalized, type Topic } from "./topic.ts";
import { boundedView } from "./view.ts";

export interface PromptInput {
  readonly system?: string | null;
  readonly user: string;
  /**
   * The last user message, whose frame is taken (`questionFrame`); default `user` (one turn).
   * In a conversation the wrapper is around the question asked now, not the whole history.
   */
  readonly question?: string | null;
}

/**
 * What `cotElicitation` is: the keyword list (default), the trained model
 * (docs/elicitation.md), or the higher of the two.
 */
export type ElicitationScorer = "keywords" | "model" | "either";

/** Everything the detector may keep about a prompt: hashes and scores, never text. */
export interface PromptFingerprint {
  /** simhash64 of the user prompt; NO_PROMPT when the prompt has no text (see isNoPrompt). */
  readonly simhash: Hash64;
  /** templateHash of the user prompt; NO_PROMPT when the prompt has no text. */
  readonly templateHash: Hash64;
  /** templateHash of the system prompt; null when there is none or it is blank. */
  readonly systemPromptHash: Hash64 | null;
  /** cotElicitationScore over the system and user prompts together. */
  readonly cotElicitation: number;
  /** classifyTopic of the user prompt. */
  readonly topic: Topic | null;
  /** questionFrame of the question: its first and last paragraphs' template hashes. */
  readonly frame: QuestionFrame;
}

/**
 * All fingerprints of one request, folding each text's bounded view once, so the cost is
 * bounded whatever the prompt's size. Equal, field by field, to calling the single-purpose
 * functions (fingerprint.test.ts checks it).
 */
export function fingerprintPrompt(
  input: PromptInput,
  scorer: ElicitationScorer = "keywords",
): PromptFingerprint {
  const user = foldText(boundedView(input.user));
  const userNormalized = collapseWhitespace(user);
  const system = input.system == null ? "" : foldText(boundedView(input.system));
  const systemNormalized = collapseWhitespace(system);
  const hasSystem = systemNormalized !== "";
  const hasUser = userNormalized !== "";
  // Masked once: the template hash and, for one turn, the question's frame both read it.
  const userMasked = hasUser ? maskFoldedLines(user) : "";
  return {
    simhash: hasUser ? present(simhashFolded(user)) : new Uint8Array(8),
    templateHash: hasUser ? present(hash64(collapseWhitespace(userMasked))) : new Uint8Array(8),
    systemPromptHash: hasSystem ? hash64(maskFolded(system)) : null,
    // Joined by a newline: normalized text never contains one and pattern gaps do not cross it.
    cotElicitation: elicitation(
      hasSystem ? `${systemNormalized}\n${userNormalized}` : userNormalized,
      scorer,
    ),
    topic: classifyNormalized(userNormalized),
    // One turn: the question is the prompt, already folded.
    frame:
      input.question == null || input.question === input.user
        ? frameOfMasked(userMasked)
        : questionFrame(input.question),
  };
}

/** A real text's hash is never NO_PROMPT: the one-in-2^64 zero becomes 1. */
function present(h: Hash64): Hash64 {
  if (isNoPrompt(h)) h[7] = 1;
  return h;
}

function elicitation(normalized: string, scorer: ElicitationScorer): number {
  if (scorer === "keywords") return cotScoreNormalized(normalized);
  const model = elicitationModelScoreNormalized(normalized);
  return scorer === "model" ? model : Math.max(model, cotScoreNormalized(normalized));
}
