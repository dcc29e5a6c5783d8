import type { LogSink } from "../../../lib/core/logging/createLogger";
import type { LocalLogger } from "../../../local/host/localLogger";

/**
 * Every log line the reliability suite produces in this test file: the app's loggers (a sink the tests pass to the
 * handlers), the local stack's logger, and `console` / stdout / stderr (patched by `capturePrivacy.ts`).
 */
export const capturedLines: string[] = [];

/** Full identifiers the test file used (BSUIDs; phones as ACS digits), to look for in the captured lines. */
const identifiers = new Set<string>();
const phoneLengths = new Set<number>();

/** Registers identifiers the privacy check must never find in full; phones with or without `+`. */
export function registerIdentifiers(...values: (string | undefined | null)[]): void {
  for (const value of values) {
    if (!value) continue;
    const digits = value.startsWith("+") ? value.slice(1) : value;
    identifiers.add(digits);
    if (/^\d+$/.test(digits)) phoneLengths.add(digits.length);
  }
}

export function registeredIdentifierCount(): number {
  return identifiers.size;
}

function record(line: string): void {
  capturedLines.push(line);
}

/** A sink for `createLogger`: what the app logs through an `InvocationContext`, kept for the privacy check. */
export const captureSink: LogSink = {
  debug: (...args) => record(args.map(String).join(" ")),
  info: (...args) => record(args.map(String).join(" ")),
  warn: (...args) => record(args.map(String).join(" ")),
  error: (...args) => record(args.map(String).join(" ")),
};

/** A local-stack logger (host, topic) whose records are kept as JSON lines for the privacy check. */
export const captureLocalLogger: LocalLogger = {
  log(level, message, fields = {}) {
    record(JSON.stringify({ level, message, ...fields }));
  },
};

/**
 * The examples in the app's validation messages ("… (e.g. US.13491208655302741918)", "e.g. +14255551234 or
 * 14255551234"): fixed documentation text, the same in every message, not an identifier taken from an event. Only the
 * exact example phrases are removed; the same identifier anywhere else in a line still counts.
 */
const DOCUMENTED_EXAMPLES = [
  "(e.g. US.13491208655302741918)",
  "e.g. +14255551234 or 14255551234",
  "(e.g. +14255551234)",
];

function withoutDocumentedExamples(line: string): string {
  let result = line;
  for (const example of DOCUMENTED_EXAMPLES) result = result.split(example).join("(example)");
  return result;
}

// A BSUID in full: two upper-case letters, a period, optionally `ENT.`, then the ID. The masked form (`US.****918`)
// does not match, because of the asterisks.
const BSUID_PATTERN = /(?<![A-Za-z0-9])[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{4,}/g;
const DIGIT_RUN = /\d{8,}/g;

/**
 * The leaks in `lines`: any BSUID-shaped value in full (registered or not), and any registered phone number inside a
 * run of digits. Each leak is reported once, with the line it was found in (shortened).
 */
export function findLeaks(lines: readonly string[]): { identifier: string; line: string }[] {
  const leaks = new Map<string, string>();
  for (const original of lines) {
    const line = withoutDocumentedExamples(original);
    for (const match of line.matchAll(BSUID_PATTERN)) {
      if (!leaks.has(match[0])) leaks.set(match[0], original.slice(0, 300));
    }
    for (const match of line.matchAll(DIGIT_RUN)) {
      const run = match[0];
      for (const length of phoneLengths) {
        for (let i = 0; i + length <= run.length; i++) {
          const candidate = run.slice(i, i + length);
          if (identifiers.has(candidate) && !leaks.has(candidate)) leaks.set(candidate, original.slice(0, 300));
        }
      }
    }
  }
  return [...leaks].map(([identifier, line]) => ({ identifier, line }));
}
