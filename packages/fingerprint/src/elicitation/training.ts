/** What the training script and its tests need; the runtime only uses the committed weights. */
export {
  BUCKET_BITS,
  BUCKETS,
  MAX_N,
  ngramCodes,
  STRIDE,
  WINDOW,
  windowCount,
  windowEnd,
  windowStart,
} from "./features.ts";
export { codesIn, type ElicitationWeights, elicitationProbability, maxWindowLogit } from "./model.ts";
export { committedWeights, elicitationModelScoreNormalized, MODEL_HEAD, MODEL_TAIL } from "./score.ts";
export {
  DEFAULT_TRAINING,
  type TrainingOptions,
  type TrainingText,
  type TrainingWindow,
  trainElicitation,
} from "./train.ts";
