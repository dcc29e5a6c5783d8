import { existsSync } from "node:fs";
import { ConfigurationError } from "../core/errors";
import { DEFAULT_FORWARD_QUEUE_NAME, type ForwardQueueConfig } from "../adapters/queue/createForwardQueue";
import { DEFAULT_ROUTES_FILE, loadRoutesFile, resolveRoutesPath } from "./loadRoutes";
import { findAppRoot } from "./findAppRoot";
import { type Route } from "../domain/routing/routes";
import { isGuid } from "../core/values/ChannelId";
import type { ChannelId } from "../core/values/ChannelId";
import type { Scope } from "../core/values/identifiers";
import type { TableStorageConfig } from "../adapters/tableStorage/createTableClients";
import { isLoopbackHost } from "../core/isLoopbackHost";
import { LIMIT_SETTINGS, readLimitsConfig, type LimitsConfig } from "./readLimitsConfig";
import { RETENTION_SETTINGS, readRetentionConfig, type RetentionConfig } from "./readRetentionConfig";
import { ACCESS_SETTINGS, readAccessConfig, type AccessConfig } from "./readAccessConfig";

/** How the app reaches ACS: a connection string (local, the emulator) or an endpoint with a managed identity. */
export type AcsConfig =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "endpoint"; endpoint: string; managedIdentityClientId: string | undefined };

/** Settings of the sending side. */
export interface MessagingConfig {
  /** Absent when neither ACS setting is given: the app still ingests events, but cannot send. */
  acs: AcsConfig | undefined;
  /** The channels this app sends on; with exactly one, requests may omit `channelId`. */
  channelIds: ChannelId[];
  /** Which identifier to address when a contact has both. */
  addressPreference: "bsuid" | "phone";
  /** False for tenants where sending to BSUIDs is not live yet: sends go to phones only. */
  bsuidSendsEnabled: boolean;
  /** Template names known to be authentication templates (in addition to what ACS's template listing says). */
  authenticationTemplates: ReadonlySet<string>;
  /**
   * True only when ACS itself runs on this machine (the emulator): then media URLs may point at loopback addresses.
   * Real ACS fetches media from the internet, where such a URL means nothing (or something it should not reach).
   */
  allowLoopbackMediaUrls: boolean;
}

/** Settings of the routes that act on inbound messages (reply, forward). */
export interface RoutingConfig {
  /** Absolute path of the routes file that was loaded; undefined when there is none (the default file is absent). */
  routesFile: string | undefined;
  /** In file order; empty when there is no routes file. */
  routes: readonly Route[];
  /** The Storage Queue `forward` routes write to; absent when neither forward queue setting is given. */
  forwardQueue: ForwardQueueConfig | undefined;
}

/** Everything the app reads from its settings, validated once at start-up. */
export interface AppConfig {
  tableStorage: TableStorageConfig;
  /** Prefix for every table name, so several deployments can share one account. */
  tableNamePrefix: string;
  /** Scope used for channels without an entry in `scopeByChannel`. */
  defaultScope: Scope;
  /** Business-portfolio scope of each channel registration ID (lower case). */
  scopeByChannel: ReadonlyMap<ChannelId, Scope>;
  messaging: MessagingConfig;
  routing: RoutingConfig;
  limits: LimitsConfig;
  retention: RetentionConfig;
  /** Who may call the HTTP API: function keys, or Entra ID tokens with app roles. */
  access: AccessConfig;
}

/** Every setting the app reads, for documentation and the infra checks. */
export const CONFIG_SETTINGS = [
  "TABLE_STORAGE_CONNECTION_STRING",
  "TABLE_STORAGE_ENDPOINT",
  "AZURE_CLIENT_ID",
  "TABLE_NAME_PREFIX",
  "DEFAULT_SCOPE",
  "CHANNEL_SCOPES",
  "ACS_CONNECTION_STRING",
  "ACS_ENDPOINT",
  "ACS_CHANNEL_IDS",
  "SEND_ADDRESS_PREFERENCE",
  "BSUID_SENDS_ENABLED",
  "AUTHENTICATION_TEMPLATES",
  "ROUTES_FILE",
  "FORWARD_QUEUE_CONNECTION_STRING",
  "FORWARD_QUEUE_SERVICE_URI",
  "FORWARD_QUEUE_NAME",
  ...(Object.keys(LIMIT_SETTINGS) as (keyof typeof LIMIT_SETTINGS)[]),
  ...(Object.keys(RETENTION_SETTINGS) as (keyof typeof RETENTION_SETTINGS)[]),
  ...ACCESS_SETTINGS,
] as const;

const SCOPE_PATTERN = /^[A-Za-z0-9-]{1,63}$/;
const TABLE_PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,39}$/;

type Env = Record<string, string | undefined>;

