import { type Hash64, hash64 } from "./hash.ts";
import { SLOT_LABELS } from "./labels.ts";
import { collapseWhitespace, foldText } from "./normalize.ts";
import { UNSPACED_CLASS } from "./script.ts";
import { boundedView } from "./view.ts";

export { SLOT_LABELS };

/*
 * A template is what a scripted campaign keeps constant while it varies the payload. Each
 * rule below replaces one kind of payload ("slot") with an upper-case placeholder; folded
 * text is lower case, so a placeholder can never be confused with prompt text. The order of
 * the rules is part of the contract: earlier rules swallow text later rules would split.
 *
 * Every rule runs in time linear in the text (issue 12: the regular expressions these rules
 * replaced backtracked exponentially on a line of `#` and quadratically on crafted e-mail,
 * quote and XML text). Rules that a backtracking regex cannot express linearly are scanners
 * that only ask small anchored (sticky) expressions at positions they chose; the rest are
 * expressions that eslint-plugin-regexp and recheck (regex-safety.timing.test.ts) prove linear. The
 * output is the same as the old expressions' on every input they finish on: template.test.ts
 * compares both on generated and real text.
 */

// Letters of spaced scripts, digits and underscore: what an identifier is made of. Unspaced
// scripts are left out so that "第3题" masks only the 3, not the whole run of Chinese.
const ID_CHAR = String.raw`(?:(?![${UNSPACED_CLASS}])[\p{L}\p{N}\p{M}_])`;
const ID_LETTER = String.raw`(?:(?![${UNSPACED_CLASS}])[\p{L}_])`;

// An unclosed fence runs to the end of the text: once started, a match always succeeds, so
// the lazy scan is paid once per fence.
const FENCED_CODE = /```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)/g;
const INLINE_CODE = /`[^`\n]+`/g;
const URL = /\b(?:https?|ftp):\/\/[^\s<>"'`]*[^\s<>"'`.,;:!?)\]}]|\bwww\.[^\s<>"'`]*[^\s<>"'`.,;:!?)\]}]/g;
const UUID_AT = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/y;
const UUID_LENGTH = 36;

// Digits with optional sign, thousands/decimal separators, exponent and percent, not glued
// to identifier characters (those are identifiers, below).
// The lookahead first only reorders two zero-width tests at one position: most positions are
// no digit, and the lookbehind's Unicode classes cost ~19% of fingerprinting a 16 KB prompt
// of emoji when tried at every one of them.
const NUMBER = new RegExp(
  String.raw`(?=[-+−]?\p{Nd})(?<!${ID_CHAR})[-+−]?\p{Nd}+(?:[.,]\p{Nd}+)*(?:e[-+]?\p{Nd}+)?%?(?!${ID_CHAR})`,
  "gu",
);

// What an identifier (maskIdentifiers) is made of, per code point: ID_CHAR, ID_LETTER and
// [\p{N}_] (the digit an identifier needs, which the old expression also found just after one).
const IS_ID = 1;
const IS_LETTER = 2;
const IS_NUMBER = 4;
const ID_CHAR_ONE = new RegExp(`^${ID_CHAR}$`, "u");
const ID_LETTER_ONE = new RegExp(`^${ID_LETTER}$`, "u");
const NUMBER_ONE = /^[\p{N}_]$/u;

// Anchored pieces the scanners below try at positions they found themselves.
const XML_OPEN = /<([a-z][\w:.-]*)(?:\s[^<>]*)?>/y;
const XML_CLOSE = /<\/([a-z][\w:.-]*)\s*>/y;
const EMAIL_AT = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/uy;
const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;

/**
 * `<name …>…</name>` → `<name>{XML}</name>`: the first closing tag of the same name after the
 * opening one. Closing tags are indexed once up front, so an opening tag that is never closed
 * costs a lookup instead of a scan to the end of the text.
 */
