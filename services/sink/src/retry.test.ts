import { describe, expect, it } from "vitest";
import { backoffDelay, describeInsertError, retryUntilStored } from "./retry.ts";

const policy = { initialMs: 100, maxMs: 1_000 };

describe("backoffDelay", () => {
  it("doubles from the initial delay up to the cap, jittered between half and all of it", () => {
    const low = [1, 2, 3, 4, 5, 10, 100].map((a) => backoffDelay(a, policy, () => 0));
    const high = [1, 2, 3, 4, 5, 10, 100].map((a) => backoffDelay(a, policy, () => 1));
    expect(high).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    expect(low).toEqual([50, 100, 200, 400, 500, 500, 500]);
  });
});

describe("retryUntilStored", () => {
  const noSleep = async () => {};

  it("retries an outage with growing delays, reporting each attempt, until the insert succeeds", async () => {
    let calls = 0;
    const retries: Array<[number, number]> = [];
    const outcome = await retryUntilStored(
      async () => {
        calls += 1;
        if (calls < 4)
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8123"), { code: "ECONNREFUSED" });
      },
      {
        policy,
        signal: new AbortController().signal,
        random: () => 1,
        sleep: noSleep,
        onRetry: (attempt, delayMs) => retries.push([attempt, delayMs]),
      },
    );
    expect(outcome).toEqual({ stored: true, attempts: 4 });
    expect(retries).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
    ]);
  });

  it("gives up without storing when aborted, and never calls the insert again", async () => {
    const abort = new AbortController();
    let calls = 0;
    const outcome = await retryUntilStored(
      async () => {
        calls += 1;
        throw new Error("Timeout error.");
      },
      {
        policy,
        signal: abort.signal,
        sleep: noSleep,
        onRetry: (attempt) => {
          if (attempt === 2) abort.abort();
        },
      },
    );
    expect(outcome).toEqual({ stored: false, attempts: 2 });
    expect(calls).toBe(2);
  });

  it("rethrows a bug instead of retrying it", async () => {
    let calls = 0;
    await expect(
      retryUntilStored(
        async () => {
          calls += 1;
          throw new TypeError("x is not a function");
        },
        { policy, signal: new AbortController().signal, sleep: noSleep, onRetry: () => {} },
      ),
    ).rejects.toThrow(TypeError);
    expect(calls).toBe(1);
  });
});

describe("describeInsertError", () => {
  it("keeps a ClickHouse error's code and name but not its message, which quotes row data", () => {
    const e = Object.assign(new Error('Cannot parse input: expected , before: .5,"account_id":"acct-7f3a"'), {
      code: "27",
      type: "CANNOT_PARSE_INPUT_ASSERTION_FAILED",
    });
    const d = describeInsertError(e);
    expect(d).toEqual({ error: "Error", code: "27", type: "CANNOT_PARSE_INPUT_ASSERTION_FAILED" });
    expect(JSON.stringify(d)).not.toContain("acct-7f3a");
  });

  it("keeps a network error's message, which names only the address", () => {
    const e = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8123"), {
      code: "ECONNREFUSED",
      syscall: "connect",
    });
    expect(describeInsertError(e)).toMatchObject({
      code: "ECONNREFUSED",
      message: "connect ECONNREFUSED 127.0.0.1:8123",
    });
  });
});
