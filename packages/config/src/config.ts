import { ConfigError, type ConfigIssue } from "./errors.ts";

/**
 * One configuration field read from one environment variable.
 * `parse` returns the value or throws a plain string naming the allowed values.
 */
export interface Field<T> {
  readonly env: string;
  readonly doc: string;
  readonly default: T | undefined;
  readonly secret: boolean;
  readonly parse: (raw: string) => T;
  /** How the default is shown in docs and errors. */
  readonly shownDefault: string;
  /** Unset is allowed and reads as `undefined` (see `optional`). */
  readonly optional?: boolean;
  /** How a rejected value is echoed in errors, when part of it must not be (a URL's password). */
  readonly shownRaw?: (raw: string) => string;
}

export type ConfigSpec = Record<string, Field<unknown>>;
type ValueOf<F> = F extends Field<infer T> ? T : never;
/** Parsed settings; `optional` fields are optional properties, so literals may leave them out. */
export type Parsed<S extends ConfigSpec> = {
  [K in keyof S as undefined extends ValueOf<S[K]> ? never : K]: ValueOf<S[K]>;
} & {
  [K in keyof S as undefined extends ValueOf<S[K]> ? K : never]?: ValueOf<S[K]>;
};

interface FieldOptions<T> {
  env: string;
  doc: string;
  default?: T;
  secret?: boolean;
}

function field<T>(opts: FieldOptions<T>, parse: (raw: string) => T, show: (v: T) => string): Field<T> {
  return {
    env: opts.env,
    doc: opts.doc,
    default: opts.default,
    secret: opts.secret ?? false,
    parse,
    shownDefault: opts.default === undefined ? "(required)" : show(opts.default),
  };
}

export function string(opts: FieldOptions<string> & { pattern?: RegExp; hint?: string }) {
  return field(
    opts,
    (raw) => {
      if (raw.length === 0) throw "must not be empty";
      if (opts.pattern && !opts.pattern.test(raw)) {
        throw `must match ${opts.hint ?? opts.pattern.source}`;
      }
      return raw;
    },
    (v) => v,
  );
}

export function integer(opts: FieldOptions<number> & { min: number; max: number }) {
  return field(
    opts,
    (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) {
        throw `must be a whole number between ${opts.min} and ${opts.max}`;
      }
      const n = Number(raw);
      if (n < opts.min || n > opts.max) throw `must be between ${opts.min} and ${opts.max}`;
      return n;
    },
    String,
  );
}

export function boolean(opts: FieldOptions<boolean>) {
  return field(
    opts,
    (raw) => {
      const v = raw.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(v)) return true;
      if (["0", "false", "no", "off"].includes(v)) return false;
      throw "must be one of true/false/1/0/yes/no/on/off";
    },
    String,
  );
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration like `250ms`, `30s`, `15m`, `6h`, `1d`, parsed to milliseconds. */
export function duration(opts: FieldOptions<number> & { minMs: number; maxMs: number }) {
  const show = (ms: number) => {
    for (const [u, f] of [
      ["d", 86_400_000],
      ["h", 3_600_000],
      ["m", 60_000],
      ["s", 1_000],
    ] as const) {
      if (ms >= f && ms % f === 0) return `${ms / f}${u}`;
    }
    return `${ms}ms`;
  };
  return field(
    opts,
    (raw) => {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw.trim());
      const ms = m ? Math.round(Number(m[1]) * (UNIT_MS[m[2] as string] as number)) : Number.NaN;
      if (!(ms >= opts.minMs && ms <= opts.maxMs)) {
        throw `must be a duration between ${show(opts.minMs)} and ${show(opts.maxMs)}, a number with ms, s, m, h or d`;
      }
      return ms;
    },
    show,
  );
}

/** One of `values`; with `ignoreCase`, `sasl_ssl` reads as `SASL_SSL` (the value as listed). */
export function oneOf<const T extends string>(
  opts: FieldOptions<T> & { values: readonly T[]; ignoreCase?: boolean },
) {
  return field(
    opts,
    (raw) => {
      const same = (v: string) => (opts.ignoreCase ? v.toLowerCase() === raw.toLowerCase() : v === raw);
      const value = opts.values.find(same);
      if (value === undefined) throw `must be one of ${opts.values.join(", ")}`;
      return value;
    },
    (v) => v,
  );
}

