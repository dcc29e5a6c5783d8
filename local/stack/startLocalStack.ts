import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { withAppSettings } from "../../lib/app/createAppServices";
import { findAppRoot } from "../../lib/app/findAppRoot";
import { loadConfig, type AppConfig } from "../../lib/app/loadConfig";
import {
  createAcsMessagesEmulator,
  type AcsMessagesEmulator,
  type EmulatorTemplate,
} from "../acsEmulator/createAcsMessagesEmulator";
import { createDeliveryStatusEvent, type AcsDeliveryStatus, type SentMessageRef } from "../eventGrid/acsEvents";
import { createFunctionsWebhookDelivery } from "../eventGrid/createFunctionsWebhookDelivery";
import {
  DEFAULT_TIME_SCALE,
  LOCAL_TOPIC_PATH,
  createLocalEventGridTopic,
  type LocalEventGridTopic,
  type PublishReceipt,
} from "../eventGrid/createLocalEventGridTopic";
import { loadSubscriptions } from "../eventGrid/loadSubscriptions";
import { EVENT_GRID_WEBHOOK_PATH, PortInUseError, createLocalHost, type LocalHost } from "../host/createLocalHost";
import { loadFunctionApp, type FunctionRegistration } from "../host/loadFunctionApp";
import { loadLocalSettings } from "../host/loadLocalSettings";
import { createJsonLineLogger, type LocalLogger } from "../host/localLogger";
import { isPortFree } from "./ports";
import { startLocalAzurite, type LocalAzurite } from "./startLocalAzurite";

/** The channel the local stack registers when `ACS_CHANNEL_IDS` is not set (the test fixtures' channel). */
export const LOCAL_CHANNEL_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/**
 * The local topic's access key when `LOCAL_EVENTGRID_KEY` is not set. Like Azurite's account key it is public and
 * documented, not a secret: it only guards a topic listening on 127.0.0.1.
 */
export const LOCAL_TOPIC_DEFAULT_KEY = "bG9jYWwtZXZlbnQtZ3JpZC10b3BpYy1rZXktbm90LWEtc2VjcmV0";

/** Templates the ACS emulator lists locally: one utility template and one authentication template. */
export const LOCAL_TEMPLATES: readonly EmulatorTemplate[] = [
  {
    name: "hello_world",
    language: "en_US",
    category: "UTILITY",
    components: [{ type: "BODY", text: "Hello {{1}}, thanks for getting in touch." }],
  },
  {
    name: "verification_code",
    language: "en_US",
    category: "AUTHENTICATION",
    components: [{ type: "BODY", text: "{{1}} is your verification code." }],
  },
];

/** Delivery statuses the stack publishes for every send the emulator accepts, each `afterMs` after the send. */
export const DEFAULT_DELIVERY_STATUSES: readonly { status: AcsDeliveryStatus; afterMs: number }[] = [
  { status: "Sent", afterMs: 300 },
  { status: "Delivered", afterMs: 800 },
];

