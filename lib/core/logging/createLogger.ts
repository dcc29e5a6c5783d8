/** Structured fields attached to a log line. Identifiers must be masked with `maskIdentifier` before they get here. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** The logger every `lib` component takes: structured, levelled, carrying the invocation ID. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** Where log lines go: an Azure Functions `InvocationContext` fits, so does `console`. */
export interface LogSink {
  trace?(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/**
 * Creates a logger writing one JSON object per line to `sink`, with `fields` (e.g. `invocationId`) on every line.
 * JSON keeps lines queryable in Application Insights.
 */
export function createLogger(sink: LogSink, fields: LogFields = {}): Logger {
  const write = (level: "debug" | "info" | "warn" | "error", message: string, extra?: LogFields) => {
    sink[level](JSON.stringify({ level, message, ...fields, ...extra }));
  };
  return {
    debug: (message, extra) => write("debug", message, extra),
    info: (message, extra) => write("info", message, extra),
    warn: (message, extra) => write("warn", message, extra),
    error: (message, extra) => write("error", message, extra),
    child: (more) => createLogger(sink, { ...fields, ...more }),
  };
}

/** A logger that discards everything (for benchmarks and scripts that report on their own). */
export const silentLogger: Logger = createLogger({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});
