import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAdvancedMessageEvent } from "../../lib/adapters/acs/events/parseAdvancedMessageEvent";
import { ADVANCED_MESSAGE_RECEIVED_FUNCTION } from "../../lib/useCases/events/handleAdvancedMessageReceived";
import { DELIVERY_STATUS_UPDATED_FUNCTION } from "../../lib/useCases/events/handleDeliveryStatusUpdated";
import { evaluateEventGridFilter } from "../../lib/eventGridFilter/evaluateEventGridFilter";
import { subscriptionsFileProblems, type LocalSubscription } from "../../local/eventGrid/loadSubscriptions";
import { buildEventCorpus } from "../support/eventCorpus";

const ROOT = join(__dirname, "..", "..");
const SUBSCRIPTIONS_PATH = join(ROOT, "infra", "eventSubscriptions.json");
const deployed = JSON.parse(readFileSync(SUBSCRIPTIONS_PATH, "utf8")) as { subscriptions: LocalSubscription[] };
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
  it("passes the published schema and Event Grid's rules when checked as written", () => {
    expect(subscriptionsFileProblems(deployed)).toEqual([]);
  });

  it("delivers to Event Grid triggered functions of the app only, one subscription for each", async () => {
    const functions = await eventGridFunctionNames();
    expect(functions.sort()).toEqual([ADVANCED_MESSAGE_RECEIVED_FUNCTION, DELIVERY_STATUS_UPDATED_FUNCTION].sort());
    const subscribed = deployed.subscriptions.map((subscription) => subscription.function);
    for (const name of subscribed) expect(functions, name).toContain(name);
    for (const name of functions) expect(subscribed, name).toContain(name);
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

describe("subscriptionsFileProblems", () => {
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
      when: "preferredBatchSizeInKilobytes is not a whole number",
      change: (s) => (s.preferredBatchSizeInKilobytes = 1.5),
      problem: /preferredBatchSizeInKilobytes: must be a whole number from 1 to 1024/,
    },
    {
      when: "the filter has an advanced filter without values",
      change: (s) =>
        ((s.filter as Record<string, unknown>).advancedFilters = [{ operatorType: "StringIn", key: "data.from" }]),
      problem: /filter\.advancedFilters\[0\]\.values: must be a non-empty list of strings/,
    },
    {
      when: "the filter has 26 values across its advanced filters",
      change: (s) =>
        ((s.filter as Record<string, unknown>).advancedFilters = [
          { operatorType: "StringIn", key: "data.from", values: Array.from({ length: 13 }, (_, i) => `a${i}`) },
          { operatorType: "StringNotIn", key: "data.to", values: Array.from({ length: 13 }, (_, i) => `b${i}`) },
        ]),
      problem: /filter\.advancedFilters: has 26 filter values in all/,
    },
    {
      when: "the delivery schema is CustomInputSchema",
      change: (s) => (s.eventDeliverySchema = "CustomInputSchema"),
      problem: /eventDeliverySchema: must be EventGridSchema or CloudEventSchemaV1_0/,
    },
    {
      when: "the name has an underscore",
      change: (s) => (s.name = "advanced_message"),
      problem: /^subscriptions\[0\] "advanced_message": name: must be 3-64 letters, digits or hyphens/,
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

  it.each(cases)("names the subscription and the problem when $when", ({ change, problem }) => {
    const subscription = structuredClone(valid) as unknown as Record<string, unknown>;
    change(subscription);
    const problems = subscriptionsFileProblems({ subscriptions: [subscription] });
    expect(problems.join("\n")).toMatch(problem);
  });

  it("reports the second subscription when two share a name", () => {
    expect(subscriptionsFileProblems({ subscriptions: [valid, valid] })).toEqual([
      'subscriptions[1] "advanced-message-received": name: is used twice',
    ]);
  });

  it("says what the file must be when it has no subscriptions", () => {
    expect(subscriptionsFileProblems([])).toEqual([
      'the file must be a JSON object such as { "subscriptions": [ ... ] }',
    ]);
    expect(subscriptionsFileProblems({ subscriptions: [] })).toEqual([
      "subscriptions: must be a non-empty array of subscriptions",
    ]);
  });
});
