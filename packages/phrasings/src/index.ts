import { bn } from "./bn.ts";
import { de } from "./de.ts";
import { en } from "./en.ts";
import { es } from "./es.ts";
import type { Language } from "./families.ts";
import { fr } from "./fr.ts";
import { ja } from "./ja.ts";
import { ru } from "./ru.ts";
import { sw } from "./sw.ts";
import { te } from "./te.ts";
import { th } from "./th.ts";
import type { Phrasings } from "./types.ts";
import { zh } from "./zh.ts";

export { FAMILIES, type FamilySpec, familyById, LANGUAGES, type Language, type Split } from "./families.ts";
export type { Phrasings } from "./types.ts";

/** Every family's variants in every language; `{P}` marks where the problem goes. */
export const PHRASINGS: Readonly<Record<Language, Phrasings>> = {
  en,
  zh,
  ja,
  ru,
  th,
  de,
  es,
  fr,
  sw,
  bn,
  te,
};

/** `phrasing` with `problem` in its slot. */
export function phrase(phrasing: string, problem: string): string {
  return phrasing.replace("{P}", () => problem);
}
