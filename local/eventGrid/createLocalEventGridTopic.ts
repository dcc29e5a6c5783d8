// Over 400 lines on purpose: one topic whose subscriptions, filters, retry schedule and
// dead-lettering share its state; the filter engine and retry policy are modules of their own.
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { evaluateEventGridFilter } from "../../lib/eventGridFilter/evaluateEventGridFilter";
import { parseJsonKeepingNumberText, shareNumberText } from "../../lib/eventGridFilter/parseJsonKeepingNumberText";
import { checkLocalRequest } from "../host/guardLocalRequest";
import { readBody } from "../host/httpBodies";
import { silentLocalLogger, type LocalLogger } from "../host/localLogger";
import { authenticatePublisher } from "./authenticatePublisher";
import {
  EVENT_GRID_RETRY_SCHEDULE_MS,
  decideAfterFailure,
  deliveryOutcomeName,
  isDeliverySuccess,
  retryWaitMs,
  type AttemptResult,
} from "./deliveryPolicy";
import {
  MAX_PUBLISH_BYTES,
  PublishRejection,
  acceptPublishedEvents,
  toDeliverySchema,
  type EventSchemaName,
  type PublishedEvent,
} from "./eventSchemas";
import type { LocalSubscription } from "./loadSubscriptions";

/** Where the local topic listens, next to the app's `/api/...` routes (`events` is not one of them). */
export const LOCAL_TOPIC_PATH = "/api/events";

/** The `topic` stamped on Event Grid schema events published without one. */
export const LOCAL_TOPIC_RESOURCE_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.EventGrid/topics/local";

/** Default time compression: Event Grid's waits divided by 60 (10 s → about 0.17 s, 24 h → 24 min). */
export const DEFAULT_TIME_SCALE = 60;

/** One delivery the topic asks for: a batch of events (one, unless the subscription batches) for one function. */
export interface DeliveryRequest {
  subscription: LocalSubscription;
  functionName: string;
  /** The events in the subscription's delivery schema. */
  events: Record<string, unknown>[];
  schema: EventSchemaName;
  /** 0 on the first attempt (Event Grid's `aeg-delivery-count`). */
  deliveryCount: number;
}

/** Sends one delivery and reports the HTTP status (0 when nothing answered). Should not throw. */
export type Deliver = (request: DeliveryRequest) => Promise<AttemptResult>;

/** Time source and timers (injectable so tests can drive retries without waiting). */
export interface TopicClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: TopicClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Settings of {@link createLocalEventGridTopic}. */
export interface LocalEventGridTopicOptions {
  subscriptions: readonly LocalSubscription[];
  deliver: Deliver;
  /** The key publishers must present (`aeg-sas-key`, or a SAS token signed with it). */
  accessKey: string;
  /** The URL publishers post to (SAS tokens are checked against it); `http://localhost/api/events` when omitted. */
  topicUrl?: string | (() => string);
  /** `topic` stamped on Event Grid schema events published without one. */
  topicResourceId?: string;
  /** Event Grid's waits and time-to-live are divided by this; {@link DEFAULT_TIME_SCALE} when omitted. */
  timeScale?: number;
  /** Real-time waits between attempts (before compression); Event Grid's schedule when omitted. */
  retryScheduleMs?: readonly number[];
  /** Folder dead-lettered events are written to; kept in memory only when omitted. */
  deadLetterDir?: string;
  /** Topic name in dead-letter paths (`<dir>/<TOPIC>/<SUBSCRIPTION>/yyyy/MM/dd/HH/<id>.json`); `LOCAL` by default. */
  topicName?: string;
  logger?: LocalLogger;
  clock?: TopicClock;
}

/** One delivery attempt, for tests and the demo. */
export interface DeliveryAttemptRecord {
  subscription: string;
  functionName: string;
  eventIds: string[];
  /** 1-based. */
  attempt: number;
  status: number;
  outcome: string;
  at: Date;
}

/** A dead-lettered event: the event as published plus Event Grid's dead-letter fields. */
export interface DeadLetterRecord {
  subscription: string;
  functionName: string;
  event: Record<string, unknown>;
  deadLetterReason: string;
  deliveryAttempts: number;
  lastDeliveryOutcome: string;
  /** The file it was written to, when the topic has a dead-letter folder. */
  file: string | undefined;
}

/** What {@link LocalEventGridTopic.publish} accepted. */
export interface PublishReceipt {
  /** IDs of the accepted events. */
  eventIds: string[];
  /** Each matching (subscription, event) pair; empty when no subscription's filter lets an event through. */
  routes: { subscription: string; functionName: string; eventId: string }[];
}

