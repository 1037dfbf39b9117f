export { isNoPrompt, NO_PROMPT } from "./absent.ts";
export {
  COT_SIGNALS,
  type CotSignal,
  cotElicitationScore,
  cotElicitationSignals,
} from "./cot.ts";
export {
  type ElicitationScorer,
  fingerprintPrompt,
  type PromptFingerprint,
  type PromptInput,
} from "./fingerprint.ts";
export { frameOfMasked, type QuestionFrame, questionFrame } from "./frame.ts";
export { fnv1a64, type Hash64, hammingDistance, hash64, hash64FromHex, hash64Hex } from "./hash.ts";
export { foldText, normalizeText } from "./normalize.ts";
export { type ResponseTrace, responseTrace } from "./response.ts";
export { simhash64 } from "./simhash.ts";
export { maskTemplate, SLOT_LABELS, templateHash } from "./template.ts";
export { classifyTopic, TOPICS, type Topic } from "./topic.ts";
export { boundedView, VIEW_WHOLE_LIMIT } from "./view.ts";
