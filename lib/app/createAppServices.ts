import type { TableServiceClientOptions } from "@azure/data-tables";
import { loadConfig, type AppConfig } from "../config/loadConfig";
import { createIdentityStore, type IdentityStore } from "../identity/createIdentityStore";
import { createMessageLedger, type MessageLedger } from "../ledger/createMessageLedger";
import { createRejectedEventStore, type RejectedEventStore } from "../rejections/createRejectedEventStore";
import { createSendRecordStore, type SendRecordStore } from "../messaging/createSendRecordStore";
import { createTemplateCatalog, type TemplateCatalog } from "../messaging/createTemplateCatalog";
import type { SendDeps } from "../messaging/sendToContact";
import {
  createAcsMessagesClient,
  type AcsMessagesClient,
  type AcsMessagesClientOptions,
} from "../sending/createAcsMessagesClient";
import { createMessageSender, type MessageSender } from "../sending/createMessageSender";
import { listTemplates } from "../sending/listTemplates";
import { createLogger, type Logger } from "../logging/createLogger";
import { ConfigurationError } from "../errors";
import { createCredential, createTableClients, ensureTables, type AppTables } from "../storage/createTableClients";

/** Everything the handlers need, built once per process from the validated config. */
export interface AppServices {
  config: AppConfig;
  tables: AppTables;
  identityStore: IdentityStore;
  ledger: MessageLedger;
  rejections: RejectedEventStore;
  sends: SendRecordStore;
  /** The ACS side; absent when neither ACS_CONNECTION_STRING nor ACS_ENDPOINT is set. */
  acs: { client: AcsMessagesClient; sender: MessageSender; templates: TemplateCatalog } | undefined;
  clock: () => Date;
}

/** Process-level log sink for components that outlive one invocation (the template cache). */
const processLogger: Logger = createLogger(console);

/** Wires the services for a config. `tableOptions` lets the benchmarks and local host add pipeline policies. */
export function createAppServices(
  config: AppConfig,
  options: {
    tableOptions?: TableServiceClientOptions;
    acsOptions?: AcsMessagesClientOptions;
    clock?: () => Date;
  } = {},
): AppServices {
  const tables = createTableClients(config.tableStorage, config.tableNamePrefix, options.tableOptions);
  const acsConfig = config.messaging.acs;
  let acs: AppServices["acs"];
  if (acsConfig) {
    const client = createAcsMessagesClient(
      acsConfig.kind === "connectionString"
        ? acsConfig
        : {
            kind: "endpoint",
            endpoint: acsConfig.endpoint,
            credential: createCredential(acsConfig.managedIdentityClientId),
          },
      options.acsOptions,
    );
    acs = {
      client,
      sender: createMessageSender(client, processLogger),
      templates: createTemplateCatalog({
        configured: config.messaging.authenticationTemplates,
        listTemplates: (channelId) => listTemplates(client, channelId),
        logger: processLogger,
      }),
    };
  }
  return {
    config,
    tables,
    identityStore: createIdentityStore(tables),
    ledger: createMessageLedger(tables.messages),
    rejections: createRejectedEventStore(tables.rejectedEvents),
    sends: createSendRecordStore(tables.sends),
    acs,
    clock: options.clock ?? (() => new Date()),
  };
}

/** The dependencies of a send, for one invocation's logger. Throws when ACS is not configured. */
export function sendDepsOf(services: AppServices, logger: Logger): SendDeps {
  if (!services.acs) {
    throw new ConfigurationError(["sending needs ACS_ENDPOINT (Azure, managed identity) or ACS_CONNECTION_STRING"]);
  }
  return {
    config: services.config,
    identityStore: services.identityStore,
    ledger: services.ledger,
    sends: services.sends,
    sender: services.acs.sender,
    templates: services.acs.templates,
    clock: services.clock,
    logger,
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
