/**
 * Phrasing families: the ways a prompt can ask a model to write out its reasoning (campaign
 * families) or to explain something step by step for a person's own sake (learner families).
 * Each family is written in every language of `LANGUAGES`, several variants each; `{P}` marks
 * where the problem goes. A family is one source of variation: it is either in the tune set
 * (the elicitation model trains on it, the simulator's tune suite uses it) or in the test set
 * (nothing is ever fitted on it; reports quote it).
 */

/** The eleven languages of MGSM, so every phrasing has real problems in its own language. */
export const LANGUAGES = ["en", "zh", "ja", "ru", "th", "de", "es", "fr", "sw", "bn", "te"] as const;
export type Language = (typeof LANGUAGES)[number];

export type Split = "tune" | "test";

export interface FamilySpec {
  id: string;
  /** true: asks for the model's reasoning as output (extraction-style); false: a learner. */
  elicits: boolean;
  split: Split;
  /** What every variant in every language must keep, for whoever writes a new language. */
  rule: string;
}

export const FAMILIES: readonly FamilySpec[] = [
  {
    id: "zero_shot_trigger",
    elicits: true,
    split: "tune",
    rule: "A short trigger after the problem in the style of zero-shot CoT: 'Let's think step by step.', 'Let's work this out step by step to be sure we have the right answer.'",
  },
  {
    id: "explicit_trace",
    elicits: true,
    split: "tune",
    rule: "Plainly asks for the full chain of thought / all intermediate reasoning before the final answer. Keywords allowed.",
  },
  {
    id: "format_tags",
    elicits: true,
    split: "tune",
    rule: "An output-format demand: put the deliberation/working inside tags (<thinking>, <reasoning>, <scratchpad>) and the result inside <answer> tags. The tag names stay in English (as in real prompts); the instruction is in the language.",
  },
  {
    id: "roleplay",
    elicits: true,
    split: "tune",
    rule: "A role-play framing before the problem: the model plays a professor/examiner/detective who narrates aloud how they reach the answer, including doubts and checks.",
  },
  {
    id: "answer_prefix",
    elicits: true,
    split: "tune",
    rule: "Few-shot style scaffold: 'Question: {P}' then a line that starts the answer as a step-by-step answer ('Step-by-Step Answer:'), like MGSM exemplars.",
  },
  {
    id: "keyword_free",
    elicits: true,
    split: "test",
    rule: "Paraphrase that uses NO word for step, reasoning, think/thought, chain, logic, explain, work/working: e.g. 'Reconstruct the full deliberation that leads to the result, one inference per line, and only then state the result.'",
  },
  {
    id: "json_trace",
    elicits: true,
    split: "test",
    rule: "An output-format demand as JSON or a numbered list: a field/array holding each intermediate derivation, then a final-answer field.",
  },
  {
    id: "distill_rationale",
    elicits: true,
    split: "test",
    rule: "Asks for a detailed rationale that someone/something could learn from (a training example, a teaching dataset), then the answer.",
  },
  {
    id: "self_verify",
    elicits: true,
    split: "test",
    rule: "Solve, then re-check each part of the derivation and write down the check and any correction before the final answer.",
  },
  {
    id: "learner_help",
    elicits: false,
    split: "tune",
    rule: "A student in the first person, casual, stuck on homework, asking to be shown how to do it (may say 'step by step'): 'I don't get this one from my homework, can you show me how to do it step by step?'",
  },
  {
    id: "learner_check",
    elicits: false,
    split: "test",
    rule: "A student or parent who gives their own attempt/answer and asks whether it is right and where they went wrong: 'I got 42 for this, is that right? My son says it's 36.'",
  },
  {
    id: "tutor_prep",
    elicits: false,
    split: "test",
    rule: "A tutor, parent or teacher preparing a lesson: asks for a simple explanation a child can follow, or practice questions like this one.",
  },
];

export const familyById = (id: string): FamilySpec => {
  const f = FAMILIES.find((x) => x.id === id);
  if (!f) throw new Error(`unknown phrasing family "${id}"`);
  return f;
};