/** Settings of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** The project root (with the built app in `dist/`); found from this file when omitted. */
  appRoot?: string;
  /** Port of the host and topic; `PORT` from `env`, else 7071. `0` picks a free one. */
  port?: number;
  /** Azurite keeps data in memory instead of `.azurite/`. */
  inMemory?: boolean;
  /** Azurite ports (`0` = free; defaults 10000/10001/10002) and whether to reuse one already running. */
  azurite?: {
    ports?: { blob?: number; queue?: number; table?: number };
    reuseRunning?: boolean | "project";
    location?: string;
  };
  /** Where `PORT`, `LOCAL_*` and app settings are read from; `process.env` when omitted. */
  env?: Record<string, string | undefined>;
  /** Read only `local.settings.sample.json`, ignoring a developer's `local.settings.json` (tests). */
  sampleSettingsOnly?: boolean;
  /** App settings applied last, over `local.settings.json` and the stack's own (e.g. `TABLE_NAME_PREFIX`). */
  settings?: Record<string, string>;
  /** The subscriptions the topic applies; `infra/eventSubscriptions.json` when omitted. */
  subscriptionsFile?: string;
  /** Dead-letter folder; `.local/deadletter` when omitted. */
  deadLetterDir?: string;
  /** Event Grid time compression; `LOCAL_EVENTGRID_TIME_SCALE`, else 60. */
  timeScale?: number;
  /** The topic's access key; `LOCAL_EVENTGRID_KEY`, else {@link LOCAL_TOPIC_DEFAULT_KEY}. */
  topicKey?: string;
  /** Statuses published for each emulator send; {@link DEFAULT_DELIVERY_STATUSES} when omitted, `false` for none. */
  deliveryStatuses?: false | readonly { status: AcsDeliveryStatus; afterMs: number }[];
  /** Templates the emulator lists; {@link LOCAL_TEMPLATES} when omitted. */
  templates?: readonly EmulatorTemplate[];
  /** Where the host, topic and functions log; JSON lines on stdout when omitted. */
  logger?: LocalLogger;
}

/** Where everything listens. */
export interface LocalStackUrls {
  /** `http://127.0.0.1:7071`. */
  host: string;
  /** `http://127.0.0.1:7071/api`: the app's HTTP functions. */
  api: string;
  /** The Event Grid trigger endpoint (`…/runtime/webhooks/eventgrid`, add `?functionName=`). */
  eventGridWebhook: string;
  /** The local Event Grid topic (`POST` events here with `aeg-sas-key`). */
  topic: string;
  /** The ACS Messages emulator, when used (no real ACS configured). */
  acsEmulator: string | undefined;
  /** Azurite's table endpoint (with the account). */
  azuriteTable: string;
}

/** A running local stack. */
export interface LocalStack {
  readonly urls: LocalStackUrls;
  /** The one line printed when everything is up. */
  readonly readyLine: string;
  /** Things the user should know (ports replaced, Azurite reused, real ACS used, settings overridden). */
  readonly notices: readonly string[];
  /** The app settings the functions run with (over the stack's `env`). */
  readonly settings: Readonly<Record<string, string>>;
  /** Those settings as the app reads them (`loadConfig`): what local tools (the simulator) use, never re-parsed. */
  readonly config: AppConfig;
  readonly registrations: readonly FunctionRegistration[];
  readonly host: LocalHost;
  readonly topic: LocalEventGridTopic;
  /** The ACS Messages emulator; `undefined` when sends go to a real ACS. */
  readonly emulator: AcsMessagesEmulator | undefined;
  readonly azurite: LocalAzurite;
  /** Publishes the delivery status ACS would publish for a sent message (e.g. `Read`, or `Failed` with an error). */
  emitDeliveryStatus(
    message: SentMessageRef,
    status: AcsDeliveryStatus,
    options?: { toBsuid?: string; error?: { channelCode: string; channelMessage: string }; delayMs?: number },
  ): PublishReceipt;
  /** Stops everything the stack started (topic, host, emulator, Azurite). */
  close(): Promise<void>;
}

