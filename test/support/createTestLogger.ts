import { createLogger, type Logger } from "../../lib/core/logging/createLogger";

/** A logger that keeps every line, so tests can assert on logs (including that nothing leaks in full). */
export function createTestLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  const logger = createLogger({ debug: push, info: push, warn: push, error: push });
  return Object.assign(logger, { lines });
}
