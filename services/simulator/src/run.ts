import { type ApiRequest, apiRequestCodec, schemaVersion } from "@distillguard/contract";
import { fingerprintPrompt } from "@distillguard/fingerprint";
import type { Split } from "@distillguard/phrasings";
import type { Calibration } from "./calibration.ts";
import type { Corpora } from "./corpora.ts";
import { CorpusTextRenderer } from "./corpus-text.ts";
import type { Draft } from "./draft.ts";
import { ApiRequestEncoder } from "./encoder.ts";
import { Simulation } from "./engine.ts";
import { buildLabels, type Labels } from "./labels.ts";
import { mix32 } from "./mix.ts";
import { OcfWriter } from "./ocf.ts";
import { FingerprintRenderer } from "./render.ts";
import { buildScenario, type ScenarioOptions } from "./scenario.ts";
import { type PromptText, type PromptTextRenderer, TextRenderer } from "./text.ts";

/**
 * fingerprint: synthetic fingerprints, no text (fast). text: prompt text, fingerprinted here.
 * gateway: prompt text for a sink that writes gateway logs; the record keeps the simulator's
 * own (oracle) features, since whatever reads the logs computes its own.
 */
export type Mode = "fingerprint" | "text" | "gateway";

/** Where each request goes; all of them see the same Draft and must copy what they keep. */
export interface RequestSink {
  /** Called per request; `text` is set in text mode. */
  write(d: Draft, text: PromptText | null): void;
  /** Lets an async sink (Kafka) drain between slices. */
  drain?(): Promise<void>;
  close(): Promise<void> | void;
}

/**
 * Avro object container file of ApiRequest v2. `encoder: "avsc"` uses the generic library
 * encoder instead of the specialised one (the benchmark's baseline; both give equal bytes).
 */
export function ocfSink(
  path: string,
  seed: number,
  encoder: "specialised" | "avsc" = "specialised",
): RequestSink {
  const sync = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) sync.writeUInt32BE(mix32(seed, 0x5ec0 + i), i * 4);
  const type = schemaVersion("api-request", 2).type;
  const fast = new ApiRequestEncoder();
  const w =
    encoder === "avsc"
      ? new OcfWriter(path, type, sync)
      : new OcfWriter(path, type, sync, (v, b, p) => fast.encode(v as ApiRequest, b, p));
  return { write: (d) => w.write(d.record), close: () => w.close() };
}

/** Single-object encoded records, the exact bytes that go on Kafka. */
export function encodedSink(onRecord: (key: string, value: Buffer, timestamp: number) => void): RequestSink {
  return {
    write: (d) => onRecord(d.record.account_id, apiRequestCodec.encode(d.record), d.record.event_time_ms),
    close: () => {},
  };
}

export interface SimulationRun {
  labels: Labels;
  events: number;
}

/**
 * Builds the scenario, runs it to the end and feeds every sink. Text mode makes real prompt
 * text and fingerprints it (slower); fingerprint mode synthesises the fingerprints directly.
 */
export async function simulate(
  options: ScenarioOptions,
  calibration: Calibration,
  sinks: RequestSink[],
  opts: {
    mode: Mode;
    maxEvents?: number;
    onProgress?: (clockMs: number, events: number) => void;
    /**
     * Text from the real corpora (conversations, system prompts, answers; campaigns in the
     * phrasing families of `split`) instead of the synthetic word lists. Text modes only.
     */
    corpora?: { corpora: Corpora; split: Split } | null;
  } = {
    mode: "fingerprint",
  },
): Promise<SimulationRun> {
  const { world, sources } = buildScenario(options, calibration);
  const fp = new FingerprintRenderer(world);
  const textRenderer: PromptTextRenderer | null =
    opts.mode === "fingerprint"
      ? null
      : opts.corpora
        ? new CorpusTextRenderer(world, opts.corpora.corpora, opts.corpora.split)
        : new TextRenderer(world);
  const fingerprintText = opts.mode === "text";
  let text: PromptText | null = null;
  const render = (d: Draft) => {
    fp.render(d);
    if (textRenderer) {
      text = textRenderer.text(d);
      if (!fingerprintText) return;
      const f = fingerprintPrompt({ system: text.system, user: text.user });
      const r = d.record;
      r.prompt_simhash = Buffer.from(f.simhash.buffer, f.simhash.byteOffset, 8);
      r.prompt_template_hash = Buffer.from(f.templateHash.buffer, f.templateHash.byteOffset, 8);
      r.system_prompt_hash = f.systemPromptHash
        ? Buffer.from(f.systemPromptHash.buffer, f.systemPromptHash.byteOffset, 8)
        : null;
      r.cot_elicitation = Math.fround(f.cotElicitation);
      r.prompt_topic = f.topic ?? r.prompt_topic;
    }
  };
  const sim = new Simulation(world, sources, render, `r${options.seed.toString(36)}-`, opts.maxEvents);
  const emit = (d: Draft) => {
    for (const s of sinks) s.write(d, text);
  };
  while (!sim.done) {
    sim.step(20_000, emit);
    for (const s of sinks) if (s.drain) await s.drain();
    opts.onProgress?.(sim.clockMs, sim.events);
  }
  for (const s of sinks) await s.close();
  const stats = sim.finish();
  return { labels: buildLabels(world, stats, options), events: stats.events };
}
