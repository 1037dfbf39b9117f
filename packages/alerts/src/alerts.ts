import type { Alert, Severity, SharedFingerprint, Signal } from "@distillguard/contract";
import { AlertConfigError } from "./errors.ts";

export interface LifecycleConfig {
  /** Score at which an alert opens. */
  openScore: number;
  /**
   * Scores below this count towards resolution; an open alert scoring in [resolveScore,
   * openScore) stays open and quiet (hysteresis: no flapping around one threshold).
   */
  resolveScore: number;
  /** Consecutive evaluations below resolveScore, or quiet, before the alert resolves. */
  resolveAfter: number;
  /** Absolute scores from which an alert is high and critical; from openScore it is medium. */
  severity: { high: number; critical: number };
  /**
   * Share of the last reported member count by which the members must change (by one member
   * at least) for an update: 0.1 reports a campaign that grew from 40 to 44 accounts.
   */
  memberChange: number;
}

/** What the caller saw of a subject at one evaluation, carried by the record it causes. */
export interface AlertDetail {
  signals: Signal[];
  shared?: SharedFingerprint[];
  /** Accounts involved; 1 when not given (an account alert). */
  members?: number;
  /** One line for an open or update record. Never prompt text. */
  summary: string;
}

/** An alert a merge folded into another subject's alert: named in the survivor's next record. */
export interface AbsorbedAlert {
  id: string;
  openedAt: number;
}

/**
 * An open alert as snapshots carry it. The optional fields are absent from checkpoints written
 * before this package existed (the detector's account alerts): restore fills their defaults.
 */
export interface OpenAlertState {
  id: string;
  openedAt: number;
  revision: number;
  lowStreak: number;
  /** Severity of the alert's last record. */
  severity: Severity;
  /** Member count of the alert's last record; default 1. */
  members?: number;
  /**
   * false: the alert continues one absorbed in a merge and has not been announced (`open`)
   * under this subject yet; default true.
   */
  announced?: boolean;
  /** Absorbed alerts the next record has to name; default none. */
  absorbed?: AbsorbedAlert[];
}

type State = Required<OpenAlertState>;

export interface LifecycleOptions {
  /**
   * Summary of a resolved record; `detail` is null when the subject went quiet (was not
   * evaluated). Default: `resolved: <detail summary>` or `resolved: <subject> inactive`.
   */
  resolvedSummary?: (subject: string, detail: AlertDetail | null) => string;
}

/** The severity of a score under `config`: medium from openScore, then high and critical. */
export function severityOf(score: number, config: Pick<LifecycleConfig, "openScore" | "severity">): Severity {
  return score >= config.severity.critical
    ? "critical"
    : score >= config.severity.high
      ? "high"
      : score >= config.openScore
        ? "medium"
        : "low";
}

/** Checks a config once, naming the key, the value and what is allowed. */
export function validateLifecycleConfig(c: LifecycleConfig): LifecycleConfig {
  const check = (key: string, value: number, ok: boolean, allowed: string) => {
    if (!ok) throw new AlertConfigError(key, value, allowed);
  };
  check("openScore", c.openScore, Number.isFinite(c.openScore), "a finite number");
  check(
    "resolveScore",
    c.resolveScore,
    Number.isFinite(c.resolveScore) && c.resolveScore <= c.openScore,
    `a finite number ≤ openScore (${c.openScore})`,
  );
  check(
    "resolveAfter",
    c.resolveAfter,
    Number.isInteger(c.resolveAfter) && c.resolveAfter >= 1,
    "an integer ≥ 1",
  );
  check(
    "severity.high",
    c.severity.high,
    c.severity.high >= c.openScore,
    `a number ≥ openScore (${c.openScore})`,
  );
  check(
    "severity.critical",
    c.severity.critical,
    c.severity.critical >= c.severity.high,
    `a number ≥ severity.high (${c.severity.high})`,
  );
  check(
    "memberChange",
    c.memberChange,
    Number.isFinite(c.memberChange) && c.memberChange >= 0,
    "a finite number ≥ 0",
  );
  return c;
}

/** `2026-03-02T01:05:00Z`: whole seconds without the milliseconds. */
function isoTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

/** The history note a survivor's next record appends: which alerts it absorbed, opened when. */
export function absorbedNote(absorbed: readonly AbsorbedAlert[]): string {
  if (absorbed.length === 0) return "";
  return `; absorbed ${absorbed.map((a) => `${a.id} (opened ${isoTime(a.openedAt)})`).join(", ")}`;
}

