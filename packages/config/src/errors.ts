export interface ConfigIssue {
  /** Environment variable name, e.g. `KAFKA_BROKERS`. */
  readonly key: string;
  /** What is wrong and what to set instead; never includes secret values. */
  readonly message: string;
}

/** Every problem found in one pass, so an operator fixes them all at once. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.key}: ${i.message}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}
