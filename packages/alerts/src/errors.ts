/** A lifecycle config the rules cannot work with; names the key, the value and what is allowed. */
export class AlertConfigError extends RangeError {
  constructor(
    readonly key: string,
    readonly value: number,
    readonly allowed: string,
  ) {
    super(`alert lifecycle config: ${key} is ${value}, expected ${allowed}`);
    this.name = "AlertConfigError";
  }
}
