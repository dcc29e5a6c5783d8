import { AppError, NotFoundError, RuleRefusalError, TransientError, ValidationError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";

/** The parts of an HTTP request the API logic reads (an `@azure/functions` HttpRequest fits). */
export interface ApiRequest {
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}

/** An HTTP response as plain data; `functions/` turns it into the host's response type. */
export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Reads a JSON body, turning unparseable input into a 400 instead of a crash. */
export async function readJsonBody(request: ApiRequest): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new ValidationError("The request body must be valid JSON", { code: "invalid_json", field: "body" });
  }
}

/**
 * Maps an error to the API's error response: 400 for invalid input (naming the field), 404, 422 for rule refusals,
 * 503 for transient trouble, 504 when a dependency did not answer in time. Anything unexpected is logged and answered with a generic 500 that leaks nothing.
 */
export function toErrorResponse(error: unknown, logger: Logger): ApiResponse {
  if (error instanceof ValidationError) {
    return { status: 400, body: { error: { code: error.code, message: error.message, field: error.field ?? null } } };
  }
  if (error instanceof NotFoundError)
    return { status: 404, body: { error: { code: error.code, message: error.message } } };
  if (error instanceof RuleRefusalError) {
    return { status: 422, body: { error: { code: error.code, message: error.message } } };
  }
  if (isTimeoutError(error)) {
    logger.warn("request ran out of time on a dependency", { code: error.code, error: error.message });
    return {
      status: 504,
      body: { error: { code: error.code, message: "A dependency did not answer in time; try again shortly" } },
      headers: { "Retry-After": "5" },
    };
  }
  if (error instanceof TransientError) {
    logger.warn("request failed on a dependency", { code: error.code, error: error.message });
    return {
      status: 503,
      body: { error: { code: error.code, message: "A dependency is unavailable; try again shortly" } },
      headers: { "Retry-After": String(error.retryAfterSeconds ?? 5) },
    };
  }
  if (error instanceof AppError && error.permanent) {
    return { status: 400, body: { error: { code: error.code, message: error.message } } };
  }
  logger.error("unexpected error", { error: error instanceof Error ? error.message : String(error) });
  return { status: 500, body: { error: { code: "internal_error", message: "Unexpected error" } } };
}

/**
 * True for a transient failure that is a timeout: a dependency that did not answer within a try's timeout, or the
 * request's deadline (the adapters' codes end in `_timeout`).
 */
export function isTimeoutError(error: unknown): error is TransientError {
  return error instanceof TransientError && error.code.endsWith("_timeout");
}
