import { readWholeNumberSetting } from "./readWholeNumberSetting";

/** How much the app accepts and how long it waits: the settings behind the body limit, timeouts and deadlines. */
export interface LimitsConfig {
  /** Largest request body the HTTP API reads (`MAX_REQUEST_BODY_BYTES`); a larger one is answered 413 unread. */
  maxRequestBodyBytes: number;
  /** How long one try of an outbound call (Table Storage, ACS, the queue) may wait for an answer. */
  outboundTryTimeoutMs: number;
  /** How long one Event Grid event may take in all; past it the event fails and Event Grid redelivers it. */
  eventDeadlineMs: number;
  /** How long one API request may take in all; past it the API answers 504. */
  apiDeadlineMs: number;
}

/** The limits' settings with their defaults and allowed ranges (documented in the README's "Privacy and access"). */
export const LIMIT_SETTINGS = {
  // A send body is a few KB; 64 KiB leaves room for the longest template without letting a client make the app parse
  // megabytes. The host's own limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, set by the Bicep) sits above Event Grid's
  // 1 MB event size.
  MAX_REQUEST_BODY_BYTES: { default: 64 * 1024, min: 1024, max: 4 * 1024 * 1024 },
  OUTBOUND_TRY_TIMEOUT_MS: { default: 10_000, min: 100, max: 60_000 },
  // Event Grid waits 30 s for an answer before it counts the delivery as failed; finish (or fail) before that.
  EVENT_DEADLINE_MS: { default: 25_000, min: 200, max: 28_000 },
  API_DEADLINE_MS: { default: 20_000, min: 200, max: 120_000 },
} as const;

type LimitSetting = keyof typeof LIMIT_SETTINGS;

/** Reads the limits, adding a sentence to `problems` for each setting that is not a whole number in its range. */
export function readLimitsConfig(env: Record<string, string | undefined>, problems: string[]): LimitsConfig {
  const read = (name: LimitSetting) => readWholeNumberSetting(env, name, LIMIT_SETTINGS[name], problems);
  return {
    maxRequestBodyBytes: read("MAX_REQUEST_BODY_BYTES"),
    outboundTryTimeoutMs: read("OUTBOUND_TRY_TIMEOUT_MS"),
    eventDeadlineMs: read("EVENT_DEADLINE_MS"),
    apiDeadlineMs: read("API_DEADLINE_MS"),
  };
}
