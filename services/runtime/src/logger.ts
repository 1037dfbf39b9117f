import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

export type LogFormat = "json" | "pretty" | "auto";

/**
 * Fields never written: prompt text, and secrets up to three levels down (as deep as a
 * password sits in a logged `{ connections }`): passwords, also as the settings name them,
 * and kafkajs `ssl` options, which hold the client's private key.
 */
const REDACTED = [
  ...["prompt", "messages"].flatMap((f) => [f, `*.${f}`]),
  ...[
    "password",
    "passphrase",
    "kafkaSaslPassword",
    "kafkaSslKeyPassword",
    "clickhousePassword",
    "ssl",
  ].flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
];

/**
 * Structured logs on stderr, so stdout stays free for what a command prints (tables, ids).
 * JSON for machines; `pretty` (or `auto` on a terminal) for people running the demo.
 * Never log prompt text or credentials: `redact` is a second line of defence. `destination`
 * replaces stderr (tests read what was logged).
 */
export function createLogger(
  name: string,
  level = "info",
  format: LogFormat = "auto",
  destination?: DestinationStream,
): Logger {
  const human = format === "pretty" || (format === "auto" && process.stderr.isTTY === true);
  const out =
    destination ??
    (human
      ? pretty({ destination: 2, sync: true, ignore: "pid,hostname", translateTime: "SYS:HH:MM:ss.l" })
      : pino.destination(2));
  return pino({ name, level, redact: { paths: REDACTED, censor: "[redacted]" } }, out);
}
