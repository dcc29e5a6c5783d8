import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { getAppServices, type AppServices } from "../../lib/app/createAppServices";
import { ConfigurationError } from "../../lib/core/errors";
import { createLogger, type Logger } from "../../lib/core/logging/createLogger";
import type { ApiRequest, ApiResponse } from "../../lib/useCases/http/apiTypes";

/** A structured logger writing through the invocation context, tagged with the invocation ID. */
export function invocationLogger(context: InvocationContext): Logger {
  return createLogger(context, { invocationId: context.invocationId, functionName: context.functionName });
}

function toResponseInit(response: ApiResponse): HttpResponseInit {
  return response.body === undefined
    ? { status: response.status, headers: response.headers }
    : { status: response.status, jsonBody: response.body, headers: response.headers };
}

/** Wraps API logic as an HTTP handler: services, logger, and a 503 naming the bad settings if config is invalid. */
export function httpHandler(
  run: (services: AppServices, request: ApiRequest, logger: Logger) => Promise<ApiResponse>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    const logger = invocationLogger(context);
    let services: AppServices;
    try {
      services = await getAppServices();
    } catch (error) {
      logger.error("start-up failed", { error: (error as Error).message });
      const message = error instanceof ConfigurationError ? error.message : "Storage is unavailable";
      return { status: 503, jsonBody: { error: { code: "unavailable", message } } };
    }
    return toResponseInit(
      await run(
        services,
        {
          params: request.params,
          query: request.query,
          headers: request.headers,
          json: () => request.json(),
        },
        logger,
      ),
    );
  };
}
