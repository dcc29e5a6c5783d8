import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAdvancedMessageEvent } from "../../lib/events/parseAdvancedMessageEvent";
import { ADVANCED_MESSAGE_RECEIVED_FUNCTION } from "../../lib/handlers/handleAdvancedMessageReceived";
import { DELIVERY_STATUS_UPDATED_FUNCTION } from "../../lib/handlers/handleDeliveryStatusUpdated";
import { evaluateEventGridFilter } from "../../lib/routing/evaluateEventGridFilter";
import {
  EVENT_DELIVERY_SCHEMAS,
  SUBSCRIPTION_LIMITS,
  validateSubscriptionsFile,
  type SubscriptionsFile,
} from "../../lib/routing/validateSubscriptionsFile";
import { buildEventCorpus } from "./support/eventCorpus";
import { validateJsonSchema } from "./support/validateJsonSchema";

const ROOT = join(__dirname, "..", "..");
const SUBSCRIPTIONS_PATH = join(ROOT, "infra", "eventSubscriptions.json");
const SCHEMA_PATH = join(ROOT, "schemas", "eventSubscriptions.schema.json");
const deployed = JSON.parse(readFileSync(SUBSCRIPTIONS_PATH, "utf8")) as SubscriptionsFile;
const corpus = buildEventCorpus();

/**
 * The names of the app's Event Grid triggered functions, read from functions/*.ts: the first argument of every
 * `app.eventGrid(...)`, a string literal or a constant imported from lib (resolved by importing that module).
 */
