import { loadLocalSettings } from "../local/host/loadLocalSettings";
import type { LocalStackState } from "../local/stack/stackState";

/** The settings `contacts:import` runs with, and where they lead, for the user. */
export interface ImportSettings {
  settings: Record<string, string | undefined>;
  /** Where the contacts go, e.g. "the running local stack (API http://127.0.0.1:7071/api, …)". */
  target: string;
}

/** Inputs of {@link chooseImportSettings}. */
export interface ImportSettingsSources {
  /** The project root, holding `local.settings.json` / `local.settings.sample.json`. */
  appRoot: string;
  env: Record<string, string | undefined>;
  /** The local stacks running now (`findRunningStacks`). */
  stacks: readonly LocalStackState[];
}

const nonEmpty = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

/** Where a table setting points, without its key: an endpoint, an account name or the development storage. */
export function describeTableStorage(settings: Record<string, string | undefined>): string {
  const endpoint = nonEmpty(settings.TABLE_STORAGE_ENDPOINT);
  if (endpoint) return `${endpoint} (managed identity)`;
  const connectionString = nonEmpty(settings.TABLE_STORAGE_CONNECTION_STRING) ?? "";
  if (/UseDevelopmentStorage=true/i.test(connectionString)) {
    return "Azurite at http://127.0.0.1:10002 (UseDevelopmentStorage=true)";
  }
  const tableEndpoint = /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  if (tableEndpoint) return tableEndpoint;
  const account = /AccountName=([^;]+)/i.exec(connectionString)?.[1];
  return account ? `storage account ${account}` : "no table storage configured";
}

function describeStack(stack: LocalStackState): string {
  return `API ${stack.api}, Azurite tables ${stack.azuriteTable}${stack.inMemory ? " in memory" : ""}, pid ${stack.pid}`;
}

/**
 * The settings of `npm run contacts:import`, read as `npm start` reads them: the `Values` of `local.settings.json`,
 * else `local.settings.sample.json`, with variables set in the environment winning. Then, unless the environment
 * itself names the table storage (`TABLE_STORAGE_CONNECTION_STRING` or `TABLE_STORAGE_ENDPOINT`: an explicit target,
 * e.g. the deployed app's account), a running local stack's tables replace the file's, as the stack itself replaces
 * them with its Azurite: the contacts land where the stack's functions read them, even in an in-memory Azurite on
 * ports chosen at start-up. With several stacks running, `PORT` picks one, as it does for the simulator CLI.
 */
export function chooseImportSettings(sources: ImportSettingsSources): ImportSettings {
  const local = loadLocalSettings(sources.appRoot, sources.env);
  const settings: Record<string, string | undefined> = { ...local.values };
  for (const [name, value] of Object.entries(sources.env)) {
    if (nonEmpty(value) !== undefined) settings[name] = value;
  }
  const fromFile = local.source ? ` (settings from ${local.source})` : "";

  const explicit = ["TABLE_STORAGE_CONNECTION_STRING", "TABLE_STORAGE_ENDPOINT"].filter((name) =>
    nonEmpty(sources.env[name]),
  );
  if (explicit.length > 0) {
    return { settings, target: `${describeTableStorage(settings)} (${explicit.join(" and ")} from the environment)` };
  }

  let stacks = sources.stacks;
  if (stacks.length > 1) {
    const port = nonEmpty(sources.env.PORT) ?? "7071";
    stacks = stacks.filter((stack) => new URL(stack.api).port === port);
    if (stacks.length !== 1) {
      throw new Error(
        `${sources.stacks.length} local stacks are running (${sources.stacks.map((stack) => stack.api).join(", ")}) ` +
          `and none of them on port ${port}. Choose one with PORT, as for npm start: PORT=7072 npm run contacts:import -- …`,
      );
    }
  }
  const stack = stacks[0];
  if (stack) {
    return {
      settings: { ...settings, ...stack.settings, TABLE_STORAGE_ENDPOINT: "" },
      target: `the running local stack (${describeStack(stack)})`,
    };
  }
  return { settings, target: `${describeTableStorage(settings)}${fromFile}; no local stack is running` };
}
