import { readFileSync } from "node:fs";
import { validateEventGridFilter, type EventGridFilter } from "../../lib/eventGridFilter/evaluateEventGridFilter";
import { parseJsonKeepingNumberText } from "../../lib/eventGridFilter/parseJsonKeepingNumberText";
import { subscriptionsFile } from "../../lib/schemaValidation/compiledSubscriptionsValidator";
import {
  formatPath,
  isWithin,
  schemaProblems,
  type CompiledValidator,
} from "../../lib/schemaValidation/describeSchemaErrors";
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

const validateSubscriptionsFile = subscriptionsFile as unknown as CompiledValidator;

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

/**
 * Validates parsed subscriptions as Event Grid would refuse to create them, after filling in what Event Grid fills in
 * when a subscription leaves it out (delivery schema, filter, retry policy, batching); `origin` names the source in
 * errors.
 */
export function parseSubscriptions(parsed: unknown, origin = "subscriptions"): LocalSubscription[] {
  const completed = withEventGridDefaults(parsed);
  const problems = subscriptionsFileProblems(completed);
  if (problems.length > 0) throw new Error(`${origin} is not valid: ${problems.join("; ")}`);
  return (completed as { subscriptions: LocalSubscription[] }).subscriptions;
}

/**
 * Every problem of a subscriptions file as written, each naming the subscription and the path; empty when the file is
 * fine. The shape is `schemas/eventSubscriptions.schema.json` (names, delivery schema, filters, retry and batching
 * ranges); then what a schema cannot say: names unique (case-insensitively) and, for each filter whose shape is right,
 * Event Grid's limits across the whole filter (`validateEventGridFilter`).
 */
export function subscriptionsFileProblems(input: unknown): string[] {
  const found = schemaProblems(validateSubscriptionsFile, input);
  const subscriptions = isObject(input) && Array.isArray(input.subscriptions) ? input.subscriptions : [];
  const names = new Set<string>();
  subscriptions.forEach((entry: unknown, index) => {
    if (!isObject(entry)) return;
    const at = ["subscriptions", index];
    if (typeof entry.name === "string" && !found.some((problem) => isWithin(problem.path, [...at, "name"]))) {
      const folded = entry.name.toLowerCase();
      if (names.has(folded)) found.push({ path: [...at, "name"], message: "is used twice" });
      names.add(folded);
    }
    if (entry.filter !== undefined && !found.some((problem) => isWithin(problem.path, [...at, "filter"]))) {
      for (const issue of validateEventGridFilter(entry.filter)) {
        found.push({ path: [...at, "filter", ...(issue.path === "" ? [] : [issue.path])], message: issue.message });
      }
    }
  });
  return found.map(({ path, message }) => {
    if (path.length === 0) return `the file ${message}`;
    const [first, index, ...rest] = path;
    const entry = first === "subscriptions" && typeof index === "number" ? subscriptions[index] : undefined;
    if (entry === undefined) return `${formatPath(path)}: ${message}`;
    const name = isObject(entry) && typeof entry.name === "string" ? ` "${entry.name}"` : "";
    return `subscriptions[${index}]${name}${rest.length === 0 ? "" : `: ${formatPath(rest)}`}: ${message}`;
  });
}

/** What Event Grid uses for the properties a subscription may leave out (or set to null, as ARM returns them). */
function withEventGridDefaults(parsed: unknown): unknown {
  if (!isObject(parsed) || !Array.isArray(parsed.subscriptions)) return parsed;
  const subscriptions = parsed.subscriptions.map((entry: unknown) => {
    if (!isObject(entry)) return entry;
    const retry = entry.retryPolicy ?? {};
    return {
      ...entry,
      eventDeliverySchema: entry.eventDeliverySchema ?? "EventGridSchema",
      filter: entry.filter ?? {},
      retryPolicy: isObject(retry)
        ? {
            ...retry,
            maxDeliveryAttempts: retry.maxDeliveryAttempts ?? DEFAULT_MAX_DELIVERY_ATTEMPTS,
            eventTimeToLiveInMinutes: retry.eventTimeToLiveInMinutes ?? DEFAULT_EVENT_TIME_TO_LIVE_MINUTES,
          }
        : retry,
      maxEventsPerBatch: entry.maxEventsPerBatch ?? 1,
      preferredBatchSizeInKilobytes: entry.preferredBatchSizeInKilobytes ?? 64,
    };
  });
  return { ...parsed, subscriptions };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
