/**
 * Unicode NFKC, then lowercase (locale-independent `toLowerCase`), then line endings to `\n`.
 * NFKC folds full-width Latin, digits and punctuation (`ＡＢＣ１２３：`) to ASCII, so Chinese
 * prompts typed with an IME compare equal to their half-width spelling.
 */
export function foldText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\r\n?/g, "\n");
}

/** `foldText`, then every whitespace run (newlines included) to one space, trimmed. */
export function normalizeText(text: string): string {
  return collapseWhitespace(foldText(text));
}

/**
 * Every whitespace run to one space, trimmed: `text.replace(/\s+/g, " ").trim()`, which it
 * equals on every input (normalize.test.ts). A loop because the regex's replace cost ~14% of
 * fingerprinting a 16 KB code prompt (indentation is a run on every line); this copies the
 * stretches between runs that are not already one space, at about half the cost.
 */
export function collapseWhitespace(text: string): string {
  const n = text.length;
  let start = 0;
  while (start < n && isSpace(text.charCodeAt(start))) start++;
  let end = n;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  let out = "";
  let copied = start;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    // Printable ASCII is most text and never whitespace: one comparison.
    if ((c > 0x20 && c < 0xa0) || !isSpace(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < end && isSpace(text.charCodeAt(j))) j++;
    if (c !== 0x20 || j !== i + 1) {
      out += `${text.slice(copied, i)} `;
      copied = j;
    }
    i = j;
  }
  return copied === 0 && end === n ? text : out + text.slice(copied, end);
}

/** JavaScript's `\s` (and what `trim` removes): WhiteSpace and LineTerminator. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
