import type { TokenCredential } from "@azure/core-auth";
import type { TableServiceClientOptions } from "@azure/data-tables";
import type { StoragePipelineOptions } from "@azure/storage-queue";
import { loadConfig, type AppConfig } from "./loadConfig";
import { parseAdvancedMessageEvent } from "../adapters/acs/events/parseAdvancedMessageEvent";
import type { InboundEventParser } from "../events/types";
import { createCachedIdentityStore } from "../adapters/tableStorage/createCachedIdentityStore";
import { createIdentityStore } from "../adapters/tableStorage/createIdentityStore";
import { type IdentityStore } from "../domain/identity/IdentityStore";
import { createMessageLedger } from "../adapters/tableStorage/createMessageLedger";
import { type MessageLedger } from "../domain/ledger/MessageLedger";
import { createRejectedEventStore } from "../adapters/tableStorage/createRejectedEventStore";
import { type RejectedEventStore } from "../domain/rejections/RejectedEventStore";
import { createSendRecordStore } from "../adapters/tableStorage/createSendRecordStore";
import { type SendRecordStore } from "../domain/messaging/SendRecordStore";
import { createTemplateCatalog, type TemplateCatalog } from "../useCases/messaging/createTemplateCatalog";
import type { SendingChannel } from "../useCases/messaging/sendDeps";
import type { RoutingPorts } from "../useCases/routing/runRoutes";
import {
  createAcsMessagesClient,
  type AcsMessagesClient,
  type AcsMessagesClientOptions,
} from "../adapters/acs/createAcsMessagesClient";
import { createMessageSender } from "../adapters/acs/createMessageSender";
import { type MessageSender } from "../domain/messaging/MessageSender";
import { listTemplates } from "../adapters/acs/listTemplates";
import { createLogger, type Logger } from "../core/logging/createLogger";
import { ConfigurationError } from "../core/errors";
import { createForwardQueue } from "../adapters/queue/createForwardQueue";
import { createRouteActionStore } from "../adapters/tableStorage/createRouteActionStore";
import { createCredential } from "../adapters/credentials/createCredential";
import { createTableClients, ensureTables, type AppTables } from "../adapters/tableStorage/createTableClients";
import { timeoutPolicies } from "../adapters/timeouts/timeoutPolicies";
import { createErasureLog } from "../adapters/tableStorage/createErasureLog";
import { createApiAccess } from "./createApiAccess";
import type { ApiAccessPorts } from "../useCases/access/guardApiCall";
import { createRetentionSweeper } from "../adapters/tableStorage/createRetentionSweeper";
import type { RetentionPorts } from "../useCases/retention/purgeExpired";
import type { ErasureApiPorts } from "../useCases/http/erasureApi";
import { runWithDeadline } from "../core/deadline";

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
  /** The provider's inbound port: ACS's Event Grid events read into the messages and statuses the use cases consume. */
  inbound: InboundEventParser;
  /** The outbound channel the use cases send through (the ACS sender and template catalog); absent like `acs`. */
  channel: SendingChannel | undefined;
  /** What inbound-message routes need: the routes (loaded once, with the config), the forward queue, the action log. */
  routing: RoutingPorts;
  /** What erasing a person reaches: every store, and the erasure log. */
  erasure: ErasureApiPorts;
  /** Who may call the API (function keys, or Entra ID tokens with app roles), and the audit log of the calls. */
  access: ApiAccessPorts;
  /** The retention purge: the sweeper over the tables and the periods from the settings. */
  retention: RetentionPorts;
  clock: () => Date;
}

/** Process-level log sink for components that outlive one invocation (the template cache). */
const processLogger: Logger = createLogger(console);

/** Optional wiring of {@link createAppServices}; production passes none of it. */
export interface AppServicesOptions {
  /** Table client options, e.g. pipeline policies (the benchmarks count round trips with one). */
  tableOptions?: TableServiceClientOptions;
  /** ACS client options: retry policy, TLS settings (a private CA for the emulator's certificate), api-version. */
  acsOptions?: AcsMessagesClientOptions;
  /**
   * The credential for `ACS_ENDPOINT`, instead of the managed identity the settings describe (tests and local tools
   * that authenticate otherwise). Ignored with `ACS_CONNECTION_STRING`.
   */
  acsCredential?: TokenCredential;
  /** Storage Queue client options for the forward queue (e.g. a retry policy). */
  forwardQueueOptions?: StoragePipelineOptions;
  /** Tests only: where the Entra ID token verifier fetches signing keys, instead of the tenant's own key set. */
  entraKeysUrlForTests?: URL;
  clock?: () => Date;
}

