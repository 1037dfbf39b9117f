// Test support, not for production code: adversarial text, a growth measure, and the
// pre-issue-12 template expressions kept as an oracle and as a record that stalls a worker.

// The linear stage the oracle is compared with: maskTemplate without the view and the fold.
export { maskFolded } from "../template.ts";
export { ADVERSARIES, type Adversary, growthRatio } from "./adversarial.ts";
export { maskFoldedBacktracking } from "./template-backtracking.ts";
