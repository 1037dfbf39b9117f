import { acc, FNV64_OFFSET_HI, FNV64_OFFSET_LO, fmix64, fnvUtf8, type Hash64, toHash64 } from "./hash.ts";
import { foldText } from "./normalize.ts";
import { isUnspacedScript } from "./script.ts";
import { boundedView } from "./view.ts";

const SEPARATOR = 1;
const WORD = 2;
const CJK = 3;

const WORD_CHAR = /^[\p{L}\p{N}\p{M}_]$/u;

// Memo of the class of each code point of the first four planes (emoji, CJK extensions);
// 0 = not looked up yet. Filled lazily so a process that only sees ASCII never pays for the
// Unicode property regex, and a prompt of emoji does not pay for it per character.
const KNOWN_PLANES = 0x40000;
const knownClass = new Uint8Array(KNOWN_PLANES);

function charClass(cp: number): number {
  if (cp < 0x80) {
    // a-z, A-Z, 0-9, _
    return (cp >= 0x61 && cp <= 0x7a) ||
      (cp >= 0x30 && cp <= 0x39) ||
      (cp >= 0x41 && cp <= 0x5a) ||
      cp === 0x5f
      ? WORD
      : SEPARATOR;
  }
  if (cp < KNOWN_PLANES) {
    const known = knownClass[cp] ?? 0;
    if (known !== 0) return known;
    const cls = lookUpClass(cp);
    knownClass[cp] = cls;
    return cls;
  }
  return lookUpClass(cp);
}

function lookUpClass(cp: number): number {
  if (cp >= 0xd800 && cp <= 0xdfff) return SEPARATOR; // lone surrogate
  if (isUnspacedScript(cp)) return CJK;
  return WORD_CHAR.test(String.fromCodePoint(cp)) ? WORD : SEPARATOR;
}

// Terms carry vocabulary, pairs carry word order. Terms weigh double so that a one-word edit
// (one term, two pairs) moves fewer bits: over simhash.test.ts's 10%-edit generator the mean
// distance is 7.8 with 2:1 and 9.1 with 1:1, while unrelated prompts stay ~31 apart.
const TERM_WEIGHT = 2;
const PAIR_WEIGHT = 1;

// Per-call scratch, reused so the hot loop allocates nothing (bench/fingerprint).
//
// counts[b] is how much weight has bit b set (b = 0 is the least significant bit of the
// 64-bit feature hash). Features first go into 16 packed words: lane m (bits 8m..8m+7) of
// packed[j] counts bit 4j+m, so one table lookup adds a whole nibble; lanes are emptied into
// counts before any can pass 255. 16 adds per feature instead of 64: simhash64 ~15% faster
// in bench/fingerprint.
const counts = new Int32Array(64);
const packed = new Uint32Array(16);
let packedWeight = 0;
let totalWeight = 0;

/** SPREAD[v] puts bit m of nibble v at bit 8m. */
const SPREAD = Uint32Array.from(
  { length: 16 },
  (_, v) => (v & 1) | ((v & 2) << 7) | ((v & 4) << 14) | ((v & 8) << 21),
);

function flushPacked(): void {
  for (let j = 0; j < 16; j++) {
    const p = packed[j] ?? 0;
    const b = 4 * j;
    counts[b] = (counts[b] ?? 0) + (p & 0xff);
    counts[b + 1] = (counts[b + 1] ?? 0) + ((p >>> 8) & 0xff);
    counts[b + 2] = (counts[b + 2] ?? 0) + ((p >>> 16) & 0xff);
    counts[b + 3] = (counts[b + 3] ?? 0) + (p >>> 24);
    packed[j] = 0;
  }
  packedWeight = 0;
}

// Set of features already counted in this call: open addressing on the low 32 bits (fmix64
// output, so uniformly spread). A slot is live when its stamp equals `generation`, which
// makes clearing the set O(1) per call.
let capacity = 1024;
let keysHi = new Int32Array(capacity);
let keysLo = new Int32Array(capacity);
let stamps = new Uint32Array(capacity);
let generation = 0;
let size = 0;

function resetScratch(): void {
  if (capacity > 1 << 16) {
    // One huge prompt should not pin a huge table for the life of the process.
    capacity = 1024;
    keysHi = new Int32Array(capacity);
    keysLo = new Int32Array(capacity);
    stamps = new Uint32Array(capacity);
  }
  counts.fill(0);
  packed.fill(0);
  packedWeight = 0;
  totalWeight = 0;
  size = 0;
  generation++;
  if (generation === 0xffffffff) {
    stamps.fill(0);
    generation = 1;
  }
}

