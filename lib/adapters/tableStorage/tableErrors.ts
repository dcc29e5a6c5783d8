import { RestError } from "@azure/data-tables";
import { TransientError } from "../../core/errors";
import { isTableMissing } from "./isTableMissing";
import { isTimeout } from "../timeouts/timeoutPolicies";

/**
 * How the Table Storage stores read a failed request. Three answers are expected and mean something to the caller: 404
 * (no such entity), 409 (an insert found the entity already there) and 412 (an ETag-conditional write lost to another
 * writer). Everything else, including a 404 for a table that is missing, is infrastructure trouble and becomes a
 * {@link TransientError}, so the event or request is retried.
 */

/** The HTTP status of a Table Storage error, or undefined when the error carries none (a network failure, a bug). */
export function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/**
 * True for a 404 about the entity. A 404 about the table itself is not a missing entity: the table is recreated on the
 * next request (see `recreateMissingTablePolicy`), so that one is transient.
 */
export function isEntityMissing(error: unknown): boolean {
  return statusOf(error) === 404 && !isTableMissing(error);
}

/** True for a 409: the entity an insert meant to create exists already. */
export function isConflict(error: unknown): boolean {
  return statusOf(error) === 409;
}

/** True for a 412: the entity changed (or went) since the ETag the write was conditional on. */
export function isPreconditionFailed(error: unknown): boolean {
  return statusOf(error) === 412;
}

/**
 * Wraps an unexpected Table Storage failure as a retryable {@link TransientError} (code `storage_timeout` when it ran out
 * of time, else `storage_unavailable`), naming
 * the operation and, when there is one, the HTTP status; the original error is kept as its cause.
 */
export function asTransient(operation: string, error: unknown): TransientError {
  if (isTimeout(error)) {
    return new TransientError(`Table Storage ${operation} did not answer in time`, {
      code: "storage_timeout",
      cause: error,
    });
  }
  const status = statusOf(error);
  return new TransientError(`Table Storage ${operation} failed${status ? ` with HTTP ${status}` : ""}`, {
    code: "storage_unavailable",
    cause: error,
  });
}