/** A running local Event Grid topic. */
export interface LocalEventGridTopic {
  readonly accessKey: string;
  readonly path: string;
  readonly subscriptions: readonly LocalSubscription[];
  /**
   * Node request listener for `POST /api/events` (mount it on a server). Refuses, before the key is checked, what
   * `guardLocalRequest` refuses: a foreign `Host`, a cross-site page, a body that is not JSON or CloudEvents JSON.
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /**
   * Publishes events in-process, as an authenticated `POST /api/events` would (Event Grid schema array, or CloudEvents
   * when they carry `specversion`). With `delayMs` the events enter the topic that much later (real time, not
   * compressed), e.g. to model a delivery status that follows a send. Throws a `PublishRejection` for invalid events.
   */
  publish(events: unknown, options?: { delayMs?: number }): PublishReceipt;
  /** Resolves once nothing is scheduled, in flight or being dead-lettered. */
  waitForIdle(): Promise<void>;
  readonly attempts: readonly DeliveryAttemptRecord[];
  readonly deadLetters: readonly DeadLetterRecord[];
  /** Cancels scheduled publishes and retries and waits for deliveries in flight. */
  close(): Promise<void>;
}

interface DeliveryUnit {
  subscription: LocalSubscription;
  events: PublishedEvent[];
  publishedAt: number;
  attempts: number;
  last: AttemptResult | undefined;
  lastAttemptAt: number | undefined;
}

/**
 * A local stand-in for an Event Grid topic: accepts events from `EventGridPublisherClient` (`POST /api/events` with
 * the access key), routes each to every subscription whose filter lets it through (the same filter engine the infra
 * checks use, so subject filters behave as in Azure), and delivers with Event Grid's retry policy, time-compressed:
 * 200–204 is success; 400, 403 and 413 dead-letter at once; other failures retry on Event Grid's schedule until
 * `maxDeliveryAttempts` or `eventTimeToLiveInMinutes`, then dead-letter with `deadLetterReason`, `deliveryAttempts`,
 * `lastDeliveryOutcome`, `lastHttpStatusCode`, `publishTime` and `lastDeliveryAttemptTime`.
 *
 * Differences from the service: no retry randomisation, no delayed delivery for unhealthy endpoints, and dead letters
 * are written at once instead of about five minutes after the last attempt.
 */