function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * Reads and validates the app's settings. Throws one {@link ConfigurationError} naming every problem, so a
 * misconfigured deployment is fixed in one pass rather than one setting at a time.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];

  const connectionString = setting(env, "TABLE_STORAGE_CONNECTION_STRING");
  const endpoint = setting(env, "TABLE_STORAGE_ENDPOINT");
  let tableStorage: TableStorageConfig | undefined;
  if (connectionString && endpoint) {
    problems.push("set only one of TABLE_STORAGE_CONNECTION_STRING and TABLE_STORAGE_ENDPOINT");
  } else if (connectionString) {
    tableStorage = { kind: "connectionString", connectionString };
  } else if (endpoint) {
    if (!/^https?:\/\/[^\s/]+/.test(endpoint)) {
      problems.push("TABLE_STORAGE_ENDPOINT must be a URL such as https://<account>.table.core.windows.net");
    } else {
      tableStorage = { kind: "endpoint", endpoint, managedIdentityClientId: setting(env, "AZURE_CLIENT_ID") };
    }
  } else {
    problems.push(
      "TABLE_STORAGE_CONNECTION_STRING (local, e.g. UseDevelopmentStorage=true) or TABLE_STORAGE_ENDPOINT (Azure) is required",
    );
  }

  const tableNamePrefix = setting(env, "TABLE_NAME_PREFIX") ?? "acs";
  if (!TABLE_PREFIX_PATTERN.test(tableNamePrefix)) {
    problems.push("TABLE_NAME_PREFIX must start with a letter and hold at most 40 letters or digits");
  }

  const defaultScope = setting(env, "DEFAULT_SCOPE") ?? "default";
  if (!SCOPE_PATTERN.test(defaultScope)) problems.push("DEFAULT_SCOPE must be 1-63 letters, digits or hyphens");

  const scopeByChannel = new Map<ChannelId, Scope>();
  const rawScopes = setting(env, "CHANNEL_SCOPES");
  if (rawScopes) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawScopes);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      problems.push('CHANNEL_SCOPES must be a JSON object mapping channel IDs to scopes, e.g. {"<guid>":"brand-a"}');
    } else {
      for (const [channel, scope] of Object.entries(parsed)) {
        if (!isGuid(channel)) problems.push(`CHANNEL_SCOPES key "${channel}" is not a channel ID (GUID)`);
        else if (typeof scope !== "string" || !SCOPE_PATTERN.test(scope))
          problems.push(`CHANNEL_SCOPES value for ${channel} must be 1-63 letters, digits or hyphens`);
        else scopeByChannel.set(channel.toLowerCase() as ChannelId, scope as Scope);
      }
    }
  }

  const messaging = readMessagingConfig(env, problems);
  const routing = readRoutingConfig(env, problems, messaging);
  const limits = readLimitsConfig(env, problems);
  const retention = readRetentionConfig(env, problems);
  const access = readAccessConfig(env, problems);

  if (problems.length > 0 || !tableStorage) throw new ConfigurationError(problems);
  return {
    tableStorage,
    tableNamePrefix,
    defaultScope: defaultScope as Scope,
    scopeByChannel,
    messaging,
    routing,
    limits,
    retention,
    access,
  };
}

