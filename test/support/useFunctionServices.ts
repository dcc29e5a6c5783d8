import { beforeEach } from "vitest";
import { getAppServices, resetAppServices, type AppServices } from "../../lib/app/createAppServices";
import { azuriteConnectionString, uniqueTablePrefix } from "./createTestTables";

/**
 * Points the functions' own start-up path (settings from `process.env`) at fresh tables in the test Azurite before each
 * test, and returns an accessor for the services the functions use.
 */
export function useFunctionServices(extraEnv: Record<string, string> = {}): () => Promise<AppServices> {
  beforeEach(() => {
    process.env.TABLE_STORAGE_CONNECTION_STRING = azuriteConnectionString();
    process.env.TABLE_NAME_PREFIX = uniqueTablePrefix();
    for (const [name, value] of Object.entries(extraEnv)) process.env[name] = value;
    resetAppServices();
  });
  return getAppServices;
}
