import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Where credentials could reach a log line: request headers and bodies, configuration, and the top level.
 * Paths are explicit on purpose: a leading wildcard (`*.password`) makes pino redact every child logger's
 * bindings, which costs a measurable share of each request.
 */
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "set-cookie",
  "password",
  "token",
  "apiToken",
  "databaseUrl",
  "redisUrl",
];
const SECRET_CONTAINERS = [
  "req.headers",
  "res.headers",
  "headers",
  "body",
  "req.body",
  "config",
  "user",
  "credentials",
];
export const REDACTED_PATHS = [
  ...SECRET_KEYS.map((key) => `["${key}"]`),
  ...SECRET_CONTAINERS.flatMap((container) => SECRET_KEYS.map((key) => `${container}["${key}"]`)),
];

export interface LoggerOptions {
  readonly level: string;
  readonly version: string;
  /** Where JSON lines go; stdout by default. */
  readonly destination?: DestinationStream;
}

/**
 * Standard output, written asynchronously: lines logged while a write is in progress go out together in
 * the next one, so a busy service makes one write per batch rather than one per line. What is still
 * buffered is written synchronously when the process exits.
 */
function stdoutDestination(): DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 0 });
  process.once("exit", () => {
    try {
      stdout.flushSync();
    } catch {
      // Nothing more can be done with lines that cannot be written at exit.
    }
  });
  return stdout;
}

export function createLogger({ level, version, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service: "leadms-backend", version },
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination ?? stdoutDestination(),
  );
}
