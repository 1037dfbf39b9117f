/*
 * Keyword rules matched in one pass. A rule's regular expression scans the whole text when it
 * does not match, and most of them do not: sixty rules cost sixty passes (issue 16's profile:
 * about a third of fingerprinting a 16 KB prompt). Nearly every rule can only match where one
 * of a few literals starts ("\b(?:python|javascript…)", "一步一步"), so one pass over the text
 * finds where each rule's literals first occur, and a rule's expression runs only from there,
 * and only if they occur. The literals are read from the expressions themselves, so a rule
 * cannot be edited out of step with them; a rule whose matches need not start with a literal
 * runs as before.
 */

/** A literal every match of one branch of a rule begins with. */
export interface Anchor {
  readonly text: string;
  /**
   * The branch starts with \b before an ASCII word character, so a match starts a word (in a
   * "u" expression \b is ASCII-only: [A-Za-z0-9_] against everything else).
   */
  readonly wordStart: boolean;
}

/**
 * The anchors of an expression's source, or null when some match need not begin with a
 * literal (that rule is always run). Sound by construction: every match of the expression
 * starts with one of the anchors (at a word start where `wordStart`). A literal is cut short
 * rather than guessed at, which keeps it sound: a shorter anchor only matches more often.
 */
export function anchorsOf(source: string): Anchor[] | null {
  return anchorsOfSequence(source, false);
}

/**
 * The anchors one of which every match of `seq` starts with, or null. `wordStart`: a \b
 * stands before `seq`.
 */
function anchorsOfSequence(seq: string, wordStart: boolean): Anchor[] | null {
  const branches = splitTopLevel(seq);
  if (branches.length > 1) {
    const out: Anchor[] = [];
    for (const branch of branches) {
      const a = anchorsOfSequence(branch, wordStart);
      if (a === null) return null;
      out.push(...a);
    }
    return out;
  }
  if (seq.startsWith("\\b")) return anchorsOfSequence(seq.slice(2), true);
  if (seq.startsWith("(")) {
    if (seq.startsWith("(?") && !seq.startsWith("(?:")) return null; // lookaround, named group
    const close = closingParen(seq, 0);
    if (close < 0) return null;
    const after = seq.charAt(close + 1);
    if (after === "?" || after === "*" || seq.startsWith("{0", close + 1)) return null;
    return anchorsOfSequence(seq.slice(seq.startsWith("(?:") ? 3 : 1, close), wordStart);
  }
  const text = leadingLiteral(seq);
  if (text === "") return null;
  const first = text.charCodeAt(0);
  // A search started before a low surrogate would start in the middle of a character.
  if (first >= 0xdc00 && first <= 0xdfff) return null;
  return [{ text, wordStart: wordStart && isWordUnit(first) }];
}

/** The literal units `seq` must start with, cut at the first thing that is not one. */
function leadingLiteral(seq: string): string {
  let literal = "";
  for (let i = 0; i < seq.length; i++) {
    const c = seq.charAt(i);
    if (c === "?" || c === "*" || c === "{") return literal.slice(0, -1); // optional last unit
    if (c === "+") return literal;
    if (c === "\\") {
      const e = seq.charAt(i + 1);
      if (!".+*?()[]{}|/\\^$-".includes(e)) return literal; // \b, \s, \d, \p{…}
      const q = seq.charAt(i + 2);
      if (q === "?" || q === "*" || q === "{") return literal;
      literal += e;
      i++;
      continue;
    }
    if ("()[]|.^$".includes(c)) return literal;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdbff) {
      // A surrogate pair is one character to a quantifier: keep or drop both halves.
      const q = seq.charAt(i + 2);
      if (q === "?" || q === "*" || q === "{") return literal;
      literal += c + seq.charAt(i + 1);
      i++;
      continue;
    }
    literal += c;
  }
  return literal;
}

/** The branches of an alternation at nesting depth 0 (escapes and classes respected). */
function splitTopLevel(source: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charAt(i);
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) {
      out.push(source.slice(start, i));
      start = i + 1;
    }
  }
  out.push(source.slice(start));
  return out;
}

function closingParen(source: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < source.length; i++) {
    const c = source.charAt(i);
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  return -1;
}

function isWordUnit(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || (c >= 0x41 && c <= 0x5a);
}

const WORD_UNIT = new Uint8Array(0x10000);
for (let c = 0; c < 0x80; c++) WORD_UNIT[c] = isWordUnit(c) ? 1 : 0;

/** Tries at single anchor occurrences before one search runs through the rest of the text. */
const STICKY_TRIES = 8;

/**
 * A list of rules (expression sources, compiled with the "u" flag) matched together:
 * `match(text, out)` sets out[i] to 1 exactly when `new RegExp(sources[i], "u").test(text)`.
 * One pass over the text walks two tries of the rules' anchors, one entered at word starts and
 * one at any unit. Every match of a rule starts where one of its anchors occurs, so the rule
 * is tried there (sticky), and after STICKY_TRIES misses searched once from there to the end;
 * a rule whose anchors never occur costs nothing.
 */