function maskXmlElements(t: string): string {
  if (!t.includes("</")) return t;
  const closers = new Map<string, { starts: number[]; ends: number[]; next: number }>();
  for (let p = t.indexOf("</"); p >= 0; p = t.indexOf("</", p + 2)) {
    XML_CLOSE.lastIndex = p;
    const m = XML_CLOSE.exec(t);
    if (m === null) continue;
    const name = m[1] ?? "";
    let c = closers.get(name);
    if (c === undefined) {
      c = { starts: [], ends: [], next: 0 };
      closers.set(name, c);
    }
    c.starts.push(p);
    c.ends.push(p + m[0].length);
  }
  if (closers.size === 0) return t;
  let out = "";
  let copied = 0;
  let p = t.indexOf("<");
  while (p >= 0) {
    XML_OPEN.lastIndex = p;
    const m = XML_OPEN.exec(t);
    const c = m === null ? undefined : closers.get(m[1] ?? "");
    if (m !== null && c !== undefined) {
      // Opening tags that match end in increasing order, so each name's cursor only moves on.
      const bodyStart = p + m[0].length;
      while (c.next < c.starts.length && (c.starts[c.next] ?? 0) < bodyStart) c.next++;
      if (c.next < c.starts.length) {
        const name = m[1] ?? "";
        out += `${t.slice(copied, p)}<${name}>{XML}</${name}>`;
        copied = c.ends[c.next] ?? t.length;
        p = t.indexOf("<", copied);
        continue;
      }
    }
    p = t.indexOf("<", p + 1);
  }
  return copied === 0 ? t : out + t.slice(copied);
}

// Labels by first UTF-16 unit, longest first, so "问题" wins over "问".
const LABELS_BY_FIRST = new Map<number, string[]>();
for (const label of [...new Set(SLOT_LABELS)].sort((a, b) => b.length - a.length)) {
  const first = label.charCodeAt(0);
  const list = LABELS_BY_FIRST.get(first) ?? [];
  list.push(label);
  LABELS_BY_FIRST.set(first, list);
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isBlank = (c: number) => c === 0x20 || c === 0x09;

function skipBlanks(line: string, i: number): number {
  let j = i;
  while (isBlank(line.charCodeAt(j))) j++;
  return j;
}

/** `**` or `__` at i: the index after it, else i. */
function skipBold(line: string, i: number): number {
  const c = line.charCodeAt(i);
  return (c === 0x2a || c === 0x5f) && line.charCodeAt(i + 1) === c ? i + 2 : i;
}

/**
 * After a label: an optional number (`Example 2`, `Q3`, `#2`), optional `**`/`__`, a colon,
 * optional `**`/`__`. The index after all of it, or -1. Each piece is tried at one place
 * only: no piece can end where the next would start, so there is nothing to backtrack into.
 */
function afterLabel(line: string, i: number): number {
  let j = skipBlanks(line, i);
  let k = line.charCodeAt(j) === 0x23 ? j + 1 : j; // #
  if (isDigit(line.charCodeAt(k))) {
    while (isDigit(line.charCodeAt(k))) k++;
    j = k;
  }
  j = skipBlanks(line, skipBold(line, skipBlanks(line, j)));
  if (line.charCodeAt(j) !== 0x3a) return -1; // :
  return skipBold(line, j + 1);
}

/**
 * A label line (README "Labelled blocks"): optional indentation and markdown decoration, an
 * optional `**`/`__`, a label, an optional number, a colon. Returns where the head (kept in
 * the template) ends; the rest of the line is the start of the payload. -1 if not a label line.
 */
export function labelLineHead(line: string): number {
  // Decoration: blanks, #, >, -, *, • and "12." / "3)" list markers, in any order. A label
  // starts with a letter, so all of the decoration must be consumed before it.
  let i = 0;
  for (;;) {
    const c = line.charCodeAt(i);
    if (isBlank(c) || c === 0x23 || c === 0x3e || c === 0x2d || c === 0x2a || c === 0x2022) {
      i++;
    } else if (isDigit(c)) {
      let j = i + 1;
      while (isDigit(line.charCodeAt(j))) j++;
      const after = line.charCodeAt(j);
      if (after !== 0x2e && after !== 0x29) break; // . )
      i = j + 1;
    } else {
      break;
    }
  }
  if (line.charCodeAt(i) === 0x5f && line.charCodeAt(i + 1) === 0x5f) i += 2; // __ (** is decoration)
  const candidates = LABELS_BY_FIRST.get(line.charCodeAt(i));
  if (candidates === undefined) return -1;
  for (const label of candidates) {
    if (!line.startsWith(label, i)) continue;
    const end = afterLabel(line, i + label.length);
    if (end < 0) continue;
    // The old expression ended in `(.*)$` without the s flag: a line separator in the rest
    // made the line not a label line. Kept so that hashes do not move.
    for (let k = end; k < line.length; k++) {
      const c = line.charCodeAt(k);
      if (c === 0x2028 || c === 0x2029 || c === 0x0d) return -1;
    }
    return end;
  }
  return -1;
}

/** Replaces the content of every labelled block with `{BLOCK}`; see README "Slots". */
function maskLabelBlocks(text: string): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    const headEnd = labelLineHead(line);
    i++;
    if (headEnd < 0) {
      out.push(line);
      continue;
    }
    const head = line.slice(0, headEnd);
    let hasContent = line.slice(headEnd).trim() !== "";
    if (!hasContent) {
      // "Text:" alone on its line: the payload is the next paragraph.
      let j = i;
      while (j < lines.length && (lines[j] ?? "").trim() === "") j++;
      if (j < lines.length && labelLineHead(lines[j] ?? "") < 0) {
        hasContent = true;
        i = j;
      }
    }
    if (hasContent) {
      while (i < lines.length) {
        const next = lines[i] ?? "";
        if (next.trim() === "" || labelLineHead(next) >= 0) break;
        i++;
      }
      out.push(`${head} {BLOCK}`);
    } else {
      out.push(head);
    }
  }
  return out.join("\n");
}

