import { validateEventGridFilter, type EventGridFilter } from "./evaluateEventGridFilter";

/** The delivery schemas an Event Grid system topic subscription can use (CustomInputSchema is for custom topics). */
export const EVENT_DELIVERY_SCHEMAS = ["EventGridSchema", "CloudEventSchemaV1_0"] as const;

/** Event Grid's documented ranges for the numbers in a subscription. */
export const SUBSCRIPTION_LIMITS = {
  maxDeliveryAttempts: { min: 1, max: 30 },
  eventTimeToLiveInMinutes: { min: 1, max: 1440 },
  maxEventsPerBatch: { min: 1, max: 5000 },
  preferredBatchSizeInKilobytes: { min: 1, max: 1024 },
} as const;

/** One subscription of `infra/eventSubscriptions.json` (the shape the Bicep and the local Event Grid topic read). */
export interface SubscriptionDefinition {
  name: string;
  /** The Event Grid triggered function that receives the events. */
  function: string;
  eventDeliverySchema: (typeof EVENT_DELIVERY_SCHEMAS)[number];
  filter: EventGridFilter;
  retryPolicy: { maxDeliveryAttempts: number; eventTimeToLiveInMinutes: number };
  maxEventsPerBatch: number;
  preferredBatchSizeInKilobytes: number;
}

/** `infra/eventSubscriptions.json`. */
export interface SubscriptionsFile {
  subscriptions: SubscriptionDefinition[];
}

const PROPERTIES = [
  "name",
  "function",
  "eventDeliverySchema",
  "filter",
  "retryPolicy",
  "maxEventsPerBatch",
  "preferredBatchSizeInKilobytes",
] as const;
const NAME_PATTERN = /^[A-Za-z0-9-]{3,64}$/;

/**
 * Checks a subscriptions file against Event Grid's rules and the app: every filter with `validateEventGridFilter`,
 * names (3-64 letters, digits, hyphens; unique), delivery schema, retry policy and batching ranges, and, when
 * `eventGridFunctions` is given, that each `function` is one of the app's Event Grid triggered functions. Returns every
 * problem, each naming the subscription and the path; empty when the file is fine.
 */
export function validateSubscriptionsFile(input: unknown, eventGridFunctions?: readonly string[]): string[] {
  const problems: string[] = [];
  if (!isObject(input) || !Array.isArray(input.subscriptions) || input.subscriptions.length === 0) {
    return ['the file must be { "subscriptions": [ ... ] } with at least one subscription'];
  }
  for (const key of Object.keys(input)) {
    if (key !== "subscriptions" && key !== "$schema") problems.push(`${key}: is not a property of the file`);
  }
  const names = new Set<string>();
  input.subscriptions.forEach((entry: unknown, index) => {
    const at = `subscriptions[${index}]`;
    if (!isObject(entry)) {
      problems.push(`${at}: must be an object`);
      return;
    }
    const where = typeof entry.name === "string" ? `${at} "${entry.name}"` : at;
    const problem = (path: string, message: string) => problems.push(`${where}: ${path}: ${message}`);
    for (const key of Object.keys(entry)) {
      if (!(PROPERTIES as readonly string[]).includes(key)) problem(key, "is not a property of a subscription");
    }
    for (const key of PROPERTIES) if (!(key in entry)) problem(key, "is required");

    if (typeof entry.name !== "string" || !NAME_PATTERN.test(entry.name)) {
      problem("name", "must be 3-64 letters, digits or hyphens");
    } else if (names.has(entry.name.toLowerCase())) problem("name", "is used twice");
    else names.add(entry.name.toLowerCase());

    if (typeof entry.function !== "string" || entry.function === "") problem("function", "must name a function");
    else if (eventGridFunctions && !eventGridFunctions.includes(entry.function)) {
      problem("function", `is not an Event Grid triggered function of the app (${eventGridFunctions.join(", ")})`);
    }
    if (!(EVENT_DELIVERY_SCHEMAS as readonly unknown[]).includes(entry.eventDeliverySchema)) {
      problem("eventDeliverySchema", `must be ${EVENT_DELIVERY_SCHEMAS.join(" or ")}`);
    }
    for (const issue of validateEventGridFilter(entry.filter)) {
      problem(issue.path === "" ? "filter" : `filter.${issue.path}`, issue.message);
    }
    const retry = isObject(entry.retryPolicy) ? entry.retryPolicy : {};
    if (!isObject(entry.retryPolicy)) problem("retryPolicy", "must be an object");
    checkRange(
      retry.maxDeliveryAttempts,
      "retryPolicy.maxDeliveryAttempts",
      SUBSCRIPTION_LIMITS.maxDeliveryAttempts,
      problem,
    );
    checkRange(
      retry.eventTimeToLiveInMinutes,
      "retryPolicy.eventTimeToLiveInMinutes",
      SUBSCRIPTION_LIMITS.eventTimeToLiveInMinutes,
      problem,
    );
    checkRange(entry.maxEventsPerBatch, "maxEventsPerBatch", SUBSCRIPTION_LIMITS.maxEventsPerBatch, problem);
    checkRange(
      entry.preferredBatchSizeInKilobytes,
      "preferredBatchSizeInKilobytes",
      SUBSCRIPTION_LIMITS.preferredBatchSizeInKilobytes,
      problem,
    );
  });
  return problems;
}

function checkRange(
  value: unknown,
  path: string,
  range: { min: number; max: number },
  problem: (path: string, message: string) => void,
): void {
  if (!Number.isInteger(value) || (value as number) < range.min || (value as number) > range.max) {
    problem(path, `must be a whole number from ${range.min} to ${range.max}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
