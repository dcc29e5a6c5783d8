import { describe, expect, it } from "vitest";
import { routesFile } from "../../lib/schemaValidation/compiledRoutesValidator";
import { outboundMessage, sendRequest } from "../../lib/schemaValidation/compiledSendValidators";
import { subscriptionsFile } from "../../lib/schemaValidation/compiledSubscriptionsValidator";
import {
  formatPath,
  isWithin,
  schemaProblems,
  type CompiledValidator,
  type SchemaProblem,
} from "../../lib/schemaValidation/describeSchemaErrors";

const validators = {
  routes: routesFile as unknown as CompiledValidator,
  subscriptions: subscriptionsFile as unknown as CompiledValidator,
  message: outboundMessage as unknown as CompiledValidator,
  request: sendRequest as unknown as CompiledValidator,
};

const route = (extra: Record<string, unknown>) => ({ routes: [{ name: "r", actions: [{ type: "store" }], ...extra }] });
const subscription = (extra: Record<string, unknown>) => ({
  subscriptions: [
    {
      name: "received",
      function: "advancedMessageReceived",
      eventDeliverySchema: "EventGridSchema",
      filter: {},
      retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      maxEventsPerBatch: 1,
      preferredBatchSizeInKilobytes: 64,
      ...extra,
    },
  ],
});

