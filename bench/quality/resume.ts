// A run killed while translating resumes where it stopped. A 50k-account day (6.7M requests)
// or a 3-day slow run translates for longer than some sessions of the machine the suite runs
// on, and translation is most of a run's cost.
//
// This file is outside the translation cache's key on purpose (gateway.ts `sourceDirs`): it
// decides how a stream is written, not what it holds. suite.test.ts checks that a resumed
// stream is byte for byte the one an uninterrupted run writes.

import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  truncateSync,
  writeSync,
} from "node:fs";
import type { Enricher, MappingOptions } from "@distillguard/litellm";
import { cachedGateway, type GatewayStats, type GatewayStream, liveGateway } from "./gateway.ts";

/** What a resumed run's stream says of itself: `resumed` records came from the killed run. */
export type ResumedStats = GatewayStats & { resumed?: number };

/**
 * `liveGateway`, unless a killed run of the same key left its temporary file (`X.partial`):
 * then that file's complete records are replayed (each checked against the simulated request
 * it stands for, as a cache is), the rest is translated into `X.more` by `liveGateway`, and
 * the two are joined into the cache `X` when the run ends. Killed again, it resumes again.
 */
export function resumableGateway(
  enrich: Enricher | undefined,
  cachePath: string,
  mapping: MappingOptions = {},
): GatewayStream & { readonly stats: ResumedStats } {
  const partial = `${cachePath}.partial`;
  const more = `${cachePath}.more`;
  // Killed while translating the rest of a resumed run: that rest counts as done too.
  for (const done of [`${more}.partial`, more]) {
    if (!existsSync(done)) continue;
    if (existsSync(partial)) appendFrames(partial, done);
    rmSync(done);
  }
  if (!existsSync(partial)) return liveGateway(enrich, cachePath, mapping);
  const frames = cutToCompleteFrames(partial);
  let replay: GatewayStream | null = frames > 0 ? cachedGateway(partial) : null;
  let replayed = 0;
  let replayStats: GatewayStats | null = replay ? replay.stats : null;
  let live: GatewayStream | null = replay ? null : liveGateway(enrich, more, mapping);
  return {
    get stats(): ResumedStats {
      return merged(replayStats, live?.stats ?? null, replayed);
    },
    next(d, text) {
      if (replay) {
        if (replayed < frames) {
          replayed++;
          return replay.next(d, text);
        }
        replay.close();
        replay = null;
        live = liveGateway(enrich, more, mapping);
      }
      return (live as GatewayStream).next(d, text);
    },
    close() {
      if (replay) {
        // Killed after its last record and before the rename: the file is the whole run.
        replay.close();
        replayStats = replay.stats;
        replay = null;
      }
      if (live) {
        live.close();
        appendFrames(partial, more);
        rmSync(more);
      }
      renameSync(partial, cachePath);
    },
  };
}

function merged(a: GatewayStats | null, b: GatewayStats | null, resumed: number): ResumedStats {
  const out: ResumedStats = { translated: 0, dead_letters: {}, cached: false, resumed };
  for (const s of [a, b]) {
    if (!s) continue;
    out.translated += s.translated;
    for (const [k, n] of Object.entries(s.dead_letters)) out.dead_letters[k] = (out.dead_letters[k] ?? 0) + n;
    if (s.addresses) {
      out.addresses ??= { ipv4: 0, ipv6: 0, absent: 0, differs: 0 };
      out.addresses.ipv4 += s.addresses.ipv4;
      out.addresses.ipv6 += s.addresses.ipv6;
      out.addresses.absent += s.addresses.absent;
      out.addresses.differs += s.addresses.differs;
    }
  }
  return out;
}

/** Frames are a u32 little-endian head (length; top bit: a dead letter) and that many bytes. */
const LENGTH_MASK = 0x7fff_ffff;

/**
 * Truncates `path` after its last complete frame (a killed writer's last one may be cut short)
 * and returns how many frames it keeps.
 */
function cutToCompleteFrames(path: string): number {
  const fd = openSync(path, "r");
  const size = fstatSync(fd).size;
  const head = Buffer.alloc(4);
  let at = 0;
  let frames = 0;
  try {
    while (at + 4 <= size && readSync(fd, head, 0, 4, at) === 4) {
      const next = at + 4 + (head.readUInt32LE(0) & LENGTH_MASK);
      if (next > size) break;
      at = next;
      frames++;
    }
  } finally {
    closeSync(fd);
  }
  if (at < size) truncateSync(path, at);
  return frames;
}

/** Appends the complete frames of `from` to `to` (cut to its complete frames first). */
function appendFrames(to: string, from: string): void {
  cutToCompleteFrames(to);
  cutToCompleteFrames(from);
  const src = openSync(from, "r");
  const dst = openSync(to, "a");
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    for (;;) {
      const n = readSync(src, buf, 0, buf.length, null);
      if (n === 0) break;
      let off = 0;
      while (off < n) off += writeSync(dst, buf, off, n - off);
    }
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}
