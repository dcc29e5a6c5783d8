import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";
import type { AppConfig, TableStorageConfig } from "../config/loadConfig";

/** The tables the app uses, by role. */
export interface AppTables {
  /** Contacts by contactId (plus tombstones of merged contacts). */
  contacts: TableClient;
  /** Identity keys: (scope, BSUID) and (scope, phone) → contactId. One partition per key, so point reads only. */
  identityKeys: TableClient;
  /** The message ledger: one partition per messageId holding the message row and its status history. */
  messages: TableClient;
  /** Events acknowledged as permanently bad, with the reason and the raw event. */
  rejectedEvents: TableClient;
  /** Send records by idempotency key, so a retried send returns the first result and sends nothing twice. */
  sends: TableClient;
  /** What each route did per inbound message, so a redelivery skips finished route actions. */
  routeActions: TableClient;
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    return false;
  }
}

function connectionStringTargetsLoopback(connectionString: string): boolean {
  if (/UseDevelopmentStorage=true/i.test(connectionString)) return true;
  const endpoint = /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  return endpoint !== undefined && isLoopback(endpoint);
}

/**
 * Creates the credential used for managed-identity access: a user-assigned identity when a client ID is given.
 * `@azure/identity` is loaded here, on first use, not at start-up: it is a third of the app's load time and local
 * runs (connection strings) never need it.
 */
export function createCredential(managedIdentityClientId: string | undefined): TokenCredential {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const identity = require("@azure/identity") as typeof import("@azure/identity");
  return managedIdentityClientId
    ? new identity.ManagedIdentityCredential({ clientId: managedIdentityClientId })
    : new identity.DefaultAzureCredential();
}

/**
 * Creates one table client per role. `options` lets callers add pipeline policies (the benchmarks count round trips
 * with one). Plain HTTP is allowed only for loopback endpoints (Azurite).
 */
export function createTableClients(
  storage: TableStorageConfig,
  prefix: AppConfig["tableNamePrefix"],
  options: TableServiceClientOptions = {},
): AppTables {
  const make = (role: keyof AppTables): TableClient => {
    const tableName = `${prefix}${role[0]!.toUpperCase()}${role.slice(1)}`;
    if (storage.kind === "connectionString") {
      return TableClient.fromConnectionString(storage.connectionString, tableName, {
        ...options,
        allowInsecureConnection: connectionStringTargetsLoopback(storage.connectionString),
      });
    }
    return new TableClient(storage.endpoint, tableName, createCredential(storage.managedIdentityClientId), {
      ...options,
      allowInsecureConnection: isLoopback(storage.endpoint),
    });
  };
  return {
    contacts: make("contacts"),
    identityKeys: make("identityKeys"),
    messages: make("messages"),
    rejectedEvents: make("rejectedEvents"),
    sends: make("sends"),
    routeActions: make("routeActions"),
  };
}

/** Creates the tables if they do not exist (idempotent; run once per process). */
export async function ensureTables(tables: AppTables): Promise<void> {
  await Promise.all(Object.values(tables).map((table: TableClient) => table.createTable()));
}
