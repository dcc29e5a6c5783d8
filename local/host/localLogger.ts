import { format } from "node:util";

/** Levels of the local stack's log lines (the Functions host's, minus `critical`). */
export type LocalLogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** One structured log line of the local stack. */
export interface LocalLogRecord {
  time: string;
  level: LocalLogLevel;
  message: string;
  [field: string]: unknown;
}

/** Where the local host, topic and stack write: one structured record per line. */
export interface LocalLogger {
  log(level: LocalLogLevel, message: string, fields?: Record<string, unknown>): void;
}

const LEVEL_ORDER: Record<LocalLogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

/**
 * A logger writing each record as one JSON line (to stdout by default), like the app's own logs, so local runs read
 * the same as Application Insights traces. Records below `minLevel` are dropped.
 */
export function createJsonLineLogger(
  options: { write?: (line: string) => void; minLevel?: LocalLogLevel; clock?: () => Date } = {},
): LocalLogger {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const min = LEVEL_ORDER[options.minLevel ?? "info"];
  const clock = options.clock ?? (() => new Date());
  return {
    log(level, message, fields = {}) {
      if (LEVEL_ORDER[level] < min) return;
      write(JSON.stringify({ time: clock().toISOString(), level, message, ...fields }));
    },
  };
}

/** A logger keeping every record in memory (tests, and callers that print on their own). */
export function createMemoryLogger(): LocalLogger & { records: LocalLogRecord[] } {
  const records: LocalLogRecord[] = [];
  return {
    records,
    log(level, message, fields = {}) {
      records.push({ time: new Date().toISOString(), level, message, ...fields });
    },
  };
}

/** A logger that drops everything. */
export const silentLocalLogger: LocalLogger = { log: () => undefined };

/** Maps a Functions log level (`information`, `warning`, `critical`, ...) to the local levels. */
export function fromFunctionsLogLevel(level: string): LocalLogLevel {
  switch (level) {
    case "trace":
      return "trace";
    case "debug":
      return "debug";
    case "warning":
      return "warn";
    case "error":
    case "critical":
      return "error";
    default:
      return "info";
  }
}

/**
 * Turns the arguments of an `InvocationContext` log call into a message and fields. The app logs one JSON object per
 * call (`lib/core/logging/createLogger`); its fields are kept as fields rather than nested in a string.
 */
export function fromInvocationLogArgs(args: unknown[]): { message: string; fields: Record<string, unknown> } {
  if (args.length === 1 && typeof args[0] === "string" && args[0].startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(args[0]);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        const { message, level: _level, ...fields } = parsed as Record<string, unknown>;
        return { message: typeof message === "string" ? message : args[0], fields };
      }
    } catch {
      // Not JSON after all: logged as text below.
    }
  }
  return { message: format(...args), fields: {} };
}
