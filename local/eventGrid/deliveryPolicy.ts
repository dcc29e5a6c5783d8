/**
 * Event Grid's delivery policy (push delivery to an Azure Function or webhook), from Microsoft Learn "Event Grid
 * message delivery and retry": success is 200–204 only; 400, 413 and 403 are not retried (dead-lettered at once);
 * other failures are retried on the schedule 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h up
 * to the event's time to live, each wait at least the status's minimum (401/404 5 min, 408 2 min, 503 30 s, others
 * 10 s). The service adds a small randomisation; the local topic does not, so runs are repeatable.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Waits between attempts, in real time: the wait after attempt n is entry n-1; the last entry repeats. */
export const EVENT_GRID_RETRY_SCHEDULE_MS: readonly number[] = [
  10 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
];

/** Event Grid's defaults when a subscription sets no retry policy. */
export const DEFAULT_MAX_DELIVERY_ATTEMPTS = 30;
export const DEFAULT_EVENT_TIME_TO_LIVE_MINUTES = 1440;

/** Event Grid waits this long for a response before counting the attempt as timed out. */
export const EVENT_GRID_RESPONSE_TIMEOUT_MS = 30 * SECOND;

/** The outcome of one delivery attempt: an HTTP status, or `0` when no response came (refused, reset, timed out). */
export interface AttemptResult {
  status: number;
  /** True when the attempt was abandoned after the response timeout. */
  timedOut?: boolean;
  /** Response text or network error, for logs and dead letters. */
  detail?: string;
}

/** What to do after a failed attempt. */
export type FailureDecision = { action: "retry"; minimumWaitMs: number } | { action: "deadLetter"; reason: string };

/** True for the statuses Event Grid counts as delivered. */
export function isDeliverySuccess(status: number): boolean {
  return status >= 200 && status <= 204;
}

/** Whether a failed attempt is retried (and the status's minimum wait) or dead-lettered at once. */
export function decideAfterFailure(result: AttemptResult): FailureDecision {
  switch (result.status) {
    case 400:
    case 403:
    case 413:
      return { action: "deadLetter", reason: `UndeliverableDueToHttp${statusName(result.status)}` };
    case 401:
    case 404:
      return { action: "retry", minimumWaitMs: 5 * MINUTE };
    case 408:
      return { action: "retry", minimumWaitMs: 2 * MINUTE };
    case 503:
      return { action: "retry", minimumWaitMs: 30 * SECOND };
    default:
      return { action: "retry", minimumWaitMs: 10 * SECOND };
  }
}

/** The real-time wait after failed attempt number `attempt` (1-based), before time compression. */
export function retryWaitMs(schedule: readonly number[], attempt: number, minimumWaitMs: number): number {
  const step = schedule[Math.min(attempt, schedule.length) - 1] ?? schedule[schedule.length - 1] ?? 0;
  return Math.max(step, minimumWaitMs);
}

/** `lastDeliveryOutcome` as Event Grid writes it in dead letters (`NotFound`, `TimedOut`, `BadRequest`, ...). */
export function deliveryOutcomeName(result: AttemptResult): string {
  if (result.timedOut || result.status === 408) return "TimedOut";
  if (result.status === 0) return "Failed";
  return statusName(result.status);
}

const STATUS_NAMES: Record<number, string> = {
  200: "Success",
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  429: "TooManyRequests",
  500: "InternalServerError",
  501: "NotImplemented",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

/** The .NET `HttpStatusCode` name of a status, as Event Grid reports outcomes. */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `Http${status}`;
}
