import type { Alert, SharedFingerprint, Signal } from "@distillguard/contract";

export interface LifecycleConfig {
  /** Score that opens an alert, and the lower one under which it may resolve (hysteresis). */
  openScore: number;
  resolveScore: number;
  /** Evaluations below resolveScore (or not seen) before the alert resolves. */
  resolveAfter: number;
}

export interface State {
  id: string;
  openedAt: number;
  revision: number;
  lowStreak: number;
  severity: Alert["severity"];
}

export function severityOf(score: number, open: number): Alert["severity"] {
  return score >= open * 2 ? "critical" : score >= open * 1.5 ? "high" : score >= open ? "medium" : "low";
}

/**
 * One alert per subject: open → update (only when the severity changes) → resolved after a
 * run of low evaluations. A subject that crosses the threshold back and forth inside the
 * hysteresis band produces no records: no flapping.
 */
export class AlertLifecycle {
  private readonly open = new Map<string, State>();

  constructor(
    private readonly kind: Alert["subject_kind"],
    private readonly cfg: LifecycleConfig,
  ) {}

  get openCount(): number {
    return this.open.size;
  }

  isOpen(subject: string): boolean {
    return this.open.has(subject);
  }

  /** The subject's score at this evaluation; returns the record to emit, if any. */
  observe(
    subject: string,
    score: number,
    nowMs: number,
    detail: { signals: Signal[]; shared?: SharedFingerprint[]; members?: number; summary: string },
  ): Alert | null {
    const cfg = this.cfg;
    let s = this.open.get(subject);
    if (!s) {
      if (score < cfg.openScore) return null;
      s = {
        id: `${this.kind}:${subject}:${nowMs}`,
        openedAt: nowMs,
        revision: 0,
        lowStreak: 0,
        severity: severityOf(score, cfg.openScore),
      };
      this.open.set(subject, s);
      return this.record(subject, s, "open", score, nowMs, detail);
    }
    if (score < cfg.resolveScore) {
      if (++s.lowStreak >= cfg.resolveAfter) return this.resolve(subject, nowMs, score, detail.summary);
      return null;
    }
    s.lowStreak = 0;
    const severity = severityOf(Math.max(score, cfg.openScore), cfg.openScore);
    if (severity === s.severity) return null;
    s.severity = severity;
    s.revision++;
    return this.record(subject, s, "update", score, nowMs, detail);
  }

  /** The subject was not evaluated (inactive): counts like a low score. */
  quiet(subject: string, nowMs: number): Alert | null {
    const s = this.open.get(subject);
    if (!s) return null;
    if (++s.lowStreak >= this.cfg.resolveAfter) return this.resolve(subject, nowMs, 0, `${subject} inactive`);
    return null;
  }

  subjects(): string[] {
    return [...this.open.keys()];
  }

  /** Open alerts' state, for checkpoints. */
  snapshot(): [string, State][] {
    return [...this.open].map(([k, v]) => [k, { ...v }]);
  }

  restore(entries: readonly [string, State][]): void {
    this.open.clear();
    for (const [k, v] of entries) this.open.set(k, { ...v });
  }

  private resolve(subject: string, nowMs: number, score: number, summary: string): Alert {
    const s = this.open.get(subject) as State;
    this.open.delete(subject);
    s.revision++;
    return this.record(subject, s, "resolved", score, nowMs, {
      signals: [],
      summary: `resolved: ${summary}`,
    });
  }

  private record(
    subject: string,
    s: State,
    state: Alert["state"],
    score: number,
    nowMs: number,
    d: { signals: Signal[]; shared?: SharedFingerprint[]; members?: number; summary: string },
  ): Alert {
    return {
      alert_id: s.id,
      revision: s.revision,
      subject_kind: this.kind,
      subject_id: subject,
      state,
      severity: s.severity,
      score,
      opened_at_ms: s.openedAt,
      event_time_ms: nowMs,
      member_count: d.members ?? 1,
      top_signals: d.signals,
      shared_fingerprints: d.shared ?? [],
      summary: d.summary,
    };
  }
}
