import pino, { type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

export type LogFormat = "json" | "pretty" | "auto";

/**
 * Structured logs on stderr, so stdout stays free for what a command prints (tables, ids).
 * JSON for machines; `pretty` (or `auto` on a terminal) for people running the demo.
 * Never log prompt text or credentials: `redact` is a second line of defence.
 */
export function createLogger(name: string, level = "info", format: LogFormat = "auto"): Logger {
  const human = format === "pretty" || (format === "auto" && process.stderr.isTTY === true);
  const destination = human
    ? pretty({ destination: 2, sync: true, ignore: "pid,hostname", translateTime: "SYS:HH:MM:ss.l" })
    : pino.destination(2);
  return pino(
    {
      name,
      level,
      redact: {
        paths: ["password", "*.password", "prompt", "*.prompt", "messages", "*.messages"],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
