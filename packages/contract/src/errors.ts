/** Why a record could not be decoded; DLQ records carry it in their `dg-error-kind` header. */
export type ContractErrorKind =
  | "empty"
  | "not-single-object"
  | "unknown-schema"
  | "incompatible-schema"
  | "undecodable"
  | "invalid";

/** Every contract failure: never retriable, the bytes or value will not get better. */
export class ContractError extends Error {
  readonly kind: ContractErrorKind;
  readonly retriable = false;

  constructor(kind: ContractErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ContractError";
    this.kind = kind;
  }
}
