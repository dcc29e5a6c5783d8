import type { TableServiceClientOptions } from "@azure/data-tables";
import { loadConfig, type AppConfig } from "../config/loadConfig";
import { createIdentityStore, type IdentityStore } from "../identity/createIdentityStore";
import { createMessageLedger, type MessageLedger } from "../ledger/createMessageLedger";
import { createRejectedEventStore, type RejectedEventStore } from "../rejections/createRejectedEventStore";
import { createTableClients, ensureTables, type AppTables } from "../storage/createTableClients";

/** Everything the handlers need, built once per process from the validated config. */
export interface AppServices {
  config: AppConfig;
  tables: AppTables;
  identityStore: IdentityStore;
  ledger: MessageLedger;
  rejections: RejectedEventStore;
  clock: () => Date;
}

/** Wires the services for a config. `tableOptions` lets the benchmarks and local host add pipeline policies. */
export function createAppServices(
  config: AppConfig,
  options: { tableOptions?: TableServiceClientOptions; clock?: () => Date } = {},
): AppServices {
  const tables = createTableClients(config.tableStorage, config.tableNamePrefix, options.tableOptions);
  return {
    config,
    tables,
    identityStore: createIdentityStore(tables),
    ledger: createMessageLedger(tables.messages),
    rejections: createRejectedEventStore(tables.rejectedEvents),
    clock: options.clock ?? (() => new Date()),
  };
}

let shared: Promise<AppServices> | undefined;

/**
 * The process-wide services, created on first use from `process.env`: config is validated once (a bad setting fails
 * every invocation with one error naming every problem) and tables are created once. A failed start-up is not cached,
 * so a transient storage outage heals on the next invocation.
 */
export function getAppServices(): Promise<AppServices> {
  if (!shared) {
    shared = (async () => {
      const services = createAppServices(loadConfig(process.env));
      await ensureTables(services.tables);
      return services;
    })();
    shared.catch(() => (shared = undefined));
  }
  return shared;
}

/** Forgets the shared services (tests switch configuration between files). */
export function resetAppServices(): void {
  shared = undefined;
}
