// Test support, not for production code: adversarial text, a growth measure, and the
// pre-issue-12 template expressions kept as an oracle and as a record that stalls a worker.
export { ADVERSARIES, type Adversary, growthRatio } from "./adversarial.ts";
export { maskFoldedBacktracking } from "./template-backtracking.ts";