/**
 * Runs the whole product on one machine without Core Tools or a WhatsApp number: Azurite (from npm), the built app's
 * functions on a local host with the Functions host's URLs and semantics, the ACS Messages emulator (unless a real
 * ACS is configured), and a local Event Grid topic at `/api/events` that applies `infra/eventSubscriptions.json` and
 * delivers to the functions over HTTP with Event Grid's (time-compressed) retry policy and dead-lettering.
 *
 * The functions run in this process and are handed their settings explicitly; the process environment is only read.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const appRoot = resolve(options.appRoot ?? findAppRoot({}, __dirname));
  const logger = options.logger ?? createJsonLineLogger();
  const port = options.port ?? parsePort(env.PORT);
  const timeScale = options.timeScale ?? parseScale(env.LOCAL_EVENTGRID_TIME_SCALE);
  const topicKey = options.topicKey ?? (env.LOCAL_EVENTGRID_KEY || LOCAL_TOPIC_DEFAULT_KEY);
  const subscriptions = loadSubscriptions(
    options.subscriptionsFile ?? join(appRoot, "infra", "eventSubscriptions.json"),
  );
  const notices: string[] = [];

  if (port !== 0 && !(await isPortFree(port))) {
    throw new PortInUseError(
      port,
      "the local Functions host",
      "Is `func start` or another `npm start` running? Stop it, or choose another port: PORT=7072 npm start",
    );
  }

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanUp = async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        logger.log("error", "stopping the local stack failed", { error: (error as Error).message });
      }
    }
    cleanups.length = 0;
  };

  try {
    const local = loadLocalSettings(appRoot, env, { sampleOnly: options.sampleSettingsOnly === true });
    if (local.source) notices.push(`app settings from ${local.source}`);
    const values: Record<string, string> = { ...local.values };
    const setting = (name: string) => (values[name] ?? env[name] ?? "").trim();

    const azurite = await startLocalAzurite({
      appRoot,
      inMemory: options.inMemory === true,
      ...(options.azurite?.location ? { location: options.azurite.location } : {}),
      ...(options.azurite?.ports ? { ports: options.azurite.ports } : {}),
      ...(options.azurite?.reuseRunning === undefined ? {} : { reuseRunning: options.azurite.reuseRunning }),
      logger,
    });
    cleanups.push(() => azurite.stop());
    notices.push(...azurite.notices);
    const configuredStorage = setting("TABLE_STORAGE_ENDPOINT") || setting("TABLE_STORAGE_CONNECTION_STRING");
    if (configuredStorage && !/^UseDevelopmentStorage=true$/i.test(configuredStorage)) {
      notices.push("the configured Table Storage setting is replaced by the local Azurite");
    }
    // `UseDevelopmentStorage=true` means "the local emulator": point every such setting (AzureWebJobsStorage, queue
    // connections, ...) at the Azurite actually running, which may not be on the default ports.
    if (azurite.blobEndpoint && azurite.queueEndpoint) {
      for (const [name, value] of Object.entries(values)) {
        if (/^\s*UseDevelopmentStorage=true\s*;?\s*$/i.test(value)) values[name] = azurite.connectionString;
      }
    }
    values.TABLE_STORAGE_CONNECTION_STRING = azurite.connectionString;
    values.TABLE_STORAGE_ENDPOINT = "";

    let emulator: AcsMessagesEmulator | undefined;
    if (setting("ACS_CONNECTION_STRING") || setting("ACS_ENDPOINT")) {
      notices.push(
        `sends go to the configured ACS (${describeAcs(setting("ACS_CONNECTION_STRING"), setting("ACS_ENDPOINT"))})`,
      );
    } else {
      // Its channels are registered once the settings are read (below), as the app reads them.
      const started = await createAcsMessagesEmulator({
        channels: [],
        templates: [...(options.templates ?? LOCAL_TEMPLATES)],
      });
      emulator = started;
      cleanups.push(() => started.close());
      values.ACS_CONNECTION_STRING = started.connectionString;
      values.ACS_ENDPOINT = "";
      values.ACS_CHANNEL_IDS = setting("ACS_CHANNEL_IDS") || LOCAL_CHANNEL_ID;
    }
    Object.assign(values, options.settings ?? {});

    // The settings the functions run with (and the routes file they name), read and validated once before anything
    // listens: bad ones stop start-up with one error naming every problem, rather than a Ready line and then only 503s.
    const appSettings: Record<string, string | undefined> = { ...env, ...values };
    const config = loadConfig(appSettings);
    for (const channelId of config.messaging.channelIds) emulator?.addChannel(channelId);
    // The functions are a bundle with their own copy of the settings parser (and of the routes' number texts), so they
    // are handed the same settings, explicitly, rather than through the process environment.
    const registrations = withAppSettings(appSettings, () => loadFunctionApp(appRoot, { fresh: true }));
    let hostUrl = "";
    const webhook = createFunctionsWebhookDelivery({ hostUrl: () => hostUrl });
    const topic = createLocalEventGridTopic({
      subscriptions,
      deliver: webhook.deliver,
      accessKey: topicKey,
      topicUrl: () => `${hostUrl}${LOCAL_TOPIC_PATH}`,
      timeScale,
      deadLetterDir: options.deadLetterDir ?? join(appRoot, ".local", "deadletter"),
      logger,
    });
    const host = await createLocalHost({
      registrations,
      port,
      routePrefix: readRoutePrefix(appRoot),
      logger,
      mounts: [
        {
          path: LOCAL_TOPIC_PATH,
          description: "The local Event Grid topic",
          handle: (req, res) => topic.handleRequest(req, res),
        },
      ],
    });
    cleanups.push(() => host.close());
    // Stopped before the host, so deliveries in flight finish rather than fail.
    cleanups.push(() => topic.close());
    hostUrl = host.url;
    for (const subscription of subscriptions) await webhook.validate(subscription);

    const emitDeliveryStatus: LocalStack["emitDeliveryStatus"] = (message, status, statusOptions = {}) =>
      topic.publish(
        createDeliveryStatusEvent(message, status, {
          ...(statusOptions.toBsuid ? { toBsuid: statusOptions.toBsuid } : {}),
          ...(statusOptions.error ? { error: statusOptions.error } : {}),
        }),
        statusOptions.delayMs ? { delayMs: statusOptions.delayMs } : {},
      );
    const statuses = options.deliveryStatuses ?? DEFAULT_DELIVERY_STATUSES;
    if (emulator && statuses !== false) {
      const stopListening = emulator.onSent((sent) => {
        for (const { status, afterMs } of statuses) emitDeliveryStatus(sent, status, { delayMs: afterMs });
      });
      // Removed first on close, so a send racing the shutdown publishes nothing to the closed topic.
      cleanups.push(stopListening);
    }

    const urls: LocalStackUrls = {
      host: host.url,
      api: `${host.url}/${readRoutePrefix(appRoot)}`.replace(/\/$/, ""),
      eventGridWebhook: `${host.url}${EVENT_GRID_WEBHOOK_PATH}`,
      topic: `${host.url}${LOCAL_TOPIC_PATH}`,
      acsEmulator: emulator?.url,
      azuriteTable: azurite.tableEndpoint,
    };
    const readyLine =
      `Ready: API ${urls.api} | Event Grid topic ${urls.topic} | Event Grid webhook ${urls.eventGridWebhook} | ` +
      `ACS ${urls.acsEmulator ? `emulator ${urls.acsEmulator}` : "configured (real)"} | ` +
      `Azurite tables ${urls.azuriteTable}${options.inMemory ? " (in memory)" : ""} | Ctrl-C to stop`;

    let closing: Promise<void> | undefined;
    return {
      urls,
      readyLine,
      notices,
      settings: values,
      config,
      registrations,
      host,
      topic,
      emulator,
      azurite,
      emitDeliveryStatus,
      close: () => (closing ??= cleanUp()),
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function readRoutePrefix(appRoot: string): string {
  try {
    const host = JSON.parse(readFileSync(join(appRoot, "host.json"), "utf8")) as {
      extensions?: { http?: { routePrefix?: unknown } };
    };
    const prefix = host.extensions?.http?.routePrefix;
    return typeof prefix === "string" ? prefix.replace(/^\/+|\/+$/g, "") : "api";
  } catch {
    return "api";
  }
}

function parsePort(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return 7071;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number; got "${text}"`);
  return port;
}

function parseScale(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return DEFAULT_TIME_SCALE;
  const scale = Number(text);
  if (!(scale > 0)) throw new Error(`LOCAL_EVENTGRID_TIME_SCALE must be a positive number; got "${text}"`);
  return scale;
}

function describeAcs(connectionString: string, endpoint: string): string {
  const found = /endpoint=([^;]+)/i.exec(connectionString);
  return (found?.[1] ?? endpoint).replace(/\/$/, "");
}