/**
 * Comma-separated file paths, or `off` for none. Only the list is checked here (packages do no
 * I/O); the service reading the files names any it cannot read. `shownDefault` describes a
 * default too long to print (paths inside node_modules).
 */
export function fileList(opts: FieldOptions<string[]> & { shownDefault?: string }) {
  return field(
    opts,
    (raw) => {
      if (raw.trim().toLowerCase() === "off") return [];
      const files = raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (files.length === 0) throw "must list at least one file, or be off";
      return files;
    },
    (v) => opts.shownDefault ?? (v.length === 0 ? "off" : v.join(",")),
  );
}

/** Comma-separated `host:port` list, as kafkajs `brokers` expects. */
export function brokerList(opts: FieldOptions<string[]>) {
  return field(
    opts,
    (raw) => {
      const brokers = raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (brokers.length === 0) throw "must list at least one host:port";
      for (const b of brokers) {
        const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(b);
        const port = m ? Number(m[2]) : 0;
        if (!m || port < 1 || port > 65535) {
          throw `'${b}' is not host:port (example: 127.0.0.1:9092)`;
        }
      }
      return brokers;
    },
    (v) => v.join(","),
  );
}

/**
 * `scheme://user:secret@host` → `scheme://user:***@host`, also in strings `URL` rejects and in
 * passwords holding an unencoded `@`.
 */
export function withoutUrlPassword(raw: string): string {
  return raw.replace(/\/\/([^/@:]*):[^/]*@/, "//$1:***@");
}

/** An absolute URL with one of `protocols`; errors echo it without its password. */
export function url(opts: FieldOptions<string> & { protocols: readonly string[] }): Field<string> {
  const f = field(
    opts,
    (raw) => {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw `is not a URL (example: ${opts.protocols[0]}//127.0.0.1:8123)`;
      }
      if (!opts.protocols.includes(u.protocol)) {
        throw `must use ${opts.protocols.join(" or ")}, not ${u.protocol}`;
      }
      return raw;
    },
    (v) => v,
  );
  return { ...f, shownRaw: withoutUrlPassword };
}

/**
 * The same field, but leaving it unset is fine: the value is then `undefined`. For settings that
 * matter only beside others (SASL credentials with a SASL protocol); the service that reads them
 * checks the combination.
 */
export function optional<T>(f: Field<T>): Field<T | undefined> {
  return { ...f, default: undefined, optional: true, shownDefault: "(unset)" };
}

/**
 * Parses `env` against `spec`, collecting every problem before failing.
 * Unknown variables with `prefix` are reported (a typo such as `DG_DEMO_EVENT=5` should not
 * silently fall back to a default).
 */
export function parseConfig<S extends ConfigSpec>(
  spec: S,
  env: Readonly<Record<string, string | undefined>>,
  options: { prefix?: string } = {},
): Parsed<S> {
  const issues: ConfigIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) {
    const raw = env[f.env];
    if (raw === undefined || raw === "") {
      if (f.default === undefined && !f.optional) {
        issues.push({ key: f.env, message: `is required: ${f.doc}` });
      } else {
        out[name] = f.default;
      }
      continue;
    }
    try {
      out[name] = f.parse(raw);
    } catch (e) {
      const why = typeof e === "string" ? e : e instanceof Error ? e.message : String(e);
      const shown = f.secret ? "" : ` (got '${f.shownRaw ? f.shownRaw(raw) : raw}')`;
      issues.push({ key: f.env, message: `${why}${shown}; default ${f.shownDefault}` });
    }
  }
  if (options.prefix) {
    const known = new Set(Object.values(spec).map((f) => f.env));
    for (const key of Object.keys(env)) {
      if (key.startsWith(options.prefix) && !known.has(key)) {
        issues.push({
          key,
          message: `unknown setting; known ${options.prefix}* settings: ${[...known]
            .filter((k) => k.startsWith(options.prefix as string))
            .join(", ")}`,
        });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return out as Parsed<S>;
}

/** Rows for a README configuration table: variable, default, meaning. */
export function describeConfig(spec: ConfigSpec): { env: string; default: string; doc: string }[] {
  return Object.values(spec).map((f) => ({ env: f.env, default: f.shownDefault, doc: f.doc }));
}
