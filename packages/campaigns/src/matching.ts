// Campaigns across evaluations: each linked component continues the known campaign it
// overlaps most (stable ids), and campaigns that grew together merge into it.

import type { AccountState } from "./accounts.ts";

export interface CampaignState {
  id: string;
  /** Member account slots as of the campaign's last evaluation. */
  members: Set<number>;
  /** Totals of members that left or expired while in the campaign. */
  carried: { requests: number; output: number; reasoning: number };
  /** The leakage account when the campaign first scored at the alert threshold. */
  beforeFirstAlert: { requests: number; output: number } | null;
}

/** A component's campaign, and the campaigns merged into it (in merge order). */
export interface Match {
  campaign: CampaignState;
  absorbed: CampaignState[];
}

/** A member leaves `c`: its totals stay in the campaign's leakage account. */
export function leave(c: CampaignState, a: AccountState | undefined): void {
  if (!a) return;
  c.carried.requests += a.requests;
  c.carried.output += a.output;
  c.carried.reasoning += a.reasoning;
}

/**
 * The known campaign this component continues (largest member overlap: at least half of the
 * smaller side), or a new one named after `anchor()` (its first linking fingerprint) and the
 * time. Campaigns that grew together are merged into it: removed from `campaigns`, their
 * leakage accounts carried over, and returned so their alerts can resolve as merged: one
 * actor keeps one alert.
 */
export function matchComponent(
  campaigns: Map<string, CampaignState>,
  members: Set<number>,
  nowMs: number,
  accounts: ReadonlyMap<number, AccountState>,
  anchor: () => string,
): Match {
  const overlaps: { c: CampaignState; overlap: number }[] = [];
  for (const c of campaigns.values()) {
    let overlap = 0;
    for (const m of members) if (c.members.has(m)) overlap++;
    if (overlap * 2 >= Math.min(c.members.size, members.size) && overlap > 0) overlaps.push({ c, overlap });
  }
  overlaps.sort((x, y) => y.overlap - x.overlap || x.c.id.localeCompare(y.c.id));
  const best = overlaps[0]?.c;
  if (best) {
    for (const m of best.members) if (!members.has(m)) leave(best, accounts.get(m));
    best.members = members;
    const absorbed = overlaps.slice(1).map(({ c }) => c);
    for (const from of absorbed) {
      best.carried.requests += from.carried.requests;
      best.carried.output += from.carried.output;
      best.carried.reasoning += from.carried.reasoning;
      best.beforeFirstAlert ??= from.beforeFirstAlert;
      campaigns.delete(from.id);
    }
    return { campaign: best, absorbed };
  }
  // Two components new at one evaluation can share an anchor: the id must still be theirs alone,
  // or the second overwrites the first and inherits its alert.
  const base = `cmp_${anchor()}_${nowMs.toString(36)}`;
  let id = base;
  for (let n = 2; campaigns.has(id); n++) id = `${base}_${n}`;
  const c: CampaignState = {
    id,
    members,
    carried: { requests: 0, output: 0, reasoning: 0 },
    beforeFirstAlert: null,
  };
  campaigns.set(c.id, c);
  return { campaign: c, absorbed: [] };
}