function readMessagingConfig(env: Env, problems: string[]): MessagingConfig {
  const connectionString = setting(env, "ACS_CONNECTION_STRING");
  const endpoint = setting(env, "ACS_ENDPOINT");
  let acs: AcsConfig | undefined;
  if (connectionString && endpoint) problems.push("set only one of ACS_CONNECTION_STRING and ACS_ENDPOINT");
  else if (connectionString) {
    if (!/endpoint=https?:\/\/[^;]+;\s*accesskey=[^;]+/i.test(connectionString)) {
      problems.push(
        "ACS_CONNECTION_STRING must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<key>",
      );
    } else acs = { kind: "connectionString", connectionString };
  } else if (endpoint) {
    if (!/^https?:\/\/[^\s/]+/.test(endpoint)) {
      problems.push("ACS_ENDPOINT must be a URL such as https://<resource>.communication.azure.com");
    } else acs = { kind: "endpoint", endpoint, managedIdentityClientId: setting(env, "AZURE_CLIENT_ID") };
  }

  const channelIds: ChannelId[] = [];
  for (const raw of (setting(env, "ACS_CHANNEL_IDS") ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean)) {
    if (isGuid(raw)) channelIds.push(raw.toLowerCase() as ChannelId);
    else problems.push(`ACS_CHANNEL_IDS entry "${raw}" is not a channel registration ID (GUID)`);
  }

  const preference = (setting(env, "SEND_ADDRESS_PREFERENCE") ?? "bsuid").toLowerCase();
  if (preference !== "bsuid" && preference !== "phone") problems.push("SEND_ADDRESS_PREFERENCE must be bsuid or phone");

  const bsuidSends = (setting(env, "BSUID_SENDS_ENABLED") ?? "true").toLowerCase();
  if (bsuidSends !== "true" && bsuidSends !== "false") problems.push("BSUID_SENDS_ENABLED must be true or false");

  const authenticationTemplates = new Set(
    (setting(env, "AUTHENTICATION_TEMPLATES") ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
  );

  return {
    acs,
    channelIds,
    addressPreference: preference === "phone" ? "phone" : "bsuid",
    bsuidSendsEnabled: bsuidSends !== "false",
    authenticationTemplates,
    allowLoopbackMediaUrls: acs !== undefined && isLoopbackHost(acsHost(acs)),
  };
}

/** The host name ACS is reached at, as `URL.hostname` gives it ("" when unreadable). */
function acsHost(acs: AcsConfig): string {
  const endpoint =
    acs.kind === "endpoint" ? acs.endpoint : (/endpoint=([^;]+)/i.exec(acs.connectionString)?.[1] ?? "").trim();
  try {
    return new URL(endpoint).hostname;
  } catch {
    return "";
  }
}

const QUEUE_NAME_PATTERN = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

/**
 * Reads the routing settings and loads the routes file, so that a bad route fails start-up together with every other
 * setting problem. `ROUTES_FILE` defaults to `routes.json`; a relative path is resolved against the app root (the
 * directory holding `host.json`). A missing default file means "no routes"; a missing file that `ROUTES_FILE` names
 * is a problem. Routes that forward need a forward queue, routes that reply need ACS: both are checked here.
 */
function readRoutingConfig(env: Env, problems: string[], messaging: MessagingConfig): RoutingConfig {
  const connectionString = setting(env, "FORWARD_QUEUE_CONNECTION_STRING");
  const serviceUri = setting(env, "FORWARD_QUEUE_SERVICE_URI");
  const queueName = setting(env, "FORWARD_QUEUE_NAME") ?? DEFAULT_FORWARD_QUEUE_NAME;
  let queueNameValid = true;
  if (!QUEUE_NAME_PATTERN.test(queueName)) {
    queueNameValid = false;
    problems.push(
      "FORWARD_QUEUE_NAME must be 3-63 lower-case letters, digits or single hyphens, starting and ending with a letter or digit",
    );
  }
  let forwardQueue: ForwardQueueConfig | undefined;
  if (connectionString && serviceUri) {
    problems.push("set only one of FORWARD_QUEUE_CONNECTION_STRING and FORWARD_QUEUE_SERVICE_URI");
  } else if (connectionString) {
    if (!/UseDevelopmentStorage=true|QueueEndpoint=|AccountName=/i.test(connectionString)) {
      problems.push(
        "FORWARD_QUEUE_CONNECTION_STRING must be a storage connection string (AccountName=…;AccountKey=… or UseDevelopmentStorage=true)",
      );
    } else if (queueNameValid) forwardQueue = { kind: "connectionString", connectionString, queueName };
  } else if (serviceUri) {
    if (!/^https?:\/\/[^\s/]+/.test(serviceUri)) {
      problems.push("FORWARD_QUEUE_SERVICE_URI must be a URL such as https://<account>.queue.core.windows.net");
    } else if (queueNameValid) {
      forwardQueue = {
        kind: "serviceUri",
        serviceUri,
        queueName,
        managedIdentityClientId: setting(env, "AZURE_CLIENT_ID"),
      };
    }
  }

  const named = setting(env, "ROUTES_FILE");
  const routesFile = resolveRoutesPath(named ?? DEFAULT_ROUTES_FILE, findAppRoot(env));
  if (!named && !existsSync(routesFile)) return { routesFile: undefined, routes: [], forwardQueue };
  const loaded = loadRoutesFile(routesFile, { allowLoopbackUrls: messaging.allowLoopbackMediaUrls });
  problems.push(...loaded.problems);
  const forwarding = loaded.routes.filter((route) => route.actions.some((action) => action.type === "forward"));
  if (forwarding.length > 0 && !forwardQueue && !connectionString && !serviceUri) {
    problems.push(
      `routes ${forwarding.map((route) => `"${route.name}"`).join(", ")} forward messages, which needs ` +
        "FORWARD_QUEUE_CONNECTION_STRING (local) or FORWARD_QUEUE_SERVICE_URI (Azure, managed identity)",
    );
  }
  const replying = loaded.routes.filter((route) => route.actions.some((action) => action.type === "reply"));
  if (replying.length > 0 && !messaging.acs) {
    problems.push(
      `routes ${replying.map((route) => `"${route.name}"`).join(", ")} reply to messages, which needs ` +
        "ACS_ENDPOINT (Azure, managed identity) or ACS_CONNECTION_STRING",
    );
  }
  return { routesFile, routes: loaded.routes, forwardQueue };
}