/** Wires the services for a config. */
export function createAppServices(config: AppConfig, options: AppServicesOptions = {}): AppServices {
  const timeouts = timeoutPolicies(config.limits.outboundTryTimeoutMs);
  const tables = createTableClients(config.tableStorage, config.tableNamePrefix, {
    ...options.tableOptions,
    additionalPolicies: [...timeouts, ...(options.tableOptions?.additionalPolicies ?? [])],
  });
  const acsConfig = config.messaging.acs;
  let acs: AppServices["acs"];
  if (acsConfig) {
    const client = createAcsMessagesClient(
      acsConfig.kind === "connectionString"
        ? acsConfig
        : {
            kind: "endpoint",
            endpoint: acsConfig.endpoint,
            credential: options.acsCredential ?? createCredential(acsConfig.managedIdentityClientId),
          },
      { ...options.acsOptions, additionalPolicies: [...timeouts, ...(options.acsOptions?.additionalPolicies ?? [])] },
    );
    acs = {
      client,
      sender: createMessageSender(client, processLogger),
      templates: createTemplateCatalog({
        configured: config.messaging.authenticationTemplates,
        // The listing only refines a send (is this an authentication template?) and has a fallback, so it gets one
        // try's time at most rather than the request's whole deadline, which the send itself needs.
        listTemplates: (channelId) =>
          runWithDeadline(config.limits.outboundTryTimeoutMs, () => listTemplates(client, channelId)),
        logger: processLogger,
      }),
    };
  }
  const identityStore = createCachedIdentityStore(createIdentityStore(tables));
  const ledger = createMessageLedger(tables.messages);
  const rejections = createRejectedEventStore(tables.rejectedEvents);
  const sends = createSendRecordStore(tables.sends);
  const actionLog = createRouteActionStore(tables.routeActions);
  const clock = options.clock ?? (() => new Date());
  return {
    config,
    tables,
    identityStore,
    ledger,
    rejections,
    sends,
    acs,
    inbound: parseAdvancedMessageEvent,
    channel: acs
      ? { sender: acs.sender, templates: acs.templates, loopbackUrls: config.messaging.allowLoopbackMediaUrls }
      : undefined,
    routing: {
      routes: config.routing.routes,
      forwardQueue: config.routing.forwardQueue
        ? createForwardQueue(config.routing.forwardQueue, {
            ...options.forwardQueueOptions,
            retryOptions: {
              tryTimeoutInMs: config.limits.outboundTryTimeoutMs,
              ...options.forwardQueueOptions?.retryOptions,
            },
          })
        : undefined,
      actionLog,
    },
    erasure: {
      config,
      identityStore,
      ledger,
      routeActions: actionLog,
      sends,
      rejections,
      erasures: createErasureLog(tables.erasures),
      clock,
      // An event in flight when an erasure began ends by its deadline; a minute on top covers Event Grid's clock.
      lateWriteWindowMs: config.limits.eventDeadlineMs + 60_000,
    },
    access: createApiAccess(config, tables, clock, options.entraKeysUrlForTests),
    retention: { sweeper: createRetentionSweeper(tables), retention: config.retention, clock },
    clock,
  };
}

/**
 * Builds the services for validated settings and creates their tables: the one start path of the functions, the local
 * stack's tools, the scripts and the benchmarks. Settings come either as raw `env` (parsed here by
 * {@link loadConfig}, which throws one {@link ConfigurationError} naming every problem) or as a `config` the caller
 * already parsed with it.
 */
export async function startApp(
  settings: { env: Record<string, string | undefined> } | { config: AppConfig },
  options: AppServicesOptions = {},
): Promise<AppServices> {
  const services = createAppServices("config" in settings ? settings.config : loadConfig(settings.env), options);
  await ensureTables(services.tables);
  return services;
}

let shared: Promise<AppServices> | undefined;
let settingsCheck: { config: AppConfig } | { error: ConfigurationError } | undefined;

/**
 * Where a host that loads the functions in its own process (the local stack) puts their settings while it loads them.
 * It lives on `globalThis` because the functions are a bundle with their own copy of this module.
 */
const PROVIDED_SETTINGS = Symbol.for("acs-advanced-messaging-functions.app.providedSettings");

type SettingsSlot = Record<symbol, Record<string, string | undefined> | undefined>;

/**
 * Runs `load` (a loader of the function app) with `settings` as the source the functions read their settings from,
 * instead of `process.env`. The functions read and validate them as they load (`functions/index.ts` calls
 * {@link getStartupConfig}) and keep that result, so the process environment is never rewritten to configure them.
 */
export function withAppSettings<T>(settings: Record<string, string | undefined>, load: () => T): T {
  const slot = globalThis as unknown as SettingsSlot;
  const previous = slot[PROVIDED_SETTINGS];
  slot[PROVIDED_SETTINGS] = settings;
  try {
    return load();
  } finally {
    slot[PROVIDED_SETTINGS] = previous;
  }
}

/**
 * The app's settings, validated once per process: those a local host provides ({@link withAppSettings}) while it
 * loads the functions, else `process.env` (Azure, where the platform restarts the app when its settings change; the
 * routes file is part of the deployment). Invalid settings throw the same {@link ConfigurationError} (naming every
 * problem) at once on every call, before anything reaches storage.
 */
export function getStartupConfig(): AppConfig {
  if (!settingsCheck) {
    try {
      settingsCheck = { config: loadConfig((globalThis as unknown as SettingsSlot)[PROVIDED_SETTINGS] ?? process.env) };
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      settingsCheck = { error };
    }
  }
  if ("error" in settingsCheck) throw settingsCheck.error;
  return settingsCheck.config;
}

/**
 * The process-wide services, created on first use by {@link startApp}: settings are validated once
 * ({@link getStartupConfig}; bad ones fail every invocation at once with one error naming every problem) and tables
 * are created once. A failed table creation is not cached, so a transient storage outage heals on the next invocation.
 */
export function getAppServices(): Promise<AppServices> {
  if (!shared) {
    // Async, so bad settings reject the promise rather than throw at the caller.
    shared = (async () => startApp({ config: getStartupConfig() }))();
    shared.catch(() => (shared = undefined));
  }
  return shared;
}

/** Forgets the shared services and the settings read (tests switch configuration between files). */
export function resetAppServices(): void {
  shared = undefined;
  settingsCheck = undefined;
}

/**
 * Makes the functions use `services` instead of building them from `process.env`, until the next
 * {@link resetAppServices}. For tests and local tools that need wiring no setting expresses (an injected credential, a
 * retry policy), e.g. from {@link startApp}, which creates their tables.
 */
export function setAppServices(services: AppServices): void {
  shared = Promise.resolve(services);
}
