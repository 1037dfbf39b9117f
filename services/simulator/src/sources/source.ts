import type { Draft } from "../draft.ts";

/**
 * One generator of traffic in event time: an account, a group acting as one (a NAT, a batch
 * job), or a campaign's controller. The engine keeps every source in one heap by next time.
 */
export interface Source {
  /** Time of the first request, ms; Infinity when the source never sends. */
  first(): number;
  /** Fills `d` for the request at `t` and returns the time of the next one (Infinity: done). */
  emit(t: number, d: Draft): number;
}

export function setPrompt(
  d: Draft,
  family: number,
  variant: number,
  instance: number,
  conversation: number,
  turn: number,
  cot: number,
  system: number,
): void {
  const p = d.prompt;
  p.family = family;
  p.variant = variant;
  p.instance = instance >>> 0;
  p.conversation = conversation;
  p.turn = turn;
  p.cot = cot;
  p.system = system;
}
