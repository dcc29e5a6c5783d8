import { RestError } from "@azure/data-tables";
import { ConfigurationError } from "../core/errors";
import type { AppTables } from "../adapters/tableStorage/createTableClients";
import { isTableMissing } from "../adapters/tableStorage/isTableMissing";
import type { ApiResponse } from "../useCases/http/apiTypes";

/**
 * `GET /api/health`: 200 when Table Storage answers a point read (a 404 for the probe entity proves it is reachable),
 * else 503. A missing table that could not be recreated (Azure refuses for about 40 s after a deletion) is unhealthy:
 * every event would fail until it is back.
 */
export async function checkHealth(tables: Pick<AppTables, "contacts">): Promise<ApiResponse> {
  const started = Date.now();
  try {
    await tables.contacts.getEntity("health", "probe");
  } catch (error) {
    if (isTableMissing(error)) return { status: 503, body: { status: "unhealthy", storage: "table missing" } };
    if (!(error instanceof RestError && error.statusCode === 404)) {
      return { status: 503, body: { status: "unhealthy", storage: "unreachable" } };
    }
  }
  return { status: 200, body: { status: "healthy", storage: "reachable", storageLatencyMs: Date.now() - started } };
}

/**
 * `GET /api/health` when the app could not start: 503 naming every settings problem (the deployment's own answer to
 * "why does nothing work"), or storage unreachable when the tables could not be created.
 */
export function startupFailureHealth(error: unknown): ApiResponse {
  if (error instanceof ConfigurationError) {
    return { status: 503, body: { status: "unhealthy", settings: "invalid", problems: [...error.problems] } };
  }
  return { status: 503, body: { status: "unhealthy", storage: "unreachable" } };
}
