// Test support, not for production: the pre-issue-12 translation, which stalls for about a day
// on a prompt with a line of 45 "#". Load it into a worker with workerTranslator({ module }).
export const STALLING_TRANSLATION = new URL("./stalling-translation.ts", import.meta.url);
// A translation whose first record stalls once (see stall-once-translation.ts).
export const STALL_ONCE_TRANSLATION = new URL("./stall-once-translation.ts", import.meta.url);
