const LOADERS =
  /^<(script|link|iframe|frame|img|image|object|embed|video|audio|source|track|base|use|feimage)\b/i;
const URL_ATTRIBUTE =
  /\s(src|srcset|href|xlink:href|action|formaction|poster|data|background)\s*=\s*(?!["']?#)["']?[^"'\s>]*/gi;
// The lookahead looks past the spaces itself: `\s*` before it would trade characters with
// `[^)]*` (super-linear backtracking) and let `url( #x)` through as external.
const CSS_LOAD = /url\((?!\s*["']?#)[^)]*\)|@import[^;]*/gi;
const ABSOLUTE_URL = /(\b[a-z][a-z0-9+.-]*:)?\/\/[^\s"'<>/][^\s"'<>]*/gi;

/**
 * Everything in `html` that a browser would fetch: elements that load resources, URL
 * attributes other than in-page anchors, CSS url() and @import, and absolute URLs anywhere in
 * markup or style. Text between tags is not looked at (escaped, it cannot load anything), nor
 * are SVG namespace declarations (they name a namespace and are never fetched).
 */
export function externalReferences(html: string): string[] {
  const found: string[] = [];
  const styles = [...html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => m[1] ?? "");
  // A tag cannot contain "<": excluding it keeps a run of unclosed "<" linear.
  for (const raw of html.match(/<[^<>]*>/g) ?? []) {
    const tag = raw.replace(/\sxmlns(:\w+)?="[^"]*"/g, "");
    if (LOADERS.test(tag)) found.push(tag);
    for (const re of [URL_ATTRIBUTE, CSS_LOAD, ABSOLUTE_URL]) {
      for (const m of tag.matchAll(re)) found.push(m[0]);
    }
  }
  for (const css of styles) {
    for (const re of [CSS_LOAD, ABSOLUTE_URL]) for (const m of css.matchAll(re)) found.push(m[0]);
  }
  return found;
}
