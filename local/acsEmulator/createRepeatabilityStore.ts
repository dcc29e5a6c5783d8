import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { EmulatorError } from "./validateNotification";

/** A response the emulator can send again for a repeated request. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** What to do with an incoming request, as far as repeatability goes. */
export type RepeatabilityDecision =
  /** No repeatability headers: process normally, no `repeatability-result` header. */
  | { action: "process-plain" }
  /** First time this ID is seen (or its earlier answer was a 5xx): process, then {@link RepeatabilityStore.remember}. */
  | { action: "process"; requestId: string; firstSent: number; fingerprint: string }
  /** A repeat of a request already answered: send the remembered answer, marked `accepted`. */
  | { action: "replay"; response: StoredResponse }
  /** The headers are unusable or the ID belongs to another request: send this error, marked `rejected`. */
  | { action: "reject"; error: EmulatorError };

/**
 * Tracks `Repeatability-Request-ID`s as ACS documents for its repeatable requests
 * (learn.microsoft.com/rest/api/communication/repeatable-requests, after OASIS Repeatable Requests 1.0):
 *
 * | Request-ID | First-Sent | result | status |
 * |---|---|---|---|
 * | invalid, or only one header | any | rejected | 400 |
 * | valid | invalid format | rejected | 400 |
 * | valid | older than the tracked window (5 min) | rejected | 412 |
 * | new | within the window | accepted | as processed |
 * | seen, other method/URL/body | within the window | rejected | 400 |
 * | seen, same request | within the window | accepted | the original status and body (2xx/4xx) |
 *
 * A 5xx answer is not remembered, so the repeat is processed again, as ACS does.
 */
export interface RepeatabilityStore {
  decide(request: {
    method: string;
    target: string;
    headers: IncomingHttpHeaders;
    body: Buffer;
  }): RepeatabilityDecision;
  remember(decision: Extract<RepeatabilityDecision, { action: "process" }>, response: StoredResponse): void;
  clear(): void;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
/** Clients' clocks drift; a first-sent this far in the future is still taken as now. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** Creates an in-memory {@link RepeatabilityStore} tracking requests for `windowMs` after their first-sent time. */
export function createRepeatabilityStore(windowMs: number, now: () => number = Date.now): RepeatabilityStore {
  const entries = new Map<string, { firstSent: number; fingerprint: string; response: StoredResponse }>();

  const evictExpired = (at: number) => {
    for (const [id, entry] of entries) if (at - entry.firstSent > windowMs) entries.delete(id);
  };

  return {
    decide({ method, target, headers, body }) {
      const requestId = single(headers["repeatability-request-id"]);
      const firstSentText = single(headers["repeatability-first-sent"]);
      if (requestId === undefined && firstSentText === undefined) return { action: "process-plain" };
      if (requestId === undefined || firstSentText === undefined) {
        return reject(400, "Repeatability-Request-ID and Repeatability-First-Sent must be sent together.");
      }
      if (!UUID_PATTERN.test(requestId)) return reject(400, "Repeatability-Request-ID must be a GUID.");
      const firstSent = IMF_FIXDATE.test(firstSentText) ? Date.parse(firstSentText) : Number.NaN;
      if (Number.isNaN(firstSent)) {
        return reject(
          400,
          "Repeatability-First-Sent must be an HTTP date (IMF-fixdate), e.g. Tue, 15 Nov 1994 08:12:31 GMT.",
        );
      }
      const at = now();
      if (firstSent > at + FUTURE_TOLERANCE_MS) return reject(400, "Repeatability-First-Sent is in the future.");
      if (at - firstSent > windowMs) {
        return reject(
          412,
          `Repeatability-First-Sent is outside the ${Math.round(windowMs / 60000)} minute window; ` +
            "the request is no longer safe to repeat.",
        );
      }
      evictExpired(at);
      const fingerprint = `${method.toUpperCase()} ${target} ${createHash("sha256").update(body).digest("base64")}`;
      const key = requestId.toLowerCase();
      const seen = entries.get(key);
      if (seen === undefined) return { action: "process", requestId: key, firstSent, fingerprint };
      if (seen.fingerprint !== fingerprint) {
        return reject(400, "This Repeatability-Request-ID was already used for a different request.");
      }
      return { action: "replay", response: seen.response };
    },
    remember(decision, response) {
      if (response.status >= 500) return;
      entries.set(decision.requestId, { firstSent: decision.firstSent, fingerprint: decision.fingerprint, response });
    },
    clear() {
      entries.clear();
    },
  };
}

function reject(status: number, message: string): RepeatabilityDecision {
  return {
    action: "reject",
    error: { status, code: status === 412 ? "PreconditionFailed" : "InvalidRepeatabilityHeaders", message },
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
