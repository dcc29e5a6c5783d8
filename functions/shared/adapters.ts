import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { getAppServices, getStartupConfig, type AppServices } from "../../lib/app/createAppServices";
import { readLimitsConfig, type LimitsConfig } from "../../lib/app/readLimitsConfig";
import { runWithDeadline } from "../../lib/core/deadline";
import { readRequestBody } from "../../lib/useCases/http/readRequestBody";
import { ConfigurationError } from "../../lib/core/errors";
import { createLogger, type Logger } from "../../lib/core/logging/createLogger";
import type { ApiRequest, ApiResponse } from "../../lib/useCases/http/apiTypes";
import { guardApiCall } from "../../lib/useCases/access/guardApiCall";

/** A structured logger writing through the invocation context, tagged with the invocation ID. */
export function invocationLogger(context: InvocationContext): Logger {
  return createLogger(context, { invocationId: context.invocationId, functionName: context.functionName });
}

function toResponseInit(response: ApiResponse): HttpResponseInit {
  return response.body === undefined
    ? { status: response.status, headers: response.headers }
    : { status: response.status, jsonBody: response.body, headers: response.headers };
}

/**
 * The host's key check for the API functions (`authLevel` of their registrations): function keys, except with
 * `AUTH_MODE=entra`, where every call needs an Entra ID token that the app checks instead, so the host asks for no key.
 * While the settings are invalid the keys stay required: nothing opens without a check.
 */
export function apiAuthLevel(): "function" | "anonymous" {
  try {
    return getStartupConfig().access.mode === "entra" ? "anonymous" : "function";
  } catch {
    return "function";
  }
}

/** The limits of the settings the app loaded with, or their defaults while the settings are invalid. */
function currentLimits(): LimitsConfig {
  try {
    return getStartupConfig().limits;
  } catch {
    return readLimitsConfig({}, []);
  }
}

/**
 * Wraps API logic as an HTTP handler: the body read within its limit (413 and 415 answered here, before any parsing),
 * the whole request under the API deadline (outbound calls past it fail, answered 504), services, a logger, and a 503
 * naming the bad settings if config is invalid. The call runs behind its access check and is recorded for audit
 * (`guardApiCall`): with Entra ID access the role it needs is looked up by the function's registered name.
 */
export function httpHandler(
  run: (services: AppServices, request: ApiRequest, logger: Logger) => Promise<ApiResponse>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    const logger = invocationLogger(context);
    const limits = currentLimits();
    const body = await readRequestBody(request, limits.maxRequestBodyBytes);
    if ("refusal" in body) return toResponseInit(body.refusal);
    return runWithDeadline(limits.apiDeadlineMs, async () => {
      let services: AppServices;
      try {
        services = await getAppServices();
      } catch (error) {
        logger.error("start-up failed", { error: (error as Error).message });
        const message = error instanceof ConfigurationError ? error.message : "Storage is unavailable";
        return { status: 503, jsonBody: { error: { code: "unavailable", message } } };
      }
      const apiRequest: ApiRequest = {
        params: request.params,
        query: request.query,
        headers: request.headers,
        json: () => Promise.resolve().then(() => JSON.parse(body.text) as unknown),
      };
      const { functionName, invocationId } = context;
      const call = { functionName, invocationId, request: apiRequest, bodyText: body.text };
      return toResponseInit(await guardApiCall(services.access, call, () => run(services, apiRequest, logger), logger));
    });
  };
}

/**
 * Wraps an Event Grid handler: the event is handled under the event deadline (`EVENT_DEADLINE_MS`, inside the 30 s
 * Event Grid waits), so a dependency that stops answering fails the delivery, which Event Grid retries, instead of
 * holding it until the host gives up.
 */
export function eventHandler(
  run: (services: AppServices, event: unknown, logger: Logger) => Promise<unknown>,
): (event: unknown, context: InvocationContext) => Promise<void> {
  return async (event, context) => {
    const logger = invocationLogger(context);
    await runWithDeadline(currentLimits().eventDeadlineMs, async () => {
      await run(await getAppServices(), event, logger);
    });
  };
}