describe("schemaProblems", () => {
  const cases: { when: string; validator: keyof typeof validators; data: unknown; expected: SchemaProblem }[] = [
    {
      when: "a required property without its own message is missing",
      validator: "message",
      data: { kind: "reaction", messageId: "wamid.1" },
      expected: { path: ["emoji"], message: "is required" },
    },
    {
      when: "a required property with its own message is missing",
      validator: "routes",
      data: {},
      expected: { path: ["routes"], message: "must be an array of routes (it may be empty)" },
    },
    {
      when: "a property is unknown, naming the object by its title and listing what it allows",
      validator: "subscriptions",
      data: subscription({ retryPolicy: { maxDeliveryAttempts: 3, eventTimeToLiveInMinutes: 9, retries: 1 } }),
      expected: {
        path: ["subscriptions", 0, "retryPolicy", "retries"],
        message: "is not a property of a retry policy (maxDeliveryAttempts, eventTimeToLiveInMinutes)",
      },
    },
    {
      when: "a discriminator value is unknown",
      validator: "routes",
      data: route({ actions: [{ type: "email" }] }),
      expected: {
        path: ["routes", 0, "actions", 0, "type"],
        message: 'must be one of store, reply, forward; got "email"',
      },
    },
    {
      when: "a discriminator property is missing",
      validator: "message",
      data: { text: "Hi" },
      expected: {
        path: ["kind"],
        message: "must be one of text, image, video, audio, document, template, interactive, reaction, sticker",
      },
    },
    {
      when: "a discriminator node has its own message",
      validator: "routes",
      data: route({ actions: [{ type: "reply", message: { kind: "sticker", mediaUrl: "https://a.example/s.webp" } }] }),
      expected: {
        path: ["routes", 0, "actions", 0, "message", "kind"],
        message: "a route reply must be a text or a template",
      },
    },
    {
      when: "a value has the wrong type, null allowed as absent",
      validator: "routes",
      data: route({ filter: { includedEventTypes: "Microsoft.Communication.AdvancedMessageReceived" } }),
      expected: { path: ["routes", 0, "filter", "includedEventTypes"], message: "must be an array" },
    },
    {
      when: "a boolean is a string",
      validator: "routes",
      data: route({ stopProcessing: "yes" }),
      expected: { path: ["routes", 0, "stopProcessing"], message: "must be true or false" },
    },
    {
      when: "a whole number is out of its range",
      validator: "subscriptions",
      data: subscription({ maxEventsPerBatch: 5001 }),
      expected: { path: ["subscriptions", 0, "maxEventsPerBatch"], message: "must be a whole number from 1 to 5000" },
    },
    {
      when: "a number is out of its range",
      validator: "message",
      data: {
        kind: "template",
        name: "t",
        language: "en",
        values: [{ kind: "location", name: "l", latitude: 0, longitude: 181 }],
      },
      expected: { path: ["values", 0, "longitude"], message: "must be a number between -180 and 180" },
    },
    {
      when: "a value is not one of two",
      validator: "subscriptions",
      data: subscription({ eventDeliverySchema: "CustomInputSchema" }),
      expected: {
        path: ["subscriptions", 0, "eventDeliverySchema"],
        message: "must be EventGridSchema or CloudEventSchemaV1_0",
      },
    },
    {
      when: "a constant differs",
      validator: "message",
      data: { kind: "template", name: "t", language: "en", bindings: { kind: "meta" } },
      expected: { path: ["bindings", "kind"], message: 'must be "whatsApp"' },
    },
    {
      when: "an array holds too many items",
      validator: "message",
      data: { kind: "interactive", body: "b", action: { type: "buttons", buttons: [1, 2, 3, 4] } },
      expected: { path: ["action", "buttons"], message: "must hold at most 3 items" },
    },
    {
      when: "a text is too long, counted in code points",
      validator: "message",
      data: { kind: "reaction", messageId: "m", emoji: "😀".repeat(11) },
      expected: { path: ["emoji"], message: "must be at most 10 characters" },
    },
    {
      when: "a pattern has its own message",
      validator: "message",
      data: { kind: "template", name: "Order", language: "en" },
      expected: { path: ["name"], message: "must contain only lower-case letters, digits and _" },
    },
    {
      when: "a property that must be absent is there",
      validator: "message",
      data: { kind: "audio", mediaUrl: "https://a.example/a.ogg", caption: "c" },
      expected: { path: ["caption"], message: "audio messages cannot have a caption" },
    },
    {
      when: "the value itself has the wrong type",
      validator: "request",
      data: [1],
      expected: { path: [], message: "must be a JSON object with recipient and message" },
    },
    {
      when: "an object must hold exactly one of several properties",
      validator: "request",
      data: { recipient: { bsuid: "US.1", phone: "+14255550123" }, message: { kind: "text", text: "Hi" } },
      expected: { path: ["recipient"], message: "must be an object with exactly one of contactId, bsuid and phone" },
    },
  ];

  it.each(cases)("names the path and says what is wrong when $when", ({ validator, data, expected }) => {
    expect(schemaProblems(validators[validator], data)).toContainEqual(expected);
  });

  it("returns nothing when the value is valid", () => {
    expect(schemaProblems(validators.routes, route({ senderCountries: ["GB"] }))).toEqual([]);
  });

  it("reports every problem once when a file has several", () => {
    const problems = schemaProblems(
      validators.routes,
      route({ stopProcessing: 1, description: 2, filter: { subjectBeginsWith: 3 } }),
    );
    expect(problems.map((problem) => formatPath(problem.path))).toEqual([
      "routes[0].description",
      "routes[0].filter.subjectBeginsWith",
      "routes[0].stopProcessing",
    ]);
  });

  it("leaves the value alone while a request validator removes unknown properties from what it checks", () => {
    const message = { kind: "text", text: "Hi", extra: true };
    const copy = structuredClone(message);
    expect(schemaProblems(validators.message, copy)).toEqual([]);
    expect(copy).toEqual({ kind: "text", text: "Hi" });
    expect(message.extra).toBe(true);
  });
});

describe("formatPath", () => {
  it.each<[(string | number)[], string, string]>([
    [[], "", ""],
    [[], "message", "message"],
    [["routes", 0, "filter", "advancedFilters", 2, "key"], "", "routes[0].filter.advancedFilters[2].key"],
    [["values", 1, "name"], "message", "message.values[1].name"],
  ])("writes %j under %j as %s", (path, prefix, expected) => {
    expect(formatPath(path, prefix)).toBe(expected);
  });
});

describe("isWithin", () => {
  it("says whether a path is the same as or below another", () => {
    expect(isWithin(["routes", 0, "filter", "advancedFilters"], ["routes", 0, "filter"])).toBe(true);
    expect(isWithin(["routes", 0, "filter"], ["routes", 0, "filter"])).toBe(true);
    expect(isWithin(["routes", 1, "filter"], ["routes", 0])).toBe(false);
    expect(isWithin(["routes"], ["routes", 0])).toBe(false);
  });
});