/**
 * One alert per subject, the same rules for account and campaign alerts:
 *
 * - **open** when the score reaches `openScore` (alert_id `<kind>:<subject>:<opened ms>`);
 * - **update** only on material change: another severity, the member count changed by
 *   `memberChange` of the last reported count (one member at least), or alerts absorbed in a
 *   merge to name. A score wobbling inside [resolveScore, openScore) emits nothing;
 * - **resolved** after `resolveAfter` consecutive evaluations below `resolveScore` or quiet;
 *   a resolved subject may open a new alert later, under a new id;
 * - **merge**: the absorbed alert resolves as `merged into <survivor>`; the survivor's alert
 *   keeps its `opened_at` and its next record names what it absorbed, or, without an open
 *   alert, the survivor continues the absorbed one (same opening, announced as `open`).
 *
 * `opened_at` never changes after an alert's open record. Pure: event time in, records out.
 */
export class AlertLifecycle {
  private readonly open = new Map<string, State>();
  private readonly resolvedSummary: (subject: string, detail: AlertDetail | null) => string;

  constructor(
    readonly kind: Alert["subject_kind"],
    private readonly config: LifecycleConfig,
    options: LifecycleOptions = {},
  ) {
    validateLifecycleConfig(config);
    this.resolvedSummary =
      options.resolvedSummary ??
      ((subject, detail) => (detail ? `resolved: ${detail.summary}` : `resolved: ${subject} inactive`));
  }

  get openCount(): number {
    return this.open.size;
  }

  isOpen(subject: string): boolean {
    return this.open.has(subject);
  }

  /** Subjects with an open alert, in the order their alerts opened. */
  subjects(): string[] {
    return [...this.open.keys()];
  }

  /** The subject's score at this evaluation; returns the record to emit, if any. */
  observe(subject: string, score: number, nowMs: number, detail: AlertDetail): Alert | null {
    const cfg = this.config;
    const members = detail.members ?? 1;
    const s = this.open.get(subject);
    if (!s) {
      if (score < cfg.openScore) return null;
      const opened: State = {
        id: `${this.kind}:${subject}:${nowMs}`,
        openedAt: nowMs,
        revision: 0,
        lowStreak: 0,
        severity: severityOf(score, cfg),
        members,
        announced: true,
        absorbed: [],
      };
      this.open.set(subject, opened);
      return this.record(subject, opened, "open", opened.severity, score, nowMs, detail, detail.summary);
    }
    if (!s.announced) {
      // Continues an alert absorbed in a merge: announced under this subject at its first
      // evaluation, whatever the score, so the time the actor was first alerted is not lost.
      s.announced = true;
      s.severity = severityOf(Math.max(score, cfg.openScore), cfg);
      s.members = members;
      return this.record(subject, s, "open", s.severity, score, nowMs, detail, detail.summary);
    }
    if (score < cfg.resolveScore) {
      if (++s.lowStreak >= cfg.resolveAfter) return this.resolve(subject, s, score, nowMs, detail, members);
      // On the way to resolution only a merge is news.
      if (s.absorbed.length === 0) return null;
    } else {
      s.lowStreak = 0;
    }
    // Inside the band an open alert is still at least medium.
    const severity = severityOf(Math.max(score, cfg.openScore), cfg);
    const changed = Math.abs(members - s.members) >= Math.max(1, cfg.memberChange * s.members);
    if (severity === s.severity && !changed && s.absorbed.length === 0) return null;
    s.severity = severity;
    s.members = members;
    s.revision++;
    return this.record(subject, s, "update", severity, score, nowMs, detail, detail.summary);
  }

  /**
   * The subject was not evaluated (inactive, dissolved): counts like a low score. `members`:
   * the member count its resolved record carries; default the last reported one.
   */
  quiet(subject: string, nowMs: number, members?: number): Alert | null {
    const s = this.open.get(subject);
    if (!s) return null;
    if (++s.lowStreak < this.config.resolveAfter) return null;
    if (!s.announced) {
      // A continuation never evaluated has no records; the merged alerts' own records close them.
      this.open.delete(subject);
      return null;
    }
    return this.resolve(subject, s, 0, nowMs, null, members);
  }