export function createLocalEventGridTopic(options: LocalEventGridTopicOptions): LocalEventGridTopic {
  const logger = options.logger ?? silentLocalLogger;
  const clock = options.clock ?? realClock;
  const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
  if (!(timeScale > 0)) throw new Error("timeScale must be a positive number");
  const schedule = options.retryScheduleMs ?? EVENT_GRID_RETRY_SCHEDULE_MS;
  const topicResourceId = options.topicResourceId ?? LOCAL_TOPIC_RESOURCE_ID;
  const topicName = (options.topicName ?? "local").toUpperCase();
  const topicUrl = () =>
    typeof options.topicUrl === "function"
      ? options.topicUrl()
      : (options.topicUrl ?? `http://localhost${LOCAL_TOPIC_PATH}`);

  const attempts: DeliveryAttemptRecord[] = [];
  const deadLetters: DeadLetterRecord[] = [];
  const timers = new Map<unknown, () => void>();
  const inFlight = new Set<Promise<unknown>>();
  let pending = 0;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const begin = () => void pending++;
  const end = () => {
    pending--;
    if (pending === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };
  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
    return promise;
  };
  /** Runs `work` after `ms`, counted as pending; `onCancel` runs instead when the topic closes first. */
  const later = (ms: number, work: () => void) => {
    begin();
    const handle = clock.setTimeout(() => {
      timers.delete(handle);
      try {
        work();
      } finally {
        end();
      }
    }, ms);
    timers.set(handle, end);
  };

  function route(published: PublishedEvent[], publishedAt: number): PublishReceipt["routes"] {
    const routes: PublishReceipt["routes"] = [];
    for (const subscription of options.subscriptions) {
      const matching = published.filter((p) => evaluateEventGridFilter(subscription.filter, p.event));
      for (const p of matching) {
        routes.push({ subscription: subscription.name, functionName: subscription.function, eventId: idOf(p) });
      }
      for (const events of batches(matching, subscription)) {
        if (closed) continue;
        startUnit({ subscription, events, publishedAt, attempts: 0, last: undefined, lastAttemptAt: undefined });
      }
    }
    for (const p of published) {
      if (!routes.some((r) => r.eventId === idOf(p))) {
        logger.log("info", "event matched no subscription; not delivered", {
          eventId: idOf(p),
          eventType: typeOf(p),
          subject: p.event.subject,
        });
      }
    }
    return routes;
  }

  function startUnit(unit: DeliveryUnit): void {
    begin();
    void track(attempt(unit)).catch((error: unknown) => {
      logger.log("error", "local topic failure", { error: (error as Error).message });
      end();
    });
  }

  async function attempt(unit: DeliveryUnit): Promise<void> {
    unit.attempts += 1;
    const events = unit.events.map((p) => toDeliverySchema(p, unit.subscription.eventDeliverySchema));
    let result: AttemptResult;
    try {
      result = await options.deliver({
        subscription: unit.subscription,
        functionName: unit.subscription.function,
        events,
        schema: unit.subscription.eventDeliverySchema,
        deliveryCount: unit.attempts - 1,
      });
    } catch (error) {
      result = { status: 0, detail: (error as Error).message };
    }
    unit.last = result;
    unit.lastAttemptAt = clock.now();
    const outcome = isDeliverySuccess(result.status) ? "Success" : deliveryOutcomeName(result);
    const eventIds = unit.events.map(idOf);
    attempts.push({
      subscription: unit.subscription.name,
      functionName: unit.subscription.function,
      eventIds,
      attempt: unit.attempts,
      status: result.status,
      outcome,
      at: new Date(unit.lastAttemptAt),
    });
    const fields = { subscription: unit.subscription.name, eventIds: eventIds.join(","), attempt: unit.attempts };

    if (isDeliverySuccess(result.status)) {
      logger.log("debug", "event delivered", { ...fields, status: result.status });
      return end();
    }
    const decision = decideAfterFailure(result);
    if (decision.action === "deadLetter") return deadLetter(unit, decision.reason);
    if (unit.attempts >= unit.subscription.retryPolicy.maxDeliveryAttempts) {
      return deadLetter(unit, "MaxDeliveryAttemptsExceeded");
    }
    const waitMs = retryWaitMs(schedule, unit.attempts, decision.minimumWaitMs) / timeScale;
    const ttlMs = (unit.subscription.retryPolicy.eventTimeToLiveInMinutes * 60_000) / timeScale;
    if (clock.now() + waitMs - unit.publishedAt >= ttlMs) return deadLetter(unit, "TimeToLiveExceeded");
    if (closed) return end();
    logger.log("warn", "delivery failed; Event Grid will retry", {
      ...fields,
      status: result.status,
      outcome,
      detail: result.detail,
      retryInMs: Math.round(waitMs),
    });
    later(waitMs, () => startUnit(unit));
    end();
  }

  async function deadLetter(unit: DeliveryUnit, reason: string): Promise<void> {
    const last = unit.last ?? { status: 0 };
    const outcome = deliveryOutcomeName(last);
    const lastAttemptTime = new Date(unit.lastAttemptAt ?? clock.now()).toISOString();
    const publishTime = new Date(unit.publishedAt).toISOString();
    const lettered = unit.events.map((p) =>
      p.schema === "CloudEventSchemaV1_0"
        ? {
            ...p.event,
            deadletterreason: reason,
            deliveryattempts: unit.attempts,
            lastdeliveryoutcome: outcome,
            lasthttpstatuscode: last.status,
            publishtime: publishTime,
            lastdeliveryattempttime: lastAttemptTime,
          }
        : {
            ...p.event,
            deadLetterReason: reason,
            deliveryAttempts: unit.attempts,
            lastDeliveryOutcome: outcome,
            lastHttpStatusCode: last.status,
            publishTime,
            lastDeliveryAttemptTime: lastAttemptTime,
          },
    );
    let file: string | undefined;
    try {
      if (options.deadLetterDir) {
        const at = new Date(clock.now());
        const folder = join(
          options.deadLetterDir,
          topicName,
          unit.subscription.name.toUpperCase(),
          String(at.getUTCFullYear()),
          pad(at.getUTCMonth() + 1),
          pad(at.getUTCDate()),
          pad(at.getUTCHours()),
        );
        await mkdir(folder, { recursive: true });
        file = join(folder, `${randomUUID()}.json`);
        await writeFile(file, `${JSON.stringify(lettered, null, 2)}\n`);
      }
    } catch (error) {
      logger.log("error", "could not write the dead letter", { error: (error as Error).message });
      file = undefined;
    }
    lettered.forEach((event) => {
      deadLetters.push({
        subscription: unit.subscription.name,
        functionName: unit.subscription.function,
        event,
        deadLetterReason: reason,
        deliveryAttempts: unit.attempts,
        lastDeliveryOutcome: outcome,
        file,
      });
    });
    logger.log("warn", "event dead-lettered", {
      subscription: unit.subscription.name,
      eventIds: unit.events.map(idOf).join(","),
      deadLetterReason: reason,
      deliveryAttempts: unit.attempts,
      lastDeliveryOutcome: outcome,
      file,
    });
    end();
  }

  function publishAccepted(published: PublishedEvent[], delayMs: number | undefined): PublishReceipt {
    const eventIds = published.map(idOf);
    if (delayMs !== undefined && delayMs > 0) {
      later(delayMs, () => void route(published, clock.now()));
      return { eventIds, routes: [] };
    }
    return { eventIds, routes: route(published, clock.now()) };
  }

  const topic: LocalEventGridTopic = {
    accessKey: options.accessKey,
    path: LOCAL_TOPIC_PATH,
    subscriptions: options.subscriptions,
    attempts,
    deadLetters,

    async handleRequest(req, res) {
      // Also checked here (not only by the host it is mounted on), so the topic served on a server of its own is guarded.
      const refusal = checkLocalRequest(req);
      if (refusal !== undefined) return writeError(res, refusal.status, refusal.code, refusal.message);
      const url = new URL(req.url ?? "/", "http://localhost");
      if (req.method !== "POST") {
        res.setHeader("allow", "POST");
        return writeError(res, 405, "MethodNotAllowed", "Publish events with POST.");
      }
      const denied = authenticatePublisher(req.headers, url, { accessKey: options.accessKey, topicUrl: topicUrl() });
      if (denied !== undefined) return writeError(res, 401, "Unauthorized", denied);
      const body = await readBody(req, MAX_PUBLISH_BYTES);
      if (body === undefined) {
        return writeError(res, 413, "RequestEntityTooLarge", `The request is larger than ${MAX_PUBLISH_BYTES} bytes.`);
      }
      const contentType = (req.headers["content-type"] ?? "").toLowerCase();
      let parsed: unknown;
      try {
        // Keeps digits a double drops, so Number filters compare them as Event Grid does (.NET decimal).
        parsed = parseJsonKeepingNumberText(body.toString("utf8"));
      } catch (error) {
        return writeError(res, 400, "BadRequest", `The request body is not JSON: ${(error as Error).message}`);
      }
      if (closed) return writeError(res, 503, "ServiceUnavailable", "The local topic is shutting down.");
      try {
        const published = acceptPublishedEvents(parsed, {
          cloudEvents: contentType.startsWith("application/cloudevents"),
          singleCloudEvent: contentType.startsWith("application/cloudevents+json"),
          topic: topicResourceId,
        });
        // Accepted events are shallow copies of the published items, in order; their top-level numbers keep their text.
        const items: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
        published.forEach((p, index) => shareNumberText(items[index] as object, p.event));
        const receipt = publishAccepted(published, undefined);
        logger.log("info", "events published to the local topic", {
          events: receipt.eventIds.length,
          deliveries: receipt.routes.length,
        });
      } catch (error) {
        if (error instanceof PublishRejection) {
          return writeError(
            res,
            error.status,
            error.status === 413 ? "RequestEntityTooLarge" : "BadRequest",
            error.message,
          );
        }
        throw error;
      }
      res.writeHead(200, { "content-length": "0" });
      res.end();
    },

    publish(events, publishOptions = {}) {
      if (closed) throw new Error("The local topic is closed");
      const list = Array.isArray(events) ? events : [events];
      const cloudEvents =
        list.length > 0 && list.every((e) => typeof (e as { specversion?: unknown })?.specversion === "string");
      const published = acceptPublishedEvents(list, { cloudEvents, topic: topicResourceId });
      return publishAccepted(published, publishOptions.delayMs);
    },

    waitForIdle() {
      if (pending === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },

    async close() {
      closed = true;
      for (const [handle, cancel] of timers) {
        clock.clearTimeout(handle);
        cancel();
      }
      timers.clear();
      await Promise.allSettled([...inFlight]);
    },
  };
  return topic;
}

/** Groups one publish's matching events into deliveries: `maxEventsPerBatch` events or the preferred size at most. */
function batches(events: PublishedEvent[], subscription: LocalSubscription): PublishedEvent[][] {
  const result: PublishedEvent[][] = [];
  const maxBytes = subscription.preferredBatchSizeInKilobytes * 1024;
  let current: PublishedEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event.event));
    if (current.length > 0 && (current.length >= subscription.maxEventsPerBatch || bytes + size > maxBytes)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

function idOf(published: PublishedEvent): string {
  return String(published.event.id);
}

function typeOf(published: PublishedEvent): unknown {
  return published.schema === "CloudEventSchemaV1_0" ? published.event.type : published.event.eventType;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

function writeError(res: ServerResponse, status: number, code: string, message: string): void {
  const text = JSON.stringify({ error: { code, message, details: [{ code, message }] } });
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}