function codePointBefore(t: string, i: number): number {
  const lo = t.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = t.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return (hi - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
  }
  return lo;
}

// [\p{L}\p{N}] per BMP code point: 0 = not looked up, 1 = yes, 2 = no.
const letterOrNumberBmp = new Uint8Array(0x10000);

function isLetterOrNumber(cp: number): boolean {
  if (cp < 0x80)
    return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a);
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  if (cp < 0x10000) {
    let known = letterOrNumberBmp[cp] ?? 0;
    if (known === 0) {
      known = LETTER_OR_NUMBER.test(String.fromCharCode(cp)) ? 1 : 2;
      letterOrNumberBmp[cp] = known;
    }
    return known === 1;
  }
  return LETTER_OR_NUMBER.test(String.fromCodePoint(cp));
}

/** [\p{L}\p{N}._%+-]: what the local part of an e-mail address is made of. */
function isEmailLocal(cp: number): boolean {
  return cp === 0x2e || cp === 0x5f || cp === 0x25 || cp === 0x2b || cp === 0x2d || isLetterOrNumber(cp);
}

/**
 * E-mail addresses → `{EMAIL}`. A local part runs back from an `@` to the start of its run of
 * local-part characters; whether the address matches does not depend on where in that run it
 * starts, so the leftmost match starts at the run's start (or at the end of the previous
 * match), and each `@` is tried once.
 */
function maskEmails(t: string): string {
  let at = t.indexOf("@");
  if (at < 0) return t;
  let out = "";
  let copied = 0;
  while (at >= 0) {
    let start = at;
    while (start > copied) {
      const cp = codePointBefore(t, start);
      if (!isEmailLocal(cp)) break;
      start -= cp > 0xffff ? 2 : 1;
    }
    if (start < at) {
      EMAIL_AT.lastIndex = start;
      const m = EMAIL_AT.exec(t);
      if (m !== null) {
        out += `${t.slice(copied, start)}{EMAIL}`;
        copied = start + m[0].length;
        at = t.indexOf("@", copied);
        continue;
      }
    }
    at = t.indexOf("@", at + 1);
  }
  return copied === 0 ? t : out + t.slice(copied);
}

