import { isRestError } from "@azure/core-rest-pipeline";
import { maskIdentifier } from "../../core/logging/mask";
import { isTimeout } from "../timeouts/timeoutPolicies";
import { UpstreamError, UpstreamTransientError } from "../../domain/messaging/sendErrors";

/** The parts of an SDK response this module reads (the SDK's `HttpResponse` fits). */
export interface AcsErrorResponse {
  status: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}

/**
 * Turns an unexpected ACS response into the project's errors: 429 → {@link UpstreamTransientError} with
 * `retryAfterSeconds`; 408, 409 and 5xx → {@link UpstreamTransientError}; any other status → {@link UpstreamError}.
 *
 * `sensitive` lists identifiers (the recipient) to mask wherever ACS echoes them in its message, because callers log
 * error messages.
 */
export function errorFromAcsResponse(
  response: AcsErrorResponse,
  operation: string,
  sensitive: readonly string[] = [],
): UpstreamError | UpstreamTransientError {
  const status = Number(response.status);
  const error = errorObject(response.body);
  const acsErrorCode = nonEmpty(response.headers["x-ms-error-code"]) ?? stringField(error, "code");
  const detail = maskAll(stringField(error, "message") ?? `HTTP ${status}`, sensitive);
  const message = `ACS ${operation} failed with ${status}${acsErrorCode ? ` ${acsErrorCode}` : ""}: ${detail}`;

  if (status === 429) {
    const retryAfterSeconds = retryAfterSecondsFrom(response.headers);
    return new UpstreamTransientError(message, {
      code: "acs_throttled",
      status,
      ...(acsErrorCode === undefined ? {} : { acsErrorCode }),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
  }
  // 408 is a timeout and 409 is "the original repeatable request is still in progress": both succeed on a later try.
  if (status >= 500 || status === 408 || status === 409) {
    const retryAfterSeconds = retryAfterSecondsFrom(response.headers);
    return new UpstreamTransientError(message, {
      code: status >= 500 ? "acs_server_error" : "acs_retryable",
      status,
      ...(acsErrorCode === undefined ? {} : { acsErrorCode }),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
  }
  const channelErrorCode = channelCodeFrom(acsErrorCode, error, detail);
  const target = stringField(error, "target");
  return new UpstreamError(message, {
    status,
    ...(acsErrorCode === undefined ? {} : { acsErrorCode }),
    ...(channelErrorCode === undefined ? {} : { channelErrorCode }),
    ...(target === undefined ? {} : { target }),
  });
}

const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/**
 * Classifies an error the SDK threw: a network failure (no HTTP response) becomes an {@link UpstreamTransientError};
 * anything else (a misconfigured client, a bug) is returned unchanged so it surfaces as it is.
 */
export function errorFromThrown(error: unknown, operation: string): unknown {
  if (isTimeout(error)) {
    return new UpstreamTransientError(`ACS ${operation} did not answer in time`, { code: "acs_timeout", cause: error });
  }
  if (isRestError(error) && error.response === undefined) {
    const code = error.code ?? "";
    if (NETWORK_ERROR_CODES.has(code) || code === "REQUEST_SEND_ERROR" || error.name === "AbortError") {
      return new UpstreamTransientError(`ACS ${operation} could not reach the service: ${code || error.message}`, {
        code: "acs_unreachable",
        cause: error,
      });
    }
  }
  return error;
}

/** Reads `Retry-After` (seconds or an HTTP date) or the millisecond variants Azure services send. */
export function retryAfterSecondsFrom(headers: Record<string, string | undefined>): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const ms = Number(headers[name]);
    if (headers[name] !== undefined && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms / 1000);
  }
  const value = headers["retry-after"]?.trim();
  if (value === undefined || value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function errorObject(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const error = (body as Record<string, unknown>).error;
  return typeof error === "object" && error !== null ? (error as Record<string, unknown>) : undefined;
}

function stringField(object: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === "string" ? nonEmpty(value) : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/**
 * Finds a WhatsApp error code: ACS may put it in the error code itself, in `innererror.code`, or only in the text
 * (Meta writes `(#131062)`).
 */
function channelCodeFrom(
  acsErrorCode: string | undefined,
  error: Record<string, unknown> | undefined,
  message: string,
): string | undefined {
  const inner = error?.innererror;
  const innerCode =
    typeof inner === "object" && inner !== null ? stringField(inner as Record<string, unknown>, "code") : undefined;
  for (const candidate of [acsErrorCode, innerCode]) {
    const match = candidate === undefined ? null : /(?:^|\D)(1\d{5})(?:\D|$)/.exec(candidate);
    if (match?.[1] !== undefined) return match[1];
  }
  return /\(#(\d+)\)/.exec(message)?.[1] ?? /\b(13\d{4})\b/.exec(message)?.[1];
}

function maskAll(text: string, sensitive: readonly string[]): string {
  let result = text;
  for (const value of sensitive) {
    if (value === "") continue;
    const forms = value.startsWith("+") ? [value, value.slice(1)] : [value];
    for (const form of forms) result = result.split(form).join(maskIdentifier(value));
  }
  return result;
}