function grow(): void {
  const oldHi = keysHi;
  const oldLo = keysLo;
  const oldStamps = stamps;
  capacity *= 2;
  keysHi = new Int32Array(capacity);
  keysLo = new Int32Array(capacity);
  stamps = new Uint32Array(capacity);
  const mask = capacity - 1;
  for (let i = 0; i < oldStamps.length; i++) {
    if (oldStamps[i] !== generation) continue;
    const hi = oldHi[i] ?? 0;
    const lo = oldLo[i] ?? 0;
    let slot = lo & mask;
    while (stamps[slot] === generation) slot = (slot + 1) & mask;
    stamps[slot] = generation;
    keysHi[slot] = hi;
    keysLo[slot] = lo;
  }
}

/** Adds the feature hashed to (hi, lo) once per call, however often it occurs. */
function addFeature(hi: number, lo: number, weight: number): void {
  if (size * 2 >= capacity) grow();
  const h = hi | 0;
  const l = lo | 0;
  const mask = capacity - 1;
  let slot = l & mask;
  while (stamps[slot] === generation) {
    if (keysHi[slot] === h && keysLo[slot] === l) return;
    slot = (slot + 1) & mask;
  }
  stamps[slot] = generation;
  keysHi[slot] = h;
  keysLo[slot] = l;
  size++;
  totalWeight += weight;
  if (packedWeight + weight > 0xff) flushPacked();
  packedWeight += weight;
  for (let j = 0; j < 8; j++) {
    packed[j] = (packed[j] ?? 0) + (SPREAD[(lo >>> (4 * j)) & 0xf] ?? 0) * weight;
    packed[j + 8] = (packed[j + 8] ?? 0) + (SPREAD[(hi >>> (4 * j)) & 0xf] ?? 0) * weight;
  }
}

// FNV state of the previous term, before fmix64, so the pair "prev cur" continues it.
let prevHi = 0;
let prevLo = 0;
let hasPrev = false;

function addTerm(s: string, start: number, end: number): void {
  fnvUtf8(FNV64_OFFSET_HI, FNV64_OFFSET_LO, s, start, end);
  const termHi = acc.hi;
  const termLo = acc.lo;
  fmix64(termHi, termLo);
  addFeature(acc.hi, acc.lo, TERM_WEIGHT);
  if (hasPrev) {
    fnvUtf8(prevHi, prevLo, " ", 0, 1);
    fnvUtf8(acc.hi, acc.lo, s, start, end);
    fmix64(acc.hi, acc.lo);
    addFeature(acc.hi, acc.lo, PAIR_WEIGHT);
  }
  prevHi = termHi;
  prevLo = termLo;
  hasPrev = true;
}

/** Calls `addTerm` for each term of already folded text; see README "Terms". */
function scanTerms(s: string): void {
  hasPrev = false;
  const n = s.length;
  let i = 0;
  while (i < n) {
    let cp = s.codePointAt(i) ?? 0;
    let width = cp > 0xffff ? 2 : 1;
    let cls = charClass(cp);
    if (cls === WORD) {
      const start = i;
      do {
        i += width;
        if (i >= n) break;
        cp = s.codePointAt(i) ?? 0;
        width = cp > 0xffff ? 2 : 1;
        cls = charClass(cp);
      } while (cls === WORD);
      addTerm(s, start, i);
    } else if (cls === CJK) {
      // Overlapping character bigrams; a lone character is a term by itself.
      const runStart = i;
      let prevStart = -1;
      do {
        const charStart = i;
        i += width;
        if (prevStart >= 0) addTerm(s, prevStart, i);
        prevStart = charStart;
        if (i >= n) break;
        cp = s.codePointAt(i) ?? 0;
        width = cp > 0xffff ? 2 : 1;
        cls = charClass(cp);
      } while (cls === CJK);
      if (prevStart === runStart) addTerm(s, runStart, i);
    } else {
      i += width;
    }
  }
}

/** simhash64 of text already passed through `foldText`. */
export function simhashFolded(folded: string): Hash64 {
  resetScratch();
  scanTerms(folded);
  flushPacked();
  let hi = 0;
  let lo = 0;
  for (let b = 0; b < 32; b++) {
    if ((counts[b] ?? 0) * 2 > totalWeight) lo |= 1 << b;
    if ((counts[b + 32] ?? 0) * 2 > totalWeight) hi |= 1 << b;
  }
  return toHash64(hi >>> 0, lo >>> 0);
}

/**
 * Charikar simhash over the set of distinct term and adjacent-term-pair features of the
 * text's bounded view. Near-duplicate texts get hashes a small Hamming distance apart; see
 * README for the exact algorithm, which is part of the wire contract.
 */
export function simhash64(text: string): Hash64 {
  return simhashFolded(foldText(boundedView(text)));
}
