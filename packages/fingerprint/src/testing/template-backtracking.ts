/*
 * The regular-expression implementation of template masking that shipped until issue 12 (an
 * ingest outage): LABEL_LINE is exponential in the length of a run of `#`, and the e-mail,
 * quote and XML rules are quadratic on crafted text. Kept, unchanged, for two uses only: the
 * oracle the linear implementation in ../template.ts is compared against on short inputs
 * (template.test.ts), and the record that stalls a worker in the ingest's budget tests. Never
 * import it from production code; eslint.config.js exempts this folder from the regex check.
 */

import { SLOT_LABELS } from "../labels.ts";
import { collapseWhitespace } from "../normalize.ts";
import { UNSPACED_CLASS } from "../script.ts";

/*
 * A template is what a scripted campaign keeps constant while it varies the payload. Each
 * rule below replaces one kind of payload ("slot") with an upper-case placeholder; folded
 * text is lower case, so a placeholder can never be confused with prompt text. The order of
 * the rules is part of the contract: earlier rules swallow text later rules would split.
 */

// Letters of spaced scripts, digits and underscore: what an identifier is made of. Unspaced
// scripts are left out so that "第3题" masks only the 3, not the whole run of Chinese.
const ID_CHAR = String.raw`(?:(?![${UNSPACED_CLASS}])[\p{L}\p{N}\p{M}_])`;
const ID_LETTER = String.raw`(?:(?![${UNSPACED_CLASS}])[\p{L}_])`;

const FENCED_CODE = /(```|~~~)[\s\S]*?(?:\1|$)/g;
const INLINE_CODE = /`[^`\n]+`/g;
const XML_ELEMENT = /<([a-z][\w:.-]*)(?:\s[^<>]*)?>[\s\S]*?<\/\1\s*>/g;

// Longest first, so "问题" wins over "问" and the alternation never stops at a prefix.
const LABEL_ALTERNATION = [...new Set(SLOT_LABELS)]
  .sort((a, b) => b.length - a.length)
  .map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
  .join("|");

/**
 * A label line: optional markdown decoration (`### `, `> `, `- `, `1. `, `**`), the label,
 * an optional number (`Example 2`), a colon, the rest of the line.
 */
const LABEL_LINE = new RegExp(
  String.raw`^([ \t]*(?:(?:#{1,6}|>|[-*•]|\d+[.)])[ \t]*)*(?:\*\*|__)?(?:${LABEL_ALTERNATION})(?:[ \t]*#?\d+)?[ \t]*(?:\*\*|__)?[ \t]*:(?:\*\*|__)?)(.*)$`,
  "u",
);

const URL = /\b(?:https?|ftp):\/\/[^\s<>"'`]*[^\s<>"'`.,;:!?)\]}]|\bwww\.[^\s<>"'`]*[^\s<>"'`.,;:!?)\]}]/g;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

// Quote pairs. ASCII quotes may span lines; a single quote only opens and closes where it
// cannot be an apostrophe (don't, students').
const QUOTED = new RegExp(
  [
    '"[^"]*"',
    "“[^”]*”",
    "‘[^’]*’",
    "„[^“”]*[“”]",
    "«[^»]*»",
    "「[^」]*」",
    "『[^』]*』",
    "《[^》]*》",
    String.raw`(?<![\p{L}\p{N}])'[^'\n]+'(?![\p{L}\p{N}])`,
  ].join("|"),
  "gu",
);

// Digits with optional sign, thousands/decimal separators, exponent and percent, not glued
// to identifier characters (those are identifiers, below).
const NUMBER = new RegExp(
  String.raw`(?<!${ID_CHAR})[-+−]?\p{Nd}+(?:[.,]\p{Nd}+)*(?:e[-+]?\p{Nd}+)?%?(?!${ID_CHAR})`,
  "gu",
);

// A run of identifier characters with at least one letter (or _) and one digit (or _).
const IDENTIFIER = new RegExp(
  String.raw`(?<!${ID_CHAR})(?=${ID_CHAR}*[\p{N}_])(?=${ID_CHAR}*${ID_LETTER})${ID_CHAR}+`,
  "gu",
);

/** Replaces the content of every labelled block with `{BLOCK}`; see README "Slots". */
function maskLabelBlocks(text: string): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    const match = LABEL_LINE.exec(line);
    i++;
    if (match === null) {
      out.push(line);
      continue;
    }
    const head = match[1] ?? "";
    let hasContent = (match[2] ?? "").trim() !== "";
    if (!hasContent) {
      // "Text:" alone on its line: the payload is the next paragraph.
      let j = i;
      while (j < lines.length && (lines[j] ?? "").trim() === "") j++;
      if (j < lines.length && !LABEL_LINE.test(lines[j] ?? "")) {
        hasContent = true;
        i = j;
      }
    }
    if (hasContent) {
      while (i < lines.length) {
        const next = lines[i] ?? "";
        if (next.trim() === "" || LABEL_LINE.test(next)) break;
        i++;
      }
      out.push(`${head} {BLOCK}`);
    } else {
      out.push(head);
    }
  }
  return out.join("\n");
}

/** The template of text already passed through `foldText`, exactly as before issue 12. */
export function maskFoldedBacktracking(folded: string): string {
  let t = folded.replace(FENCED_CODE, " {CODE} ");
  t = t.replace(INLINE_CODE, "{CODE}");
  t = t.replace(XML_ELEMENT, "<$1>{XML}</$1>");
  t = maskLabelBlocks(t);
  t = t.replace(URL, "{URL}");
  t = t.replace(EMAIL, "{EMAIL}");
  t = t.replace(UUID, "{ID}");
  t = t.replace(QUOTED, "{STR}");
  t = t.replace(NUMBER, "{NUM}");
  t = t.replace(IDENTIFIER, "{ID}");
  return collapseWhitespace(t);
}
