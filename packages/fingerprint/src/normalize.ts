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

export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
