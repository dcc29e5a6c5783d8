import { RestError, type PipelinePolicy, type PipelineRequest } from "@azure/core-rest-pipeline";
import { withDeadline } from "../../core/deadline";

/** The `RestError` code a try that ran out of time gets, which the SDKs' retry strategies already retry. */
export const TRY_TIMEOUT_CODE = "ETIMEDOUT";

/**
 * Per try: a request with no response headers after `tryTimeoutMs` is abandoned and becomes a `RestError` with code
 * `ETIMEDOUT`, so the SDK's retry policy (which this policy sits behind, `perRetry`) tries again as it does for a
 * dropped connection. Without it a service that accepts the connection and never answers holds the call forever.
 */
export function tryTimeoutPolicy(tryTimeoutMs: number): PipelinePolicy {
  return {
    name: "tryTimeoutPolicy",
    async sendRequest(request, next) {
      request.timeout = tryTimeoutMs;
      try {
        return await next(request);
      } catch (error) {
        // The HTTP client reports its own timeout as an abort; the caller's abort (or the deadline) stays one.
        if ((error as Error | undefined)?.name === "AbortError" && !request.abortSignal?.aborted) {
          throw new RestError(`no response within ${tryTimeoutMs} ms`, { code: TRY_TIMEOUT_CODE, request });
        }
        throw error;
      }
    },
  };
}

/**
 * Per call, around the retries: the request also honours the deadline of the invocation it is made for
 * (`runWithDeadline`), so retries and their waits stop when the event or API request has run out of time.
 */
export function deadlinePolicy(): PipelinePolicy {
  return {
    name: "deadlinePolicy",
    sendRequest(request, next) {
      const signal = withDeadline(asAbortSignal(request.abortSignal));
      if (signal) request.abortSignal = signal;
      return next(request);
    },
  };
}

/** The SDKs accept any object shaped like an AbortSignal; combining signals needs a real one. */
function asAbortSignal(signal: PipelineRequest["abortSignal"]): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener("abort", () => controller.abort(), { once: true });
  return controller.signal;
}

/** Both policies, placed where each belongs, for a client's `additionalPolicies`. */
export function timeoutPolicies(tryTimeoutMs: number): { policy: PipelinePolicy; position: "perCall" | "perRetry" }[] {
  return [
    { policy: deadlinePolicy(), position: "perCall" },
    { policy: tryTimeoutPolicy(tryTimeoutMs), position: "perRetry" },
  ];
}

/** True for an error that means the call ran out of time: a try's timeout, or the invocation's deadline. */
export function isTimeout(error: unknown): boolean {
  const candidate = error as { name?: unknown; code?: unknown; cause?: unknown } | undefined;
  if (!candidate) return false;
  if (candidate.name === "AbortError" || candidate.name === "TimeoutError") return true;
  if (candidate.code === TRY_TIMEOUT_CODE || candidate.code === "ESOCKETTIMEDOUT") return true;
  return candidate.cause !== undefined && candidate.cause !== error && isTimeout(candidate.cause);
}