/**
 * UUIDs → `{ID}`, as `t.replace(/\b<uuid>\b/g, "{ID}")` would. A UUID has a "-" after its first
 * eight characters, so it is tried only 8 units before each "-", not at every position (the
 * global expression was ~3% of fingerprinting a 16 KB code prompt). Leftmost first, like the
 * replace: candidate starts only grow, and the next starts after the last match.
 */
function maskUuids(t: string): string {
  let dash = t.indexOf("-", 8);
  let out = "";
  let copied = 0;
  while (dash >= 0) {
    const start = dash - 8;
    UUID_AT.lastIndex = start;
    if (UUID_AT.test(t)) {
      out += `${t.slice(copied, start)}{ID}`;
      copied = start + UUID_LENGTH;
      dash = t.indexOf("-", copied + 8);
    } else {
      dash = t.indexOf("-", dash + 1);
    }
  }
  return copied === 0 ? t : out + t.slice(copied);
}

// Quote pairs: the opening character and the characters that close it. A pair spans up to
// the first closing character (the span may be empty, and ASCII double quotes may span lines).
const QUOTE_CLOSERS: ReadonlyMap<number, string> = new Map([
  [0x22, '"'],
  [0x201c, "”"],
  [0x2018, "’"],
  [0x201e, "“”"],
  [0xab, "»"],
  [0x300c, "」"],
  [0x300e, "』"],
  [0x300a, "》"],
]);

/**
 * Quoted spans → `{STR}`. Each closing character's next position is remembered, so a
 * thousand unclosed `„` cost one search, not a thousand scans to the end of the text.
 * A single quote only pairs on one line, with text between, where neither quote touches a
 * letter or digit outside (so `don't` and `students'` are not quotes).
 */
function maskQuoted(t: string): string {
  // Per closing character, the index of its next occurrence at or after the last search
  // start, -1 when none is left: each character's searches only move forward.
  const next = new Map<string, number>();
  const nextOf = (c: string, from: number): number => {
    const known = next.get(c);
    if (known !== undefined && (known < 0 || known >= from)) return known;
    const at = t.indexOf(c, from);
    next.set(c, at);
    return at;
  };
  const closerAfter = (closers: string, from: number): number => {
    let best = -1;
    for (const c of closers) {
      const at = nextOf(c, from);
      if (at >= 0 && (best < 0 || at < best)) best = at;
    }
    return best;
  };
  let out = "";
  let copied = 0;
  for (let p = 0; p < t.length; p++) {
    const c = t.charCodeAt(p);
    // Every opening character is ", ', « or in U+2018–U+300E: a few comparisons for most
    // characters instead of a map lookup (this loop was ~6% of fingerprinting a 16 KB code
    // prompt, and 16% of one of emoji, whose surrogates are above « ).
    if (c !== 0x22 && c !== 0x27 && c !== 0xab && (c < 0x2018 || c > 0x300e)) continue;
    let end = -1;
    const closers = QUOTE_CLOSERS.get(c);
    if (closers !== undefined) {
      const q = closerAfter(closers, p + 1);
      if (q >= 0) end = q + 1;
    } else if (c === 0x27) {
      const q = nextOf("'", p + 1);
      const newline = nextOf("\n", p + 1);
      if (
        q > p + 1 &&
        (newline < 0 || newline > q) &&
        (p === 0 || !isLetterOrNumber(codePointBefore(t, p))) &&
        !isLetterOrNumber(t.codePointAt(q + 1) ?? 0x20)
      ) {
        end = q + 1;
      }
    }
    if (end >= 0) {
      out += `${t.slice(copied, p)}{STR}`;
      copied = end;
      p = end - 1;
    }
  }
  return copied === 0 ? t : out + t.slice(copied);
}

