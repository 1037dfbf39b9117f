/** Variants per family id; each variant holds `{P}` exactly once, where the problem goes. */
export type Phrasings = Readonly<Record<string, readonly string[]>>;
