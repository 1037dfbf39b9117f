/**
 * A script-based guess at the prompt's language (ISO 639-1): "zh" when Han characters dominate,
 * "ja" when kana appear among them, "ko" for Hangul, "ru" for Cyrillic, "en" for Latin, null
 * when there are no letters or no script wins. Latin stands for English because it is the
 * language most Latin-script prompts are in; telling French from Spanish needs a real
 * detector, which this field does not justify.
 */
export function guessPromptLanguage(text: string): "zh" | "ja" | "ko" | "ru" | "en" | null {
  let han = 0;
  let kana = 0;
  let hangul = 0;
  let cyrillic = 0;
  let latin = 0;
  let seen = 0;
  for (const ch of text) {
    // The opening of a prompt decides its language as well as all of it does, and a
    // 100k-character prompt should not cost 100k iterations.
    if (++seen > SCAN_LIMIT) break;
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) {
      if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) latin++;
    } else if (isHan(cp)) han++;
    else if (isKana(cp)) kana++;
    else if (isHangul(cp)) hangul++;
    else if (cp >= 0x0400 && cp <= 0x052f) cyrillic++;
    else if (cp >= 0xc0 && cp <= 0x24f && cp !== 0xd7 && cp !== 0xf7) latin++;
  }
  // One Han, kana or Hangul character carries about as much as a short word, one Latin or
  // Cyrillic letter a fraction of one: unweighted, a Chinese question wrapped around an
  // English code snippet would count as English.
  const scores = [
    { lang: "cjk", score: (han + kana) * CJK_WEIGHT },
    { lang: "ko", score: hangul * CJK_WEIGHT },
    { lang: "ru", score: cyrillic },
    { lang: "en", score: latin },
  ] as const;
  let best: (typeof scores)[number] | undefined;
  let tie = false;
  for (const s of scores) {
    if (s.score === 0) continue;
    if (!best || s.score > best.score) {
      best = s;
      tie = false;
    } else if (s.score === best.score) {
      tie = true;
    }
  }
  if (!best || tie) return null;
  if (best.lang !== "cjk") return best.lang;
  // Japanese writes kanji with kana around them; Chinese uses no kana at all.
  return kana / (han + kana) >= KANA_SHARE_FOR_JAPANESE ? "ja" : "zh";
}

const SCAN_LIMIT = 4_096;
const CJK_WEIGHT = 3;
const KANA_SHARE_FOR_JAPANESE = 0.1;

function isHan(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x20000 && cp <= 0x3134f)
  );
}

function isKana(cp: number): boolean {
  return (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x31f0 && cp <= 0x31ff) || (cp >= 0xff66 && cp <= 0xff9d);
}

function isHangul(cp: number): boolean {
  return (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x3130 && cp <= 0x318f);
}