export class AnchoredRules {
  readonly size: number;
  private readonly sticky: RegExp[];
  private readonly search: RegExp[];
  /** Rules with no anchors: searched from the start, as an expression alone would be. */
  private readonly unanchored: number[];
  // Tries: state 0 is "none"; roots are entered by the first unit.
  private readonly wordRoot = new Int32Array(0x80);
  private readonly anyRoot = new Int32Array(0x10000);
  /** Edges on ASCII units, dense (state * 128 + unit); a Map lookup per unit cost 7 ns/char. */
  private readonly asciiEdges: Int32Array;
  private readonly edges = new Map<number, number>();
  /** Rules accepted at each state (CSR: acceptFrom[s] … acceptFrom[s + 1]). */
  private readonly acceptFrom: Int32Array;
  private readonly acceptRule: Int32Array;
  /** Per rule during a match: tries so far, or -1 once decided. */
  private readonly tries: Int32Array;
  private out: Uint8Array = new Uint8Array(0);

  constructor(sources: readonly string[]) {
    this.size = sources.length;
    this.sticky = sources.map((s) => new RegExp(s, "uy"));
    this.search = sources.map((s) => new RegExp(s, "gu"));
    this.unanchored = [];
    this.tries = new Int32Array(sources.length);
    const accepts: number[][] = [[]];
    const addState = () => accepts.push([]) - 1;
    sources.forEach((source, rule) => {
      const anchors = anchorsOf(source);
      if (anchors === null) {
        this.unanchored.push(rule);
        return;
      }
      for (const a of anchors) {
        const first = a.text.charCodeAt(0);
        const root = a.wordStart ? this.wordRoot : this.anyRoot;
        if (root[first] === 0) root[first] = addState();
        let s = root[first] as number;
        for (let i = 1; i < a.text.length; i++) {
          const key = s * 0x10000 + a.text.charCodeAt(i);
          let t = this.edges.get(key);
          if (t === undefined) {
            t = addState();
            this.edges.set(key, t);
          }
          s = t;
        }
        if (!accepts[s]?.includes(rule)) accepts[s]?.push(rule);
      }
    });
    this.asciiEdges = new Int32Array(accepts.length * 0x80);
    for (const [key, t] of this.edges) {
      const unit = key % 0x10000;
      if (unit < 0x80) this.asciiEdges[((key - unit) / 0x10000) * 0x80 + unit] = t;
    }
    this.acceptFrom = new Int32Array(accepts.length + 1);
    const flat: number[] = [];
    accepts.forEach((rules, s) => {
      this.acceptFrom[s] = flat.length;
      flat.push(...rules);
    });
    this.acceptFrom[accepts.length] = flat.length;
    this.acceptRule = Int32Array.from(flat);
  }

  /** out[i] = 1 when rule i matches `text`, else 0. */
  match(text: string, out: Uint8Array): void {
    out.fill(0, 0, this.size);
    this.out = out;
    const tries = this.tries;
    tries.fill(0);
    for (const r of this.unanchored) {
      tries[r] = -1;
      const search = this.search[r] as RegExp;
      search.lastIndex = 0;
      out[r] = search.test(text) ? 1 : 0;
    }
    const n = text.length;
    let prevWord = 0;
    for (let p = 0; p < n; p++) {
      const c = text.charCodeAt(p);
      const word = WORD_UNIT[c] as number;
      if (word === 1 && prevWord === 0) {
        const s = this.wordRoot[c] as number;
        if (s !== 0) this.walk(text, p, s);
      }
      const s = this.anyRoot[c] as number;
      if (s !== 0) this.walk(text, p, s);
      prevWord = word;
    }
  }

  /** Follows the trie from state `start` (entered by the unit at p), trying the rules it accepts. */
  private walk(text: string, p: number, start: number): void {
    const n = text.length;
    let s = start;
    for (let q = p + 1; ; q++) {
      const to = this.acceptFrom[s + 1] as number;
      for (let k = this.acceptFrom[s] as number; k < to; k++)
        this.tryAt(this.acceptRule[k] as number, text, p);
      if (q >= n) return;
      const c = text.charCodeAt(q);
      const t = c < 0x80 ? (this.asciiEdges[s * 0x80 + c] as number) : (this.edges.get(s * 0x10000 + c) ?? 0);
      if (t === 0) return;
      s = t;
    }
  }

  private tryAt(rule: number, text: string, p: number): void {
    const tries = this.tries[rule] as number;
    if (tries < 0) return;
    if (tries < STICKY_TRIES) {
      this.tries[rule] = tries + 1;
      const sticky = this.sticky[rule] as RegExp;
      sticky.lastIndex = p;
      if (sticky.test(text)) {
        this.out[rule] = 1;
        this.tries[rule] = -1;
      }
      return;
    }
    // Many misses: one search from here costs less than trying every later occurrence.
    const search = this.search[rule] as RegExp;
    search.lastIndex = p;
    this.out[rule] = search.test(text) ? 1 : 0;
    this.tries[rule] = -1;
  }
}
