import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { getAppServices, type AppServices } from "../lib/app/createAppServices";
import { checkHealth, startupFailureHealth } from "../lib/app/checkHealth";
import { invocationLogger } from "./shared/adapters";

/** Answers for itself when start-up failed: the reason (invalid settings, unreachable storage) is what it reports. */
export async function healthHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  let services: AppServices;
  try {
    services = await getAppServices();
  } catch (error) {
    invocationLogger(context).error("start-up failed", { error: (error as Error).message });
    const response = startupFailureHealth(error);
    return { status: response.status, jsonBody: response.body };
  }
  const response = await checkHealth(services.tables);
  return { status: response.status, jsonBody: response.body };
}

app.http("health", { methods: ["GET"], authLevel: "function", route: "health", handler: healthHandler });
