import { clickhouseErrorCode, isDataError } from "./poison.ts";

/** Exponential backoff between insert attempts, capped, with jitter. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 10_000 };

/**
 * Delay before retry number `attempt` (1 = after the first failure): doubling from initialMs up
 * to maxMs, then "equal jitter" (half fixed, half random) so that sinks which lost the server
 * together do not all come back in the same millisecond, while none retries much sooner than
 * planned.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * Errors that retrying the same rows cannot cure: bugs, which end the sink instead of pausing it
 * forever, and rows the server refuses for their data, which the caller splits out
 * (insertSplittingRejects) rather than retrying.
 */
export function isRetriableInsertError(e: unknown): boolean {
  return !(
    isDataError(e) ||
    e instanceof TypeError ||
    e instanceof RangeError ||
    e instanceof ReferenceError ||
    e instanceof SyntaxError
  );
}

/**
 * What a log line may say about a failed insert. ClickHouse messages quote the input near a
 * parse error, i.e. row data, so only its error code and name are kept; a network error's
 * message names only the address.
 */
export function describeInsertError(e: unknown): Record<string, string> {
  if (!(e instanceof Error)) return { error: typeof e };
  const fields = e as Error & { code?: unknown; type?: unknown; syscall?: unknown };
  const out: Record<string, string> = { error: e.name };
  if (typeof fields.code === "string" || typeof fields.code === "number") out.code = String(fields.code);
  else {
    // 18.16's errors reach us as plain Errors whose code is only in the (row-quoting) message.
    const code = clickhouseErrorCode(e);
    if (code !== null) out.code = String(code);
  }
  if (typeof fields.type === "string") out.type = fields.type;
  if (typeof fields.syscall === "string" || /^timeout/i.test(e.message))
    out.message = e.message.slice(0, 200);
  return out;
}

export interface RetryHooks {
  policy: BackoffPolicy;
  /** A failed attempt; the next one follows after `delayMs`. */
  onRetry(attempt: number, delayMs: number, error: unknown): void;
  /** Aborting ends the wait and gives up (the sink is stopping). */
  signal: AbortSignal;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface RetryOutcome {
  stored: boolean;
  attempts: number;
}

/**
 * Runs `insert` until it succeeds, the signal aborts, or it throws an error retrying cannot cure
 * (rethrown: a bug, or rows the server refuses). Never gives
 * up on an outage by itself: rows it dropped would be rows lost once their offsets moved on.
 */
export async function retryUntilStored(
  insert: () => Promise<void>,
  hooks: RetryHooks,
): Promise<RetryOutcome> {
  const sleep = hooks.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt++) {
    if (hooks.signal.aborted) return { stored: false, attempts: attempt - 1 };
    try {
      await insert();
      return { stored: true, attempts: attempt };
    } catch (e) {
      if (!isRetriableInsertError(e)) throw e;
      if (hooks.signal.aborted) return { stored: false, attempts: attempt };
      const delayMs = backoffDelay(attempt, hooks.policy, hooks.random);
      hooks.onRetry(attempt, delayMs, e);
      await sleep(delayMs, hooks.signal);
    }
  }
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
