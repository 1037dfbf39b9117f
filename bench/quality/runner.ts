// How a run's events reach a detector and its alerts come back: the seam between the quality
// bench and what it measures. In process today; through Kafka once the streaming services exist.

import type { Alert, ApiRequest, CampaignUpdate } from "@distillguard/contract";
import { Detector, type DetectorConfig, defaultDetectorConfig } from "@distillguard/detector";

/** Everything the detector emitted on one run, in the order it emitted it. */
export interface DetectionOutput {
  /** Account and campaign alerts: open, update and resolved records. */
  alerts: Alert[];
  /** Campaign updates; `members` lists every member (no 1000 cap) where the backend can. */
  campaigns: CampaignUpdate[];
  /** Campaign updates whose member list the backend could not complete. */
  truncatedUpdates: number;
}

/** One run: requests in, in event-time order; at the end, everything the detector said. */
export interface DetectionSession {
  send(r: ApiRequest): void;
  /** Backpressure for a backend that ships events elsewhere (the simulator awaits it). */
  drain?(): Promise<void>;
  /** The stream ends at event time `endMs`. */
  finish(endMs: number): Promise<DetectionOutput>;
}

export interface RunContext {
  startMs: number;
  /** Model launches the detector is told about (they count towards new_model_share). */
  releases: readonly { model: string; atMs: number }[];
}

export interface DetectionBackend {
  readonly name: string;
  /** How the run was detected, for the report. */
  readonly describe: string;
  open(run: RunContext): DetectionSession;
}

/**
 * The detector library in this process, evaluated on a fixed schedule of event time (the
 * watermark a streaming service would advance) and once more at the end of the stream.
 */
export function inProcessBackend(options: {
  evaluateEveryMs: number;
  config?: DetectorConfig;
}): DetectionBackend {
  const every = options.evaluateEveryMs;
  return {
    name: "in-process",
    describe: `@distillguard/detector in process, evaluate every ${every / 60_000} min of event time`,
    open(run) {
      const detector = new Detector(options.config ?? defaultDetectorConfig);
      const pending = [...run.releases].sort((x, y) => x.atMs - y.atMs);
      const out: DetectionOutput = { alerts: [], campaigns: [], truncatedUpdates: 0 };
      let next = run.startMs + every;
      const evaluate = (t: number) => {
        const o = detector.evaluate(t);
        out.alerts.push(...o.alerts);
        for (const c of o.campaigns) {
          // Updates list at most 1000 members; the linker in this process knows them all.
          out.campaigns.push(
            c.members_truncated
              ? { ...c, members: detector.linker.membersOf(c.campaign_id), members_truncated: false }
              : c,
          );
        }
      };
      return {
        send(r) {
          while (r.event_time_ms >= next) {
            evaluate(next);
            next += every;
          }
          while (pending.length > 0 && r.event_time_ms >= (pending[0]?.atMs ?? Number.POSITIVE_INFINITY)) {
            detector.release(pending.shift()?.model ?? "");
          }
          detector.observe(r);
        },
        async finish(endMs) {
          while (next < endMs) {
            evaluate(next);
            next += every;
          }
          evaluate(endMs);
          return out;
        },
      };
    },
  };
}

export class PipelineUnavailableError extends Error {
  constructor() {
    super(
      "--pipeline runs the suite through Kafka and the streaming detector and campaign-linker " +
        "services (issue 6), which do not exist yet; run without --pipeline for the in-process detector",
    );
    this.name = "PipelineUnavailableError";
  }
}

/**
 * Through the real Kafka pipeline: produce each run's events to a fresh topic, consume the
 * alerts and campaign-updates topics until the detector's watermark passes the run's end.
 * Needs the detector and linker services of issue 6.
 */
export function pipelineBackend(): DetectionBackend {
  throw new PipelineUnavailableError();
}
