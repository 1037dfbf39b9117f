// Campaign alerts: the shared lifecycle (packages/alerts) with the linker's numbers, and
// what a campaign alert says.

import { AlertLifecycle } from "@distillguard/alerts";
import type { SharedFingerprint, Signal } from "@distillguard/contract";
import type { LinkerConfig } from "./config.ts";

/** The campaign alert lifecycle under `config`: the same rules as account alerts. */
export function campaignAlerts(config: LinkerConfig): AlertLifecycle {
  return new AlertLifecycle(
    "campaign",
    {
      openScore: config.alertScore,
      resolveScore: config.resolveScore,
      resolveAfter: config.resolveAfter,
      severity: config.severity,
      memberChange: config.memberChange,
    },
    {
      resolvedSummary: (id) =>
        `campaign ${id} quiet or below threshold for ${config.resolveAfter} evaluations`,
    },
  );
}

/** Why each signal can be missing, for alerts that say so. */
const absentBecause: Record<string, string> = {
  trace_rate: "under 5 answers in the logs: failures, redacted messages, or a gateway that logs none",
  multi_asn_share: "no client ASN in the logs, or under 3 members seen twice with one",
  multi_prefix_share: "no client address in the logs, or under 3 members seen twice with one",
  shared_prefix_density: "no client address in the logs",
  start_burst_share:
    "the linker is still warming up (every account is new to it), or too few other newcomers to compare with",
  fresh_share:
    "no account spend in the logs (a LiteLLM proxy logs it for teams, users and keys when it has a database), or under 3 members seen with one",
};

/** The alert's note on signals its sources did not carry. */
function unavailable(absent: readonly string[]): string {
  if (absent.length === 0) return "";
  return `; unavailable: ${absent.map((n) => `${n} (${absentBecause[n] ?? "not in the logs"})`).join(", ")}`;
}

/**
 * One line for a campaign alert: how many accounts, linked by what (the three most shared
 * fingerprints), the strongest signal against its baseline, and what the logs lacked.
 */
export function campaignSummary(
  members: number,
  shared: readonly SharedFingerprint[],
  signals: readonly Signal[],
  absent: readonly string[],
): string {
  const names = shared
    .slice(0, 3)
    .map((s) => `${s.kind} ${s.value} (${s.member_count} accounts)`)
    .join(", ");
  const top = signals[0];
  return `${members} accounts linked by ${names}; ${top ? `${top.name} ${top.value.toFixed(2)} vs baseline ${top.baseline.toFixed(2)}` : ""}${unavailable(absent)}`;
}