async function eventGridFunctionNames(): Promise<string[]> {
  const directory = join(ROOT, "functions");
  const names: string[] = [];
  for (const file of readdirSync(directory).filter((name) => name.endsWith(".ts"))) {
    const source = readFileSync(join(directory, file), "utf8");
    for (const match of source.matchAll(/app\.eventGrid\(\s*(?:"([^"]+)"|([A-Za-z_$][\w$]*))/g)) {
      if (match[1]) {
        names.push(match[1]);
        continue;
      }
      const identifier = match[2]!;
      const from = new RegExp(`import\\s*{[^}]*\\b${identifier}\\b[^}]*}\\s*from\\s*"([^"]+)"`).exec(source)?.[1];
      if (!from) throw new Error(`cannot resolve ${identifier} in functions/${file}`);
      const module = (await import(resolve(dirname(join(directory, file)), from))) as Record<string, unknown>;
      names.push(String(module[identifier]));
    }
  }
  return names;
}

describe("infra/eventSubscriptions.json", () => {
  it("passes its own rules (filters, names, ranges, functions) when checked with validateSubscriptionsFile", async () => {
    const functions = await eventGridFunctionNames();
    expect(functions.sort()).toEqual([ADVANCED_MESSAGE_RECEIVED_FUNCTION, DELIVERY_STATUS_UPDATED_FUNCTION].sort());
    expect(validateSubscriptionsFile(deployed, functions)).toEqual([]);
  });

  it("has a subscription for every Event Grid triggered function when the app registers one", async () => {
    const subscribed = new Set(deployed.subscriptions.map((subscription) => subscription.function));
    for (const name of await eventGridFunctionNames()) expect(subscribed, name).toContain(name);
  });

  it("validates against schemas/eventSubscriptions.schema.json when checked with the published schema", () => {
    expect(validateJsonSchema(SCHEMA_PATH, deployed)).toEqual([]);
  });

  it("delivers every Advanced Messaging event to exactly the function of its type, whatever the sender form", () => {
    const expectedFunction = { received: ADVANCED_MESSAGE_RECEIVED_FUNCTION, status: DELIVERY_STATUS_UPDATED_FUNCTION };
    const wrong: string[] = [];
    for (const entry of corpus) {
      // A subscription only ever sees events in its own delivery schema.
      const delivered = deployed.subscriptions.filter(
        (subscription) =>
          subscription.eventDeliverySchema === entry.schema &&
          evaluateEventGridFilter(subscription.filter, entry.event),
      );
      const functions = delivered.map((subscription) => subscription.function);
      const schemaServed = deployed.subscriptions.some(
        (subscription) => subscription.eventDeliverySchema === entry.schema,
      );
      const expected = schemaServed ? [expectedFunction[entry.kind]] : [];
      if (JSON.stringify(functions) !== JSON.stringify(expected))
        wrong.push(`${entry.name}: ${functions.join(",") || "none"}`);
    }
    expect(wrong).toEqual([]);
  });

  it("matches each filter the same way in both schemas, so switching eventDeliverySchema is safe", () => {
    const differ: string[] = [];
    for (const subscription of deployed.subscriptions) {
      const byName = new Map<string, boolean>();
      for (const entry of corpus) {
        const key = entry.name.replace(/ \/ [A-Za-z_0-9]+Schema[A-Za-z_0-9]*$/, "");
        const result = evaluateEventGridFilter(subscription.filter, entry.event);
        if (byName.has(key) && byName.get(key) !== result) differ.push(`${subscription.name}: ${key}`);
        byName.set(key, result);
      }
    }
    expect(differ).toEqual([]);
  });

  it("holds only events the app's parser accepts when the corpus is generated", () => {
    const rejected = corpus
      .map((entry) => ({ entry, parsed: parseAdvancedMessageEvent(entry.event) }))
      .filter(({ parsed }) => !parsed.ok)
      .map(({ entry, parsed }) => `${entry.name}: ${parsed.ok ? "" : parsed.rejection.reason}`);
    expect(rejected).toEqual([]);
    // Every message type, every form, both schemas, several countries: the corpus is as wide as promised.
    expect(new Set(corpus.map((entry) => entry.fixture)).size).toBeGreaterThanOrEqual(14);
    expect(new Set(corpus.map((entry) => entry.form)).size).toBe(6);
    expect(new Set(corpus.map((entry) => entry.person.country)).size).toBeGreaterThanOrEqual(6);
  });
});

describe("validateSubscriptionsFile", () => {
  const valid = structuredClone(deployed.subscriptions[0]!);
  const cases: { when: string; change: (subscription: Record<string, unknown>) => void; problem: RegExp }[] = [
    {
      when: "maxDeliveryAttempts is 31",
      change: (s) => ((s.retryPolicy as Record<string, unknown>).maxDeliveryAttempts = 31),
      problem: /retryPolicy\.maxDeliveryAttempts: must be a whole number from 1 to 30/,
    },
    {
      when: "eventTimeToLiveInMinutes is 0",
      change: (s) => ((s.retryPolicy as Record<string, unknown>).eventTimeToLiveInMinutes = 0),
      problem: /eventTimeToLiveInMinutes: must be a whole number from 1 to 1440/,
    },
    {
      when: "eventTimeToLiveInMinutes is 1441",
      change: (s) => ((s.retryPolicy as Record<string, unknown>).eventTimeToLiveInMinutes = 1441),
      problem: /from 1 to 1440/,
    },
    {
      when: "the function is not an Event Grid trigger",
      change: (s) => (s.function = "health"),
      problem: /function: is not an Event Grid triggered function/,
    },
    {
      when: "the filter has an invalid advanced filter",
      change: (s) =>
        ((s.filter as Record<string, unknown>).advancedFilters = [{ operatorType: "StringIn", key: "data.from" }]),
      problem: /filter\.advancedFilters\[0\]\.values: StringIn needs a list of strings/,
    },
    {
      when: "the delivery schema is CustomInputSchema",
      change: (s) => (s.eventDeliverySchema = "CustomInputSchema"),
      problem: /eventDeliverySchema: must be EventGridSchema or CloudEventSchemaV1_0/,
    },
    {
      when: "the name has an underscore",
      change: (s) => (s.name = "advanced_message"),
      problem: /name: must be 3-64 letters, digits or hyphens/,
    },
    {
      when: "maxEventsPerBatch is missing",
      change: (s) => delete s.maxEventsPerBatch,
      problem: /maxEventsPerBatch: is required/,
    },
    {
      when: "a property is misspelt",
      change: (s) => (s.retrypolicy = {}),
      problem: /retrypolicy: is not a property of a subscription/,
    },
  ];

  it.each(cases)("names the problem when $when, as the schema does", ({ change, problem }) => {
    const subscription = structuredClone(valid) as unknown as Record<string, unknown>;
    change(subscription);
    const file = { subscriptions: [subscription] };
    const problems = validateSubscriptionsFile(file, [ADVANCED_MESSAGE_RECEIVED_FUNCTION]);
    expect(problems.join("\n")).toMatch(problem);
    if (!/function/.test(problem.source)) expect(validateJsonSchema(SCHEMA_PATH, file)).not.toEqual([]);
  });

  it("reports the second subscription when two share a name", () => {
    const problems = validateSubscriptionsFile({ subscriptions: [valid, valid] });
    expect(problems).toEqual([
      expect.stringMatching(/subscriptions\[1\] "advanced-message-received": name: is used twice/),
    ]);
  });

  it("states the same ranges and schemas as the published JSON Schema", () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as {
      definitions: { subscription: { properties: Record<string, Record<string, unknown>> } };
    };
    const properties = schema.definitions.subscription.properties;
    const retry = properties.retryPolicy!.properties as Record<string, { minimum: number; maximum: number }>;
    expect(properties.eventDeliverySchema!.enum).toEqual([...EVENT_DELIVERY_SCHEMAS]);
    for (const [name, range] of Object.entries(SUBSCRIPTION_LIMITS)) {
      const stated = (retry[name] ?? properties[name]) as { minimum: number; maximum: number };
      expect({ min: stated.minimum, max: stated.maximum }, name).toEqual(range);
    }
  });
});