  /**
   * Subject `from` grew together with `into` and ends. Returns the record of `from`'s alert
   * resolving as `merged into <into>`, if it had one open and announced (`members`: the count it carries).
   * If `into` has an open alert, that alert keeps its opening and its next record (at `into`'s
   * next `observe`) names the absorbed alert; otherwise `into` continues the absorbed alert
   * (`<kind>:<into>:<its opening>`), announced as `open` at `into`'s next `observe`. Until
   * then, merging an alert opened earlier still moves the continued alert to that opening.
   */
  merge(from: string, into: string, nowMs: number, members?: number): Alert | null {
    const f = this.open.get(from);
    if (!f) return null;
    this.open.delete(from);
    // What `from` absorbed before is the survivor's history now, not `from`'s last word. An
    // alert `from` continued but never announced has no records: it is not named, and it
    // resolves silently (its first record must not be a resolution).
    const absorbed = f.announced ? [{ id: f.id, openedAt: f.openedAt }, ...f.absorbed] : f.absorbed;
    f.absorbed = [];
    f.revision++;
    const resolved = !f.announced
      ? null
      : this.record(
          from,
          f,
          "resolved",
          "low",
          0,
          nowMs,
          { signals: [], members: members ?? f.members, summary: "" },
          `merged into ${into}`,
        );
    const s = this.open.get(into);
    if (!s) {
      const openedAt = this.continuedOpening(into, absorbed, nowMs);
      this.open.set(into, {
        id: `${this.kind}:${into}:${openedAt}`,
        openedAt,
        revision: 0,
        lowStreak: 0,
        severity: f.severity,
        members: f.members,
        announced: false,
        absorbed,
      });
    } else {
      s.absorbed.push(...absorbed);
      if (!s.announced) {
        // Not announced yet, so its opening is not fixed: the earliest absorbed alert's stands.
        s.openedAt = this.continuedOpening(into, s.absorbed, nowMs);
        s.id = `${this.kind}:${into}:${s.openedAt}`;
      }
    }
    return resolved;
  }

  /**
   * The opening of an alert `into` continues: the earliest of the alerts it absorbed. If that
   * gives the id of one of them (`into` absorbs, through another subject, its own alert that a
   * merge resolved), the continuation is a new alert opened now: a resolved id never reopens.
   */
  private continuedOpening(into: string, absorbed: readonly AbsorbedAlert[], nowMs: number): number {
    const taken = new Set(absorbed.map((a) => a.id));
    let openedAt = absorbed.reduce((m, a) => Math.min(m, a.openedAt), nowMs);
    if (!taken.has(`${this.kind}:${into}:${openedAt}`)) return openedAt;
    openedAt = nowMs;
    while (taken.has(`${this.kind}:${into}:${openedAt}`)) openedAt++;
    return openedAt;
  }

  /** Open alerts' state, for checkpoints (copies). */
  snapshot(): [string, OpenAlertState][] {
    return [...this.open].map(([k, v]) => [k, { ...v, absorbed: v.absorbed.map((a) => ({ ...a })) }]);
  }

  /** Replaces the state with a snapshot's; reads snapshots without the optional fields too. */
  restore(entries: readonly (readonly [string, OpenAlertState])[]): void {
    this.open.clear();
    for (const [k, v] of entries) {
      this.open.set(k, {
        id: v.id,
        openedAt: v.openedAt,
        revision: v.revision,
        lowStreak: v.lowStreak,
        severity: v.severity,
        members: v.members ?? 1,
        announced: v.announced ?? true,
        absorbed: (v.absorbed ?? []).map((a) => ({ id: a.id, openedAt: a.openedAt })),
      });
    }
  }

  private resolve(
    subject: string,
    s: State,
    score: number,
    nowMs: number,
    detail: AlertDetail | null,
    members: number | undefined,
  ): Alert {
    this.open.delete(subject);
    s.revision++;
    // A resolved alert no longer stands: its record is low, whatever it was before.
    return this.record(
      subject,
      s,
      "resolved",
      "low",
      score,
      nowMs,
      detail ?? { signals: [], members: members ?? s.members, summary: "" },
      this.resolvedSummary(subject, detail),
    );
  }

  private record(
    subject: string,
    s: State,
    state: Alert["state"],
    severity: Severity,
    score: number,
    nowMs: number,
    d: AlertDetail,
    summary: string,
  ): Alert {
    // A merge's history goes into the survivor's next record, once.
    const note = absorbedNote(s.absorbed);
    if (note !== "") s.absorbed = [];
    return {
      alert_id: s.id,
      revision: s.revision,
      subject_kind: this.kind,
      subject_id: subject,
      state,
      severity,
      score,
      opened_at_ms: s.openedAt,
      event_time_ms: nowMs,
      member_count: d.members ?? 1,
      top_signals: d.signals,
      shared_fingerprints: d.shared ?? [],
      summary: summary + note,
    };
  }
}