function lookUpIdClass(cp: number): number {
  if (cp >= 0xd800 && cp <= 0xdfff) return 0; // a lone surrogate
  const c = String.fromCodePoint(cp);
  return (
    (ID_CHAR_ONE.test(c) ? IS_ID : 0) |
    (ID_LETTER_ONE.test(c) ? IS_LETTER : 0) |
    (NUMBER_ONE.test(c) ? IS_NUMBER : 0)
  );
}

// Classes of ASCII up front; of other code points of the first four planes (emoji, CJK
// extensions) when first seen (+ 8 = looked up), so a prompt of emoji does not run three
// expressions per character.
const KNOWN_PLANES = 0x40000;
const idClassOf = new Uint8Array(KNOWN_PLANES);
for (let cp = 0; cp < 0x80; cp++) idClassOf[cp] = lookUpIdClass(cp) + 8;

function idClass(cp: number): number {
  if (cp >= KNOWN_PLANES) return lookUpIdClass(cp);
  let k = idClassOf[cp] ?? 0;
  if (k === 0) {
    k = lookUpIdClass(cp) + 8;
    idClassOf[cp] = k;
  }
  return k - 8;
}

/**
 * Identifiers → `{ID}`: every maximal run of identifier characters with a letter (or _) in it
 * and a digit (or _) in it or just after it. Equal to replacing
 * `(?<!ID)(?=ID*[\p{N}_])(?=ID*ID_LETTER)ID+` (template.test.ts compares), which matches a run
 * whole or not at all; a scanner because that expression was ~5% of fingerprinting a 16 KB
 * code prompt.
 */
function maskIdentifiers(t: string): string {
  const n = t.length;
  let out = "";
  let copied = 0;
  let i = 0;
  while (i < n) {
    let cp = t.codePointAt(i) ?? 0;
    let k = idClass(cp);
    if ((k & IS_ID) === 0) {
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const start = i;
    let letter = false;
    let number = false;
    while ((k & IS_ID) !== 0) {
      if ((k & IS_LETTER) !== 0) letter = true;
      if ((k & IS_NUMBER) !== 0) number = true;
      i += cp > 0xffff ? 2 : 1;
      if (i >= n) {
        k = 0;
        break;
      }
      cp = t.codePointAt(i) ?? 0;
      k = idClass(cp);
    }
    // k is the class of the character after the run (0 at the end of the text).
    if (letter && (number || (k & IS_NUMBER) !== 0)) {
      out += `${t.slice(copied, start)}{ID}`;
      copied = i;
    }
  }
  return copied === 0 ? t : out + t.slice(copied);
}

/** The template of text already passed through `foldText`. Linear in the text. */
export function maskFolded(folded: string): string {
  return collapseWhitespace(maskFoldedLines(folded));
}

/**
 * `maskFolded` before whitespace is collapsed: its lines and blank lines are still there, so
 * the question's frame (frame.ts) is read off the one masking the template hash needs.
 */
export function maskFoldedLines(folded: string): string {
  let t = folded.replace(FENCED_CODE, " {CODE} ");
  t = t.replace(INLINE_CODE, "{CODE}");
  t = maskXmlElements(t);
  t = maskLabelBlocks(t);
  t = t.replace(URL, "{URL}");
  t = maskEmails(t);
  t = maskUuids(t);
  t = maskQuoted(t);
  t = t.replace(NUMBER, "{NUM}");
  return maskIdentifiers(t);
}

/**
 * The prompt with its variable slots replaced by placeholders (`{NUM}`, `{STR}`, `{CODE}`,
 * `{XML}`, `{BLOCK}`, `{URL}`, `{EMAIL}`, `{ID}`), whitespace collapsed, over the prompt's
 * bounded view. It still contains the template's own words: for tests and local debugging,
 * never for logs or the wire.
 */
export function maskTemplate(text: string): string {
  return maskFolded(foldText(boundedView(text)));
}

/** `hash64(maskTemplate(text))`: equal for prompts that differ only in slot contents. */
export function templateHash(text: string): Hash64 {
  return hash64(maskTemplate(text));
}
