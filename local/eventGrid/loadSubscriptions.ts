import { readFileSync } from "node:fs";
import { validateEventGridFilter, type EventGridFilter } from "../../lib/routing/evaluateEventGridFilter";
import { parseJsonKeepingNumberText } from "../../lib/routing/parseJsonKeepingNumberText";
import { DEFAULT_EVENT_TIME_TO_LIVE_MINUTES, DEFAULT_MAX_DELIVERY_ATTEMPTS } from "./deliveryPolicy";
import type { EventSchemaName } from "./eventSchemas";

/** One event subscription of `infra/eventSubscriptions.json`, with Event Grid's defaults filled in. */
export interface LocalSubscription {
  name: string;
  /** The Event Grid triggered function it delivers to. */
  function: string;
  eventDeliverySchema: EventSchemaName;
  filter: EventGridFilter;
  retryPolicy: { maxDeliveryAttempts: number; eventTimeToLiveInMinutes: number };
  /** 1 when batching is off (Event Grid's default). */
  maxEventsPerBatch: number;
  preferredBatchSizeInKilobytes: number;
}

/** Reads and validates a subscriptions file (`{ subscriptions: [...] }`); throws naming every problem. */
export function loadSubscriptions(file: string): LocalSubscription[] {
  let parsed: unknown;
  try {
    parsed = parseJsonKeepingNumberText(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read the event subscriptions file ${file}: ${(error as Error).message}`);
  }
  return parseSubscriptions(parsed, file);
}

/** Validates parsed subscriptions as Event Grid would refuse to create them; `origin` names the source in errors. */
export function parseSubscriptions(parsed: unknown, origin = "subscriptions"): LocalSubscription[] {
  const list = (parsed as { subscriptions?: unknown } | null)?.subscriptions;
  if (!Array.isArray(list)) throw new Error(`${origin}: expected { "subscriptions": [ ... ] }`);
  const problems: string[] = [];
  const names = new Set<string>();
  const subscriptions = list.map((raw: unknown, index): LocalSubscription => {
    const entry = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const at = `subscriptions[${index}]`;
    const name = typeof entry.name === "string" ? entry.name : "";
    if (!/^[A-Za-z0-9-]{3,64}$/.test(name)) problems.push(`${at}.name must be 3-64 letters, digits or hyphens`);
    if (names.has(name.toLowerCase())) problems.push(`${at}.name "${name}" is used twice`);
    names.add(name.toLowerCase());
    const fn = typeof entry.function === "string" ? entry.function : "";
    if (fn === "") problems.push(`${at}.function must name an Event Grid triggered function`);
    const schema = entry.eventDeliverySchema ?? "EventGridSchema";
    if (schema !== "EventGridSchema" && schema !== "CloudEventSchemaV1_0") {
      problems.push(`${at}.eventDeliverySchema must be EventGridSchema or CloudEventSchemaV1_0`);
    }
    const filter = entry.filter ?? {};
    for (const issue of validateEventGridFilter(filter)) {
      problems.push(`${at}.filter${issue.path ? `.${issue.path}` : ""}: ${issue.message}`);
    }
    const retry = (entry.retryPolicy ?? {}) as Record<string, unknown>;
    const maxDeliveryAttempts = integerIn(retry.maxDeliveryAttempts, DEFAULT_MAX_DELIVERY_ATTEMPTS, 1, 30);
    const ttl = integerIn(retry.eventTimeToLiveInMinutes, DEFAULT_EVENT_TIME_TO_LIVE_MINUTES, 1, 1440);
    const batch = integerIn(entry.maxEventsPerBatch, 1, 1, 5000);
    const batchKb = integerIn(entry.preferredBatchSizeInKilobytes, 64, 1, 1024);
    if (maxDeliveryAttempts === undefined) problems.push(`${at}.retryPolicy.maxDeliveryAttempts must be 1-30`);
    if (ttl === undefined) problems.push(`${at}.retryPolicy.eventTimeToLiveInMinutes must be 1-1440`);
    if (batch === undefined) problems.push(`${at}.maxEventsPerBatch must be 1-5000`);
    if (batchKb === undefined) problems.push(`${at}.preferredBatchSizeInKilobytes must be 1-1024`);
    return {
      name,
      function: fn,
      eventDeliverySchema: schema as EventSchemaName,
      filter: filter as EventGridFilter,
      retryPolicy: {
        maxDeliveryAttempts: maxDeliveryAttempts ?? DEFAULT_MAX_DELIVERY_ATTEMPTS,
        eventTimeToLiveInMinutes: ttl ?? DEFAULT_EVENT_TIME_TO_LIVE_MINUTES,
      },
      maxEventsPerBatch: batch ?? 1,
      preferredBatchSizeInKilobytes: batchKb ?? 64,
    };
  });
  if (problems.length > 0) throw new Error(`${origin} is not valid: ${problems.join("; ")}`);
  return subscriptions;
}

function integerIn(value: unknown, fallback: number, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return fallback;
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}
