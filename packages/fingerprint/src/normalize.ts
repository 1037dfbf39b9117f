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
 * equals on every input (normalize.test.ts). That expression replaces every single space
 * between words too (most of its matches, each a replacement); this one matches only runs that
 * change (a space followed by more whitespace, or any other whitespace character with what
 * follows it). Half the cost of a charCodeAt loop over a 16 KB code prompt, and of the
 * plain expression's.
 */
export function collapseWhitespace(text: string): string {
  return text.replace(COLLAPSIBLE, " ").trim();
}

const COLLAPSIBLE = /[^\S ]\s*| \s+/g;
