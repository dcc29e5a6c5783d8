import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseAdvancedMessageEvent,
  parseAdvancedMessageEvents,
  type AdvancedMessageEvent,
  type DeliveryStatusUpdate,
  type EventRejection,
  type InboundMessage,
  type ParseResult,
} from "../../../../lib/adapters/acs/events/parseAdvancedMessageEvent";

// Sample ACS events kept in the repo (test/fixtures/events) so the tests run on a clean clone.
const FIXTURES = path.join(__dirname, "../../../fixtures/events");
const ACS_EVENTS = path.join(FIXTURES, "acs-events");
const DOCS_SAMPLES = path.join(FIXTURES, "docs-samples");

const RECEIVED = "Microsoft.Communication.AdvancedMessageReceived";
const STATUS = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated";
const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const TOPIC =
  "/subscriptions/0f5a1c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs";
const BSUID = "US.13491208655302741918";

type Json = Record<string, unknown>;

// ---- helpers -------------------------------------------------------------------------------------------------------

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, "utf8")) as unknown;
}

function jsonFiles(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .sort();
}

/** The fixture's single event, as raw JSON (an Event Grid delivery array holds exactly one). */
function rawFixtureEvent(folder: string, name: string): Json {
  const raw = readJson(path.join(folder, name));
  const event = Array.isArray(raw) ? (raw[0] as unknown) : raw;
  if (Array.isArray(raw)) expect(raw).toHaveLength(1);
  return event as Json;
}

function expectOk(result: ParseResult<AdvancedMessageEvent> | undefined): AdvancedMessageEvent {
  expect(result, "a result").toBeDefined();
  if (result === undefined || !result.ok) {
    throw new Error(
      `expected the event to parse; got ${JSON.stringify(result?.ok === false ? result.rejection : result)}`,
    );
  }
  return result.value;
}

function expectReceived(result: ParseResult<AdvancedMessageEvent> | undefined): InboundMessage {
  const value = expectOk(result);
  expect(value.kind).toBe("received");
  if (value.kind !== "received") throw new Error("unreachable");
  return value;
}

function expectStatus(result: ParseResult<AdvancedMessageEvent> | undefined): DeliveryStatusUpdate {
  const value = expectOk(result);
  expect(value.kind).toBe("status");
  if (value.kind !== "status") throw new Error("unreachable");
  return value;
}

/** Asserts a rejection with a readable reason that names the field (when there is one). */
function expectRejected(
  result: ParseResult<AdvancedMessageEvent> | undefined,
  code: string,
  field?: string,
): EventRejection {
  expect(result, "a result").toBeDefined();
  if (result === undefined || result.ok) {
    throw new Error(`expected a rejection with code ${code}; got ${JSON.stringify(result)}`);
  }
  const { rejection } = result;
  expect(rejection.code).toBe(code);
  expect(rejection.code).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
  expect(rejection.reason).toMatch(/^[A-Za-z].{10,}\.$/s);
  if (field === undefined) {
    expect(rejection.field).toBeUndefined();
  } else {
    expect(rejection.field).toBe(field);
    expect(rejection.reason).toContain(field);
  }
  return rejection;
}

/** Asserts that the parsed event carries a warning with this code on this field, readable and with no full identifier. */
function expectWarned(
  event: { warnings: { code: string; field: string; message: string; raw?: string }[] },
  code: string,
  field: string,
): { code: string; field: string; message: string; raw?: string } {
  const warning = event.warnings.find((candidate) => candidate.code === code && candidate.field === field);
  if (warning === undefined) {
    throw new Error(`expected a ${code} warning on ${field}; got ${JSON.stringify(event.warnings)}`);
  }
  expect(warning.message).toMatch(/^[A-Za-z].{10,}\.$/s);
  expect(warning.message).toContain(field);
  if (warning.raw !== undefined) expect(warning.raw.length).toBeLessThanOrEqual(201);
  return warning;
}

const ABSENT = Symbol("absent");

/** Deep copy of `base` with `changes` applied at dotted paths; ABSENT deletes the key. */
function patched(base: Json, changes: Record<string, unknown>): Json {
  const copy = structuredClone(base);
  for (const [dotted, value] of Object.entries(changes)) {
    const keys = dotted.split(".");
    const last = keys.pop() as string;
    let target: Json = copy;
    for (const key of keys) {
      if (typeof target[key] !== "object" || target[key] === null) target[key] = {};
      target = target[key] as Json;
    }
    if (value === ABSENT) delete target[last];
    else target[last] = value;
  }
  return copy;
}

const RECEIVED_EVENT: Json = {
  id: "evt-received-1",
  topic: TOPIC,
  subject: `advancedMessage/sender/14255551234/recipient/${CHANNEL}`,
  eventType: RECEIVED,
  dataVersion: "1.0",
  metadataVersion: "1",
  eventTime: "2026-11-20T09:15:02.1234567Z",
  data: {
    channelType: "whatsapp",
    to: CHANNEL,
    receivedTimestamp: "2026-11-20T09:15:01+00:00",
    messageId: "0a1b2c3d-0000-4000-8000-000000000001",
    messageType: "text",
    content: "Hello",
    from: "14255551234",
    fromBSUID: BSUID,
  },
};

const STATUS_EVENT: Json = {
  id: "evt-status-1",
  topic: TOPIC,
  subject: "advancedMessage/3c2d1e0f-aaaa-4bbb-8ccc-000000000777/status/Delivered",
  eventType: STATUS,
  dataVersion: "1.0",
  metadataVersion: "1",
  eventTime: "2026-11-20T09:16:10.5550000Z",
  data: {
    messageId: "3c2d1e0f-aaaa-4bbb-8ccc-000000000777",
    status: "Delivered",
    channelType: "whatsapp",
    from: CHANNEL,
    to: "14255551234",
    toBSUID: BSUID,
    receivedTimestamp: "2026-11-20T09:16:09+00:00",
  },
};

/** Every optional part at once, so each nested field can be broken in turn. */
const KITCHEN_SINK_EVENT: Json = patched(RECEIVED_EVENT, {
  "data.media": { mimeType: "image/jpeg", id: "5d2f1a9e-7b3c-4e1d-8a6f-2c4b9e0d1f3a", fileName: "a.jpg", caption: "c" },
  "data.media.animated": false,
  "data.context": { from: "15550001111", id: "3c2d1e0f-aaaa-4bbb-8ccc-000000000778" },
  "data.button": { text: "Yes", payload: "p" },
  "data.interactive": {
    type: "buttonReply",
    buttonReply: { id: "agree", title: "Agree" },
    listReply: { id: "priority_mail", title: "Priority Mail", description: "1-3 days" },
  },
  "data.reaction": { messageId: "3c2d1e0f-aaaa-4bbb-8ccc-000000000777", emoji: "👍" },
  "data.error": { channelCode: "1", channelMessage: "m" },
});

const received = (changes: Record<string, unknown> = {}) => parseAdvancedMessageEvent(patched(RECEIVED_EVENT, changes));
const status = (changes: Record<string, unknown> = {}) => parseAdvancedMessageEvent(patched(STATUS_EVENT, changes));

const EMPTY_FORMS: [string, unknown][] = [
  ['""', ""],
  ["null", null],
  ["absent", ABSENT],
];

// ---- fixtures ------------------------------------------------------------------------------------------------------

type SenderKind = "phone+bsuid" | "bsuid" | "phone";
type FixtureExpectation =
  | {
      kind: "received";
      schema: "eventgrid" | "cloudevents";
      sender: SenderKind;
      fromPhone?: string;
      messageType: string;
      summary: string;
    }
  | {
      kind: "status";
      toPhone?: string;
      toBsuid: boolean;
      status: DeliveryStatusUpdate["status"];
      error?: DeliveryStatusUpdate["error"];
    };

const FIXTURE_EXPECTATIONS: Record<string, FixtureExpectation> = {
  "cloudevents-received-text-bsuid-only.json": {
    kind: "received",
    schema: "cloudevents",
    sender: "bsuid",
    messageType: "text",
    summary: "Hello from a username user",
  },
  "received-audio.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "phone+bsuid",
    fromPhone: "+5511987654321",
    messageType: "audio",
    summary: "[audio]",
  },
  "received-document.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "phone+bsuid",
    fromPhone: "+4915112345678",
    messageType: "document",
    summary: "[document] invoice-2026-1142.pdf",
  },
  "received-image.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "bsuid",
    messageType: "image",
    summary: "[image] The damaged box",
  },
  "received-interactive-button-reply.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "bsuid",
    messageType: "interactive",
    summary: "[button reply] Agree",
  },
  "received-interactive-list-reply.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "phone+bsuid",
    fromPhone: "+919812345678",
    messageType: "interactive",
    summary: "[list reply] Priority Mail",
  },
  "received-reaction.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "phone+bsuid",
    fromPhone: "+14255551234",
    messageType: "reaction",
    summary: "[reaction] 👍",
  },
  "received-sticker.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "bsuid",
    messageType: "sticker",
    summary: "[sticker]",
  },
  "received-template-button.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "bsuid",
    messageType: "button",
    summary: "[button] Yes",
  },
  "received-text-bsuid-only.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "bsuid",
    messageType: "text",
    summary: "Hello from a username user",
  },
  "received-text-phone-and-bsuid.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "phone+bsuid",
    fromPhone: "+14255551234",
    messageType: "text",
    summary: "Hi, is my order shipped?",
  },
  // 447700900123 is in Ofcom's drama range, which libphonenumber-js does not call "valid"; PhoneNumber checks that a
  // number is possible instead, so senders from ranges newer than the metadata are not dropped.
  "received-text-phone-only-legacy.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "phone",
    fromPhone: "+447700900123",
    messageType: "text",
    summary: "Hello (event from before BSUIDs)",
  },
  "received-video.json": {
    kind: "received",
    schema: "eventgrid",
    sender: "bsuid",
    messageType: "video",
    summary: "[video] unboxing",
  },
  "status-delivered-to-bsuid.json": { kind: "status", toBsuid: true, status: "delivered" },
  "status-failed.json": {
    kind: "status",
    toBsuid: true,
    status: "failed",
    error: { channelCode: "131026", channelMessage: "Message Undeliverable." },
  },
  "status-read.json": { kind: "status", toPhone: "+14255551234", toBsuid: true, status: "read" },
  "status-sent-to-phone.json": { kind: "status", toPhone: "+14255551234", toBsuid: true, status: "sent" },
};

describe("fixtures in test/fixtures/events/acs-events", () => {
  const files = jsonFiles(ACS_EVENTS);

  it("has an expectation for every fixture file when the folder is read at test time", () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files).toEqual(Object.keys(FIXTURE_EXPECTATIONS).sort());
  });

  it.each(files)("parses %s into the expected values when given the file's text", (name) => {
    const expected = FIXTURE_EXPECTATIONS[name];
    if (expected === undefined) throw new Error(`no expectation for ${name}`);
    const text = readFileSync(path.join(ACS_EVENTS, name), "utf8");
    const raw = rawFixtureEvent(ACS_EVENTS, name);
    const rawData = raw.data as Json;

    const results = parseAdvancedMessageEvents(text);
    expect(results).toHaveLength(1);
    const [result] = results;
    // The same event as an object gives the same answer as the text.
    expect(parseAdvancedMessageEvent(raw)).toEqual(result);

    const value = expectOk(result);
    expect(value.envelope.id).toBe(raw.id);
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);

    if (expected.kind === "received") {
      const message = expectReceived(result);
      expect(message.envelope.schema).toBe(expected.schema);
      expect(message.channelId).toBe(String(rawData.to).toLowerCase());
      expect(message.messageId).toBe(rawData.messageId);
      expect(message.channelType).toBe("whatsapp");
      expect(message.messageType).toBe(expected.messageType);
      expect(message.summary).toBe(expected.summary);
      expect(message.summary.length).toBeLessThanOrEqual(200);
      expect(message.receivedAt).toBe(new Date(String(rawData.receivedTimestamp)).toISOString());

      const sender: SenderKind =
        message.fromPhone !== undefined && message.fromBsuid !== undefined
          ? "phone+bsuid"
          : message.fromBsuid !== undefined
            ? "bsuid"
            : "phone";
      expect(sender).toBe(expected.sender);
      expect(message.fromPhone).toBe(expected.fromPhone);
      if (message.fromPhone !== undefined) expect(message.fromPhone).toMatch(/^\+[1-9]\d{6,14}$/);
      if (expected.sender !== "phone") {
        // Byte for byte: the BSUID is opaque and any change makes sends fail.
        expect(Buffer.from(String(message.fromBsuid), "utf8").equals(Buffer.from(String(rawData.fromBSUID)))).toBe(
          true,
        );
      }
      if (rawData.content !== undefined) expect(message.content).toBe(rawData.content);
    } else {
      const update = expectStatus(result);
      expect(update.envelope.schema).toBe("eventgrid");
      expect(update.channelId).toBe(String(rawData.from).toLowerCase());
      expect(update.messageId).toBe(rawData.messageId);
      expect(update.status).toBe(expected.status);
      expect(update.rawStatus).toBe(rawData.status);
      expect(update.toPhone).toBe(expected.toPhone);
      expect(update.toBsuid).toBe(expected.toBsuid ? rawData.toBSUID : undefined);
      expect(update.error).toEqual(expected.error);
      expect(update.receivedAt).toBe(new Date(String(rawData.receivedTimestamp)).toISOString());
    }
  });

  it("keeps media, context, interactive and reaction parts when the fixtures carry them", () => {
    const parse = (name: string) =>
      expectReceived(parseAdvancedMessageEvents(readJson(path.join(ACS_EVENTS, name)))[0]);
    expect(parse("received-image.json").media).toEqual({
      mimeType: "image/jpeg",
      id: "5d2f1a9e-7b3c-4e1d-8a6f-2c4b9e0d1f3a",
      caption: "The damaged box",
    });
    expect(parse("received-sticker.json").media?.animated).toBe(false);
    expect(parse("received-interactive-list-reply.json")).toMatchObject({
      context: { from: "15550001111", messageId: "3c2d1e0f-aaaa-4bbb-8ccc-000000000779" },
      interactive: {
        type: "listReply",
        listReply: { id: "priority_mail", title: "Priority Mail", description: "1-3 days" },
      },
    });
    expect(parse("received-reaction.json").reaction).toEqual({
      messageId: "3c2d1e0f-aaaa-4bbb-8ccc-000000000777",
      emoji: "👍",
    });
    expect(parse("received-template-button.json").button).toEqual({
      text: "Yes",
      payload: "confirm-appointment-2026-11-24",
    });
  });
});

describe("Microsoft docs samples in test/fixtures/events/docs-samples", () => {
  const files = jsonFiles(DOCS_SAMPLES);

  it.each(files)("rejects %s with a readable reason when its placeholders are left in", (name) => {
    const [result, ...rest] = parseAdvancedMessageEvents(readFileSync(path.join(DOCS_SAMPLES, name), "utf8"));
    expect(rest).toHaveLength(0);
    const rejection = expectRejected(
      result,
      "invalid_channel_id",
      name.startsWith("received") ? "data.to" : "data.from",
    );
    expect(rejection.eventId).toBe("00000000-0000-0000-0000-000000000000");
    expect(rejection.reason).not.toContain("{");
  });

  it("rejects with no_sender when the received sample's channel is made valid but both sender placeholders stay", () => {
    const sample = rawFixtureEvent(DOCS_SAMPLES, "received-text-bsuid.eventgrid.json");
    const rejection = expectRejected(
      parseAdvancedMessageEvent(patched(sample, { "data.to": CHANNEL })),
      "no_sender",
      "data.fromBSUID",
    );
    expect(rejection.reason).toContain("not a usable phone number");
    expect(rejection.reason).toContain("data.fromBSUID is not a BSUID");
  });

  it("accepts the received sample by phone, flagging the {sender-bsuid} placeholder, when channel and phone are valid", () => {
    const sample = rawFixtureEvent(DOCS_SAMPLES, "received-text-bsuid.eventgrid.json");
    const message = expectReceived(
      parseAdvancedMessageEvent(patched(sample, { "data.to": CHANNEL, "data.from": "14255551234" })),
    );
    expect(message.fromPhone).toBe("+14255551234");
    expect(message.fromBsuid).toBeUndefined();
    expectWarned(message, "invalid_bsuid", "data.fromBSUID");
  });

  it("accepts the status sample without a recipient, flagging both placeholders, when its channel is made valid", () => {
    const sample = rawFixtureEvent(DOCS_SAMPLES, "delivery-sent-bsuid.eventgrid.json");
    const update = expectStatus(parseAdvancedMessageEvent(patched(sample, { "data.from": CHANNEL })));
    expect(update.toPhone).toBeUndefined();
    expect(update.toBsuid).toBeUndefined();
    expectWarned(update, "unusable_phone", "data.to");
    expectWarned(update, "invalid_bsuid", "data.toBSUID");
  });
});

// ---- identifiers ---------------------------------------------------------------------------------------------------

describe("sender and recipient identifiers", () => {
  it.each(EMPTY_FORMS)("accepts a BSUID-only sender when from is %s", (_label, from) => {
    const message = expectReceived(received({ "data.from": from }));
    expect(message.fromPhone).toBeUndefined();
    expect(message.fromBsuid).toBe(BSUID);
  });

  it.each(EMPTY_FORMS)("accepts a phone-only sender when fromBSUID is %s", (_label, bsuid) => {
    const message = expectReceived(received({ "data.fromBSUID": bsuid }));
    expect(message.fromPhone).toBe("+14255551234");
    expect(message.fromBsuid).toBeUndefined();
  });

  it.each(EMPTY_FORMS.flatMap(([a, from]) => EMPTY_FORMS.map(([b, bsuid]) => [a, b, from, bsuid] as const)))(
    "rejects with no_sender when from is %s and fromBSUID is %s",
    (_a, _b, from, bsuid) => {
      const rejection = expectRejected(
        received({ "data.from": from, "data.fromBSUID": bsuid }),
        "no_sender",
        "data.fromBSUID",
      );
      expect(rejection.reason).toContain("data.from");
    },
  );

  it.each(EMPTY_FORMS)("accepts a status without a recipient phone when to is %s", (_label, to) => {
    const update = expectStatus(status({ "data.to": to }));
    expect(update.toPhone).toBeUndefined();
    expect(update.toBsuid).toBe(BSUID);
  });

  it.each(EMPTY_FORMS)("accepts a status without a recipient BSUID when toBSUID is %s", (_label, bsuid) => {
    const update = expectStatus(status({ "data.toBSUID": bsuid }));
    expect(update.toPhone).toBe("+14255551234");
    expect(update.toBsuid).toBeUndefined();
  });

  it("accepts a status with no recipient at all when both to and toBSUID are empty", () => {
    const update = expectStatus(status({ "data.to": null, "data.toBSUID": ABSENT }));
    expect(update.toPhone).toBeUndefined();
    expect(update.toBsuid).toBeUndefined();
  });

  it("reads the number as E.164 when from has a + prefix", () => {
    expect(expectReceived(received({ "data.from": "+447911123456" })).fromPhone).toBe("+447911123456");
  });

  it("reads the number as E.164 when to of a status has a + prefix", () => {
    expect(expectStatus(status({ "data.to": "+14255551234" })).toPhone).toBe("+14255551234");
  });

  it.each([
    ["too short", "12345"],
    ["letters", "call-me"],
    ["whitespace only", "   "],
    ["a 1 MB string", "1".repeat(1024 * 1024)],
  ])("keeps the message by its BSUID, phone null and flagged, when from is %s", (_label, from) => {
    const message = expectReceived(received({ "data.from": from }));
    expect(message.fromPhone).toBeUndefined();
    expect(message.fromBsuid).toBe(BSUID);
    const warning = expectWarned(message, "unusable_phone", "data.from");
    // Warnings are stored and shown, so they describe the value without repeating it.
    if (from.trim().length > 6) expect(JSON.stringify(warning)).not.toContain(from.slice(0, 40));
  });

  it.each([
    ["too short", "12345"],
    ["letters", "call-me"],
  ])("rejects with no_sender when from is %s and there is no BSUID", (_label, from) => {
    const rejection = expectRejected(
      received({ "data.from": from, "data.fromBSUID": ABSENT }),
      "no_sender",
      "data.fromBSUID",
    );
    expect(rejection.reason).toContain("data.from is not a usable phone number");
  });

  it("takes a BSUID in from as the sender's BSUID when fromBSUID is empty or the same", () => {
    for (const fromBSUID of [ABSENT, null, "", BSUID]) {
      const message = expectReceived(received({ "data.from": BSUID, "data.fromBSUID": fromBSUID }));
      expect(message.fromBsuid).toBe(BSUID);
      expect(message.fromPhone).toBeUndefined();
    }
  });

  it("takes a BSUID in a status's to as the recipient's BSUID", () => {
    const update = expectStatus(status({ "data.to": "GB.88213456712094", "data.toBSUID": ABSENT }));
    expect(update.toBsuid).toBe("GB.88213456712094");
    expect(update.toPhone).toBeUndefined();
  });

  it("uses fromBSUID and flags from when from holds a different BSUID", () => {
    const message = expectReceived(received({ "data.from": "GB.88213456712094" }));
    expect(message.fromBsuid).toBe(BSUID);
    const warning = expectWarned(message, "conflicting_identifiers", "data.from");
    expect(JSON.stringify(warning)).not.toContain("GB.88213456712094");
  });

  it("keeps the message by BSUID when from is the docs placeholder {sender@id}", () => {
    const message = expectReceived(received({ "data.from": "{sender@id}" }));
    expect(message.fromBsuid).toBe(BSUID);
    expect(message.fromPhone).toBeUndefined();
    expectWarned(message, "unusable_phone", "data.from");
  });

  it("keeps a status without a recipient phone, flagged, when to is non-empty and invalid", () => {
    const update = expectStatus(status({ "data.to": "0" }));
    expect(update.toPhone).toBeUndefined();
    expectWarned(update, "unusable_phone", "data.to");
  });

  it("accepts a parent BSUID when fromBSUID has the CC.ENT. form", () => {
    expect(expectReceived(received({ "data.fromBSUID": "US.ENT.11815799212886844830" })).fromBsuid).toBe(
      "US.ENT.11815799212886844830",
    );
  });

  it("accepts a parent BSUID when toBSUID has the CC.ENT. form", () => {
    expect(expectStatus(status({ "data.toBSUID": "US.ENT.11815799212886844830" })).toBsuid).toBe(
      "US.ENT.11815799212886844830",
    );
  });

  it.each([
    ["the country code is lower case", "us.13491208655302741918"],
    ["the country code is mixed case", "Us.13491208655302741918"],
    ["the body has 129 characters", `US.${"1".repeat(129)}`],
    ["the period is missing", "US13491208655302741918"],
    ["the body is empty", "US."],
    ["it has surrounding whitespace", ` ${BSUID} `],
    ["it has a trailing newline", `${BSUID}\n`],
    ["the body holds punctuation", "US.1349-1208"],
    ["the body holds non-ASCII digits", "US.１２３"],
    ["it is the docs placeholder", "{sender-bsuid}"],
  ])("keeps the message by phone, BSUID left out and flagged, when %s", (_label, bsuid) => {
    const message = expectReceived(received({ "data.fromBSUID": bsuid }));
    expect(message.fromBsuid).toBeUndefined();
    expect(message.fromPhone).toBe("+14255551234");
    const warning = expectWarned(message, "invalid_bsuid", "data.fromBSUID");
    // Warnings are stored and shown, so they describe the value without repeating it.
    if (bsuid.length > 8) expect(JSON.stringify(warning)).not.toContain(bsuid.trim());
  });

  it("rejects with no_sender when fromBSUID is invalid and there is no phone", () => {
    expectRejected(received({ "data.fromBSUID": "us.1", "data.from": "" }), "no_sender", "data.fromBSUID");
  });

  it("accepts a BSUID whose body has exactly 128 characters when fromBSUID is at the limit", () => {
    const bsuid = `US.${"a".repeat(64)}${"Z9".repeat(32)}`;
    expect(bsuid).toHaveLength(131);
    expect(expectReceived(received({ "data.fromBSUID": bsuid })).fromBsuid).toBe(bsuid);
  });

  it("keeps the BSUID's case byte for byte when fromBSUID mixes upper and lower case", () => {
    const bsuid = "GB.aBcDeFgH0123xYz";
    const message = expectReceived(received({ "data.fromBSUID": bsuid }));
    expect(message.fromBsuid).toBe(bsuid);
    expect(message.fromBsuid).not.toBe(bsuid.toLowerCase());
    expect(message.fromBsuid).not.toBe(bsuid.toUpperCase());
  });

  it("keeps the BSUID's case byte for byte when toBSUID mixes upper and lower case", () => {
    expect(expectStatus(status({ "data.toBSUID": "DE.xYz0Abc" })).toBsuid).toBe("DE.xYz0Abc");
  });

  it("keeps a status without a recipient BSUID, flagged, when toBSUID is non-empty and invalid", () => {
    const update = expectStatus(status({ "data.toBSUID": "de.123" }));
    expect(update.toBsuid).toBeUndefined();
    expectWarned(update, "invalid_bsuid", "data.toBSUID");
  });

  it("lower-cases the channel ID when to is an upper-case GUID", () => {
    expect(expectReceived(received({ "data.to": CHANNEL.toUpperCase() })).channelId).toBe(CHANNEL);
  });

  it("lower-cases the channel ID when a status's from is an upper-case GUID", () => {
    expect(expectStatus(status({ "data.from": CHANNEL.toUpperCase() })).channelId).toBe(CHANNEL);
  });

  it.each([
    ["a phone number", "14255551234"],
    ["a GUID without hyphens", CHANNEL.replaceAll("-", "")],
    ["a braced GUID", `{${CHANNEL}}`],
  ])("rejects with invalid_channel_id when to is %s", (_label, to) => {
    expectRejected(received({ "data.to": to }), "invalid_channel_id", "data.to");
  });

  it("rejects with invalid_channel_id when a status's from is a phone number", () => {
    expectRejected(status({ "data.from": "14255551234" }), "invalid_channel_id", "data.from");
  });

  it.each(EMPTY_FORMS)("rejects with missing_field when the received channel to is %s", (_label, to) => {
    expectRejected(received({ "data.to": to }), "missing_field", "data.to");
  });

  it.each(EMPTY_FORMS)("rejects with missing_field when a status's channel from is %s", (_label, from) => {
    expectRejected(status({ "data.from": from }), "missing_field", "data.from");
  });

  it.each([
    ["missing", ABSENT, "missing_message_id"],
    ["null", null, "missing_message_id"],
    ["empty", "", "missing_message_id"],
    ["holding a space", "a b", "invalid_message_id"],
    ["holding a hash", "a#b", "invalid_message_id"],
    ["too long", "a".repeat(513), "invalid_message_id"],
  ])("keys the message by its event ID, flagged, when messageId is %s", (_label, messageId, code) => {
    const message = expectReceived(received({ "data.messageId": messageId }));
    expect(message.messageId).toMatch(/^event![0-9a-f]{64}$/);
    expectWarned(message, code, "data.messageId");
    const update = expectStatus(status({ "data.messageId": messageId }));
    expect(update.messageId).toMatch(/^event![0-9a-f]{64}$/);
    expectWarned(update, code, "data.messageId");
  });

  it("derives the same key on every delivery of an event, and another for another event or other data", () => {
    const key = (changes: Record<string, unknown>) =>
      expectReceived(received({ "data.messageId": ABSENT, ...changes })).messageId;
    const first = key({ id: "a/b#c" });
    expect(key({ id: "a/b#c" })).toBe(first);
    expect(key({ id: "a/b#d" })).not.toBe(first);
    // Microsoft's docs samples all carry the all-zero ID: a reused ID with other data is another message.
    expect(key({ id: "a/b#c", "data.content": "Another message" })).not.toBe(first);
  });

  it.each([
    ["base64 with / + =", "wamid.HBgLMTQyNTU1NTEyMzQVAgASGBQzQTg5/0E+RkQ1QTk3MEI5NjhBQgA="],
    ["base64url", "wamid.HBgLMTQyNTU1NTEyMzQVAgASGBQzQTg5_0E-RkQ1QTk3MEI5NjhBQgA"],
  ])("accepts a WhatsApp message ID (%s) as messageId, context.id and reaction.messageId", (_label, wamid) => {
    const stored = wamid.replaceAll("/", "~");
    const message = expectReceived(
      received({ "data.messageId": wamid, "data.context.id": wamid, "data.reaction.messageId": wamid }),
    );
    expect(message.messageId).toBe(stored);
    expect(message.context?.messageId).toBe(stored);
    expect(message.reaction?.messageId).toBe(stored);
    expect(message.warnings).toEqual([]);
  });
});

// ---- timestamps ----------------------------------------------------------------------------------------------------

describe("timestamps", () => {
  it("reads receivedTimeStamp when the event uses the generated SDKs' spelling", () => {
    const changes = { "data.receivedTimestamp": ABSENT, "data.receivedTimeStamp": "2026-11-20T09:15:03+00:00" };
    expect(expectReceived(received(changes)).receivedAt).toBe("2026-11-20T09:15:03.000Z");
    expect(expectStatus(status(changes)).receivedAt).toBe("2026-11-20T09:15:03.000Z");
  });

  it("prefers receivedTimestamp when both spellings are present", () => {
    const message = expectReceived(received({ "data.receivedTimeStamp": "2026-01-01T00:00:00Z" }));
    expect(message.receivedAt).toBe("2026-11-20T09:15:01.000Z");
  });

  it.each(EMPTY_FORMS)("falls back to eventTime when receivedTimestamp is %s", (_label, value) => {
    expect(expectReceived(received({ "data.receivedTimestamp": value })).receivedAt).toBe("2026-11-20T09:15:02.123Z");
    expect(expectStatus(status({ "data.receivedTimestamp": value })).receivedAt).toBe("2026-11-20T09:16:10.555Z");
  });

  it("falls back to the CloudEvents time when the data has no timestamp", () => {
    const event = patched(rawFixtureEvent(ACS_EVENTS, "cloudevents-received-text-bsuid-only.json"), {
      "data.receivedTimestamp": ABSENT,
      time: "2026-11-20T10:00:00+01:00",
    });
    expect(expectReceived(parseAdvancedMessageEvent(event)).receivedAt).toBe("2026-11-20T09:00:00.000Z");
  });

  it.each([
    ["2026-11-20T10:15:01+01:00", "2026-11-20T09:15:01.000Z"],
    ["2026-11-20T04:15:01-0500", "2026-11-20T09:15:01.000Z"],
    ["2026-11-20T09:15:01.1234567Z", "2026-11-20T09:15:01.123Z"],
    ["2026-11-20t09:15:01z", "2026-11-20T09:15:01.000Z"],
    ["2026-11-20 09:15Z", "2026-11-20T09:15:00.000Z"],
    ["2026-11-20T00:30:00+01:00", "2026-11-19T23:30:00.000Z"],
    ["2028-02-29T12:00:00Z", "2028-02-29T12:00:00.000Z"],
  ])("normalises %s to UTC when it is the receivedTimestamp", (value, expected) => {
    expect(expectReceived(received({ "data.receivedTimestamp": value })).receivedAt).toBe(expected);
  });

  it.each([
    ["seconds", "2026-11-20T09:15:01", "2026-11-20T09:15:01.000Z"],
    ["fractions", "2026-11-20T09:15:01.1234567", "2026-11-20T09:15:01.123Z"],
    ["minutes only", "2026-11-20 09:15", "2026-11-20T09:15:00.000Z"],
  ])("reads a time without an offset (%s) as UTC, flagged", (_label, value, expected) => {
    const message = expectReceived(received({ "data.receivedTimestamp": value }));
    expect(message.receivedAt).toBe(expected);
    expectWarned(message, "timestamp_without_offset", "data.receivedTimestamp");
  });

  it.each([
    ["words", "yesterday"],
    ["a bare number", "1"],
    ["a date without a time", "2026-11-20"],
    ["30 February", "2026-02-30T00:00:00Z"],
    ["29 February of a common year", "2026-02-29T00:00:00Z"],
    ["month 13", "2026-13-01T00:00:00Z"],
    ["hour 25", "2026-11-20T25:00:00Z"],
    ["an RFC 2822 date", "Fri, 20 Nov 2026 09:15:01 GMT"],
    ["a number", 1700000000],
  ])("falls back to eventTime, flagged, when receivedTimestamp is %s", (_label, value) => {
    const message = expectReceived(received({ "data.receivedTimestamp": value }));
    expect(message.receivedAt).toBe("2026-11-20T09:15:02.123Z");
    expectWarned(message, "invalid_timestamp", "data.receivedTimestamp");
  });

  it("names receivedTimeStamp in the warning when that spelling is unparseable", () => {
    const update = expectStatus(status({ "data.receivedTimestamp": ABSENT, "data.receivedTimeStamp": "soon" }));
    expect(update.receivedAt).toBe("2026-11-20T09:16:10.555Z");
    expectWarned(update, "invalid_timestamp", "data.receivedTimeStamp");
  });

  it("uses the time of processing, flagged, when no time in the event is usable", () => {
    const now = () => new Date("2026-12-01T12:00:00Z");
    for (const changes of [
      { "data.receivedTimestamp": ABSENT, eventTime: ABSENT },
      { "data.receivedTimestamp": ABSENT, eventTime: "not a time" },
    ]) {
      const message = expectReceived(parseAdvancedMessageEvent(patched(RECEIVED_EVENT, changes), { now }));
      expect(message.receivedAt).toBe("2026-12-01T12:00:00.000Z");
      expectWarned(message, "missing_timestamp", "data.receivedTimestamp");
    }
  });

  it("keeps the envelope time as sent when it is only metadata", () => {
    expect(expectReceived(received()).envelope.time).toBe("2026-11-20T09:15:02.1234567Z");
  });
});

// ---- delivery status -----------------------------------------------------------------------------------------------

describe("delivery status", () => {
  it.each([
    ["Sent", "sent"],
    ["sent", "sent"],
    ["Delivered", "delivered"],
    ["delivered", "delivered"],
    ["DELIVERED", "delivered"],
    ["Read", "read"],
    ["READ", "read"],
    ["Failed", "failed"],
    ["failed", "failed"],
    ["Warning", "warning"],
    ["warning", "warning"],
    ["Unknown", "unknown"],
    ["Pending", "unknown"],
    ["Expired", "unknown"],
    ["delivered-ish", "unknown"],
  ])("maps %s to %s and keeps the raw value when the event reports that status", (raw, expected) => {
    const update = expectStatus(status({ "data.status": raw }));
    expect(update.status).toBe(expected);
    expect(update.rawStatus).toBe(raw);
  });

  it.each([...EMPTY_FORMS, ["whitespace", "  "]])("records unknown, flagged, when status is %s", (_label, value) => {
    const update = expectStatus(status({ "data.status": value }));
    expect(update.status).toBe("unknown");
    expectWarned(update, "missing_status", "data.status");
  });

  it("reads the error code as a string when Meta-style integer channelCode arrives", () => {
    expect(expectStatus(status({ "data.status": "Failed", "data.error": { channelCode: 131026 } })).error).toEqual({
      channelCode: "131026",
    });
  });

  it.each([
    ["null", null],
    ["an empty object", {}],
  ])("leaves error out when data.error is %s", (_label, error) => {
    expect(expectStatus(status({ "data.error": error })).error).toBeUndefined();
  });
});

// ---- message types and summaries ----------------------------------------------------------------------------------

describe("message types and summaries", () => {
  const media = { mimeType: "application/octet-stream", id: "5d2f1a9e-7b3c-4e1d-8a6f-2c4b9e0d1f3a" };

  it.each([
    ["text", { "data.content": "Hi there" }, "text", "Hi there"],
    ["TEXT", { "data.content": "Hi there" }, "text", "Hi there"],
    ["image", { "data.content": ABSENT, "data.media": { ...media, caption: "A box" } }, "image", "[image] A box"],
    ["Image", { "data.content": ABSENT, "data.media": media }, "image", "[image]"],
    [
      "document",
      { "data.content": ABSENT, "data.media": { ...media, fileName: "a.pdf" } },
      "document",
      "[document] a.pdf",
    ],
    [
      "document",
      { "data.content": ABSENT, "data.media": { ...media, fileName: "a.pdf", caption: "Invoice" } },
      "document",
      "[document] Invoice",
    ],
    ["video", { "data.content": ABSENT, "data.media": { ...media, caption: "clip" } }, "video", "[video] clip"],
    ["audio", { "data.content": ABSENT, "data.media": media }, "audio", "[audio]"],
    ["sticker", { "data.content": ABSENT, "data.media": { ...media, animated: true } }, "sticker", "[sticker]"],
    [
      "reaction",
      { "data.content": ABSENT, "data.reaction": { messageId: "m-1", emoji: "❤️" } },
      "reaction",
      "[reaction] ❤️",
    ],
    ["reaction", { "data.content": ABSENT, "data.reaction": { messageId: "m-1" } }, "reaction", "[reaction removed]"],
    [
      "button",
      { "data.content": ABSENT, "data.button": { payload: "only-payload" } },
      "button",
      "[button] only-payload",
    ],
    [
      "interactive",
      { "data.content": ABSENT, "data.interactive": { type: "buttonReply", buttonReply: { id: "y", title: "Yes" } } },
      "interactive",
      "[button reply] Yes",
    ],
    [
      "interactive",
      {
        "data.content": ABSENT,
        "data.interactive": { type: "listReply", listReply: { id: "pm", title: "Priority Mail" } },
      },
      "interactive",
      "[list reply] Priority Mail",
    ],
    [
      "interactive",
      { "data.content": ABSENT, "data.interactive": { type: "nfmReply" } },
      "interactive",
      "[interactive]",
    ],
    [
      "interactive",
      {
        "data.content": ABSENT,
        "data.interactive": {
          type: "listReply",
          buttonReply: { id: "stale", title: "Stale" },
          listReply: { id: "pm", title: "Priority Mail" },
        },
      },
      "interactive",
      "[list reply] Priority Mail",
    ],
    ["reaction", { "data.content": ABSENT }, "reaction", "[reaction]"],
    ["location", { "data.content": ABSENT }, "location", "[location]"],
    ["LocationPin", { "data.content": "47.6,-122.3" }, "LocationPin", "[LocationPin] 47.6,-122.3"],
  ])("reads messageType %s and summarises it when the event carries that type", (type, changes, expected, summary) => {
    const message = expectReceived(received({ ...changes, "data.messageType": type }));
    expect(message.messageType).toBe(expected);
    expect(message.summary).toBe(summary);
  });

  it.each([
    ["missing", ABSENT, "unknown", "missing_message_type"],
    ["empty", "", "unknown", "missing_message_type"],
    ["blank", " ", "unknown", "missing_message_type"],
    ["a number", 3, "3", "invalid_type"],
    ["longer than 256 characters", "x".repeat(257), "x".repeat(256), "field_too_long"],
  ])("keeps the message, flagged, when messageType is %s", (_label, messageType, expected, code) => {
    const message = expectReceived(received({ "data.messageType": messageType }));
    expect(message.messageType).toBe(expected);
    expectWarned(message, code, "data.messageType");
  });

  it("truncates the summary to 200 characters with an ellipsis when the text is longer", () => {
    const text = "word ".repeat(100);
    const message = expectReceived(received({ "data.content": text }));
    expect(message.content).toBe(text);
    expect(message.summary.length).toBeLessThanOrEqual(200);
    expect(message.summary.endsWith("…")).toBe(true);
    expect(message.summary.startsWith("word word")).toBe(true);
  });

  it("does not split an emoji when the cut falls inside it", () => {
    const text = `${"a".repeat(197)}👍🏽 and more`;
    const summary = expectReceived(received({ "data.content": text })).summary;
    expect(summary.length).toBeLessThanOrEqual(200);
    expect(() => encodeURIComponent(summary)).not.toThrow();
    expect(summary).toBe(`${"a".repeat(197)}…`);
  });

  it("collapses line breaks and control characters when the text spans several lines", () => {
    const summary = expectReceived(
      received({ "data.content": "line one\r\n\tline\u0000two\u2028three\u202e" }),
    ).summary;
    expect(summary).toBe("line one line two three");
  });

  it("summarises an empty text as [text] when content is absent", () => {
    expect(expectReceived(received({ "data.content": ABSENT })).summary).toBe("[text]");
  });

  it("keeps content whole but the summary short when the text is 1 MiB", () => {
    const content = "x".repeat(1024 * 1024);
    const event = patched(RECEIVED_EVENT, { "data.content": content });
    for (const result of [parseAdvancedMessageEvent(event), parseAdvancedMessageEvent(JSON.stringify(event))]) {
      const message = expectReceived(result);
      expect(message.content).toHaveLength(1024 * 1024);
      // Compared directly: a failing toBe would print two 1 MiB strings.
      expect(message.content === content).toBe(true);
      expect(message.summary.length).toBeLessThanOrEqual(200);
      expect(message.summary.endsWith("…")).toBe(true);
    }
  });

  it("keeps the first 1 MiB of content, flagged, when content is larger than a whole Event Grid event", () => {
    const message = expectReceived(received({ "data.content": "x".repeat(1024 * 1024 + 1) }));
    expect(message.content).toHaveLength(1024 * 1024);
    expectWarned(message, "field_too_long", "data.content");
  });

  it("keeps captions short in the summary when a caption is 60 000 characters", () => {
    const message = expectReceived(
      received({
        "data.messageType": "image",
        "data.media": { ...media, caption: "c".repeat(60_000) },
      }),
    );
    expect(message.media?.caption).toHaveLength(60_000);
    expect(message.summary.length).toBeLessThanOrEqual(200);
    expect(message.summary.startsWith("[image] ccc")).toBe(true);
  });

  it.each([
    ["a path traversal", ".."],
    ["a slash", "a/b"],
    ["a query", "a?b"],
  ])("keeps the media without a download ID, flagged, when media.id is %s", (_label, id) => {
    const message = expectReceived(received({ "data.messageType": "image", "data.media": { ...media, id } }));
    expect(message.media?.mimeType).toBe(media.mimeType);
    expect(message.media?.id).toBeUndefined();
    expectWarned(message, "invalid_media_id", "data.media.id");
  });

  it.each([
    ["true", true],
    ["false", false],
    ["TRUE", true],
  ])("reads media.animated %j (a string, as the docs type it) as a boolean", (value, expected) => {
    const message = expectReceived(
      received({ "data.messageType": "sticker", "data.media": { ...media, animated: value } }),
    );
    expect(message.media?.animated).toBe(expected);
    expect(message.warnings).toEqual([]);
  });

  it.each([
    ["without type", { buttonReply: { id: "agree", title: "I agree" } }, "[button reply] I agree"],
    ["without title", { type: "buttonReply", buttonReply: { id: "agree" } }, "[button reply] agree"],
    ["with only a list id", { listReply: { id: "priority_mail" } }, "[list reply] priority_mail"],
    ["empty", {}, "[interactive]"],
  ])("accepts an interactive reply %s, with no warning (every field is optional)", (_label, interactive, summary) => {
    const message = expectReceived(received({ "data.messageType": "interactive", "data.interactive": interactive }));
    expect(message.summary).toBe(summary);
    expect(message.warnings).toEqual([]);
  });
});

// ---- envelopes and schemas -----------------------------------------------------------------------------------------

describe("envelopes and schemas", () => {
  const cloudEvent = rawFixtureEvent(ACS_EVENTS, "cloudevents-received-text-bsuid-only.json");
  const eventGridEvent = rawFixtureEvent(ACS_EVENTS, "received-text-bsuid-only.json");

  it("maps CloudEvents source, type and time onto the envelope when specversion is present", () => {
    const message = expectReceived(parseAdvancedMessageEvent(cloudEvent));
    expect(message.envelope).toEqual({
      id: cloudEvent.id,
      schema: "cloudevents",
      eventType: RECEIVED,
      subject: cloudEvent.subject,
      time: cloudEvent.time,
      source: cloudEvent.source,
    });
  });

  it("maps Event Grid topic, eventType and eventTime onto the envelope when eventType is present", () => {
    const message = expectReceived(parseAdvancedMessageEvent(eventGridEvent));
    expect(message.envelope).toEqual({
      id: eventGridEvent.id,
      schema: "eventgrid",
      eventType: RECEIVED,
      subject: eventGridEvent.subject,
      time: eventGridEvent.eventTime,
      source: eventGridEvent.topic,
    });
  });

  it("gives the same message in both schemas when the data is the same", () => {
    const { envelope: _a, ...fromCloud } = expectReceived(parseAdvancedMessageEvent(cloudEvent));
    const { envelope: _b, ...fromGrid } = expectReceived(parseAdvancedMessageEvent(eventGridEvent));
    expect(fromCloud).toEqual(fromGrid);
  });

  it("parses a CloudEvents status update when type is AdvancedMessageDeliveryStatusUpdated", () => {
    const { eventType: _t, topic, eventTime, dataVersion: _d, metadataVersion: _m, ...rest } = STATUS_EVENT;
    const event = { specversion: "1.0", type: STATUS, source: topic, time: eventTime, ...rest };
    const update = expectStatus(parseAdvancedMessageEvent(event));
    expect(update.envelope.schema).toBe("cloudevents");
    expect(update.status).toBe("delivered");
  });

  it("returns an unhandled event when the type is AdvancedMessageAnalysisCompleted", () => {
    const type = "Microsoft.Communication.AdvancedMessageAnalysisCompleted";
    expect(expectOk(received({ eventType: type, data: { anything: 1 } }))).toEqual({
      kind: "unhandled",
      envelope: expect.objectContaining({ eventType: type, schema: "eventgrid", id: "evt-received-1" }),
    });
    const cloud = expectOk(parseAdvancedMessageEvent({ ...cloudEvent, type, data: ABSENT }));
    expect(cloud.kind).toBe("unhandled");
    expect(cloud.envelope.schema).toBe("cloudevents");
  });

  it("returns an unhandled event when Event Grid sends its subscription validation event", () => {
    const event = expectOk(
      received({ eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", data: { validationCode: "abc" } }),
    );
    expect(event.kind).toBe("unhandled");
  });

  it("matches the event type case-insensitively when the casing differs", () => {
    expect(expectReceived(received({ eventType: RECEIVED.toLowerCase() })).envelope.eventType).toBe(
      RECEIVED.toLowerCase(),
    );
  });

  it("rejects with unsupported_schema when the event has neither specversion nor eventType", () => {
    expectRejected(received({ eventType: ABSENT }), "unsupported_schema");
  });

  it("rejects with unsupported_schema when the event has both specversion and eventType", () => {
    expectRejected(received({ specversion: "1.0" }), "unsupported_schema");
  });

  it("reads a CloudEvent whose attribute is spelled specVersion, as in the Event Grid spec's examples", () => {
    const event = rawFixtureEvent(ACS_EVENTS, "cloudevents-received-text-bsuid-only.json");
    const { specversion, ...rest } = event;
    const message = expectReceived(parseAdvancedMessageEvent({ ...rest, specVersion: specversion }));
    expect(message.envelope.schema).toBe("cloudevents");
    expect(message.fromBsuid).toBe(expectReceived(parseAdvancedMessageEvent(event)).fromBsuid);
  });

  it("rejects with unsupported_schema when specversion is not 1.0", () => {
    expectRejected(
      parseAdvancedMessageEvent({ ...cloudEvent, specversion: "0.3" }),
      "unsupported_schema",
      "specversion",
    );
  });

  it.each([
    ["missing", ABSENT, "missing_field"],
    ["empty", "", "missing_field"],
    ["a number", 7, "invalid_type"],
  ])("rejects when the event id is %s", (_label, id, code) => {
    expectRejected(received({ id }), code, "id");
  });

  it("names the CloudEvents type field when type is missing", () => {
    expectRejected(parseAdvancedMessageEvent({ ...cloudEvent, type: "" }), "missing_field", "type");
  });

  it("puts the event ID and type on the rejection when the envelope was readable", () => {
    const rejection = expectRejected(received({ "data.to": "nope" }), "invalid_channel_id", "data.to");
    expect(rejection.eventId).toBe("evt-received-1");
    expect(rejection.eventType).toBe(RECEIVED);
  });

  it("does not read inherited properties when Object.prototype has been polluted", () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.fromBSUID = BSUID;
    try {
      expectRejected(received({ "data.fromBSUID": ABSENT, "data.from": "" }), "no_sender", "data.fromBSUID");
    } finally {
      delete proto.fromBSUID;
    }
  });
});

// ---- malformed input -----------------------------------------------------------------------------------------------

describe("malformed input", () => {
  it.each([
    ["null", null, "invalid_event"],
    ["undefined", undefined, "invalid_event"],
    ["a number", 42, "invalid_event"],
    ["a boolean", true, "invalid_event"],
    ["a function", () => RECEIVED_EVENT, "invalid_event"],
    ["a symbol", Symbol("event"), "invalid_event"],
    ["a bigint", 10n, "invalid_event"],
    ["an array", [RECEIVED_EVENT], "invalid_event"],
    ["an empty object", {}, "unsupported_schema"],
    ["broken JSON text", '{"id": "x", ', "malformed_json"],
    ["empty text", "", "malformed_json"],
    ["JSON text of null", "null", "invalid_event"],
    ["JSON text of a string", JSON.stringify(JSON.stringify(RECEIVED_EVENT)), "invalid_event"],
    ["JSON text of an array", JSON.stringify([RECEIVED_EVENT]), "invalid_event"],
  ])("returns a rejection, not an exception, when the input is %s", (_label, input, code) => {
    expect(() => parseAdvancedMessageEvent(input)).not.toThrow();
    expectRejected(parseAdvancedMessageEvent(input), code);
  });

  it("does not echo the input in the reason when the JSON text is broken", () => {
    const rejection = expectRejected(parseAdvancedMessageEvent('{"from": "14255551234",'), "malformed_json");
    expect(rejection.reason).not.toContain("14255551234");
  });

  it("rejects with input_too_large when the JSON text is over 4 MiB", () => {
    expectRejected(parseAdvancedMessageEvent(" ".repeat(4 * 1024 * 1024 + 1)), "input_too_large");
  });

  it("returns a rejection when the JSON text is nested very deeply", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(() => parseAdvancedMessageEvent(deep)).not.toThrow();
    expect(parseAdvancedMessageEvent(deep).ok).toBe(false);
  });

  it.each(EMPTY_FORMS.filter(([label]) => label !== '""'))(
    "rejects with missing_field when data is %s",
    (_label, data) => {
      expectRejected(received({ data }), "missing_field", "data");
      expectRejected(status({ data }), "missing_field", "data");
    },
  );

  it.each([
    ["an empty string", ""],
    ["a string", JSON.stringify(RECEIVED_EVENT.data)],
    ["an array", [RECEIVED_EVENT.data]],
    ["a number", 1],
  ])("rejects with invalid_type when data is %s", (_label, data) => {
    expectRejected(received({ data }), "invalid_type", "data");
  });

  // What the event cannot be processed without: its envelope and its channel.
  const structuralWrongTypes: [string, unknown][] = [
    ["id", 5],
    ["eventType", 5],
    ["subject", 5],
    ["eventTime", 5],
    ["topic", {}],
    ["data.to", 42],
  ];

  // Everything else is kept, with a warning naming the field.
  const toleratedWrongTypes: [string, unknown, string][] = [
    ["data.from", 14255551234, "invalid_type"],
    ["data.fromBSUID", {}, "invalid_bsuid"],
    ["data.messageId", 1, "invalid_message_id"],
    ["data.messageType", ["text"], "invalid_type"],
    ["data.channelType", true, "invalid_type"],
    ["data.content", 5, "invalid_type"],
    ["data.receivedTimestamp", 1_700_000_000, "invalid_timestamp"],
    ["data.media", "x", "invalid_type"],
    ["data.media.mimeType", 1, "invalid_type"],
    ["data.media.id", 1, "invalid_media_id"],
    ["data.media.fileName", 1, "invalid_type"],
    ["data.media.caption", {}, "invalid_type"],
    ["data.media.animated", "yes", "invalid_type"],
    ["data.context", [], "invalid_type"],
    ["data.context.from", 1, "invalid_type"],
    ["data.context.id", 1, "invalid_message_id"],
    ["data.button", 1, "invalid_type"],
    ["data.button.text", 1, "invalid_type"],
    ["data.button.payload", false, "invalid_type"],
    ["data.interactive", "x", "invalid_type"],
    ["data.interactive.type", 1, "invalid_type"],
    ["data.interactive.buttonReply", "x", "invalid_type"],
    ["data.interactive.buttonReply.id", 1, "invalid_type"],
    ["data.interactive.listReply", 2, "invalid_type"],
    ["data.interactive.listReply.id", {}, "invalid_type"],
    ["data.interactive.listReply.title", 3, "invalid_type"],
    ["data.interactive.listReply.description", 4, "invalid_type"],
    ["data.reaction", true, "invalid_type"],
    ["data.reaction.messageId", 5, "invalid_message_id"],
    ["data.reaction.emoji", 1, "invalid_type"],
  ];

  it("accepts the kitchen-sink event when every part is well-formed", () => {
    const message = expectReceived(parseAdvancedMessageEvent(KITCHEN_SINK_EVENT));
    expect(message.media?.animated).toBe(false);
    expect(message.interactive?.listReply?.description).toBe("1-3 days");
    expect(message.warnings).toEqual([]);
  });

  it.each(structuralWrongTypes)("rejects a received event with invalid_type when %s is %j", (field, value) => {
    expectRejected(parseAdvancedMessageEvent(patched(KITCHEN_SINK_EVENT, { [field]: value })), "invalid_type", field);
  });

  it.each(toleratedWrongTypes)("keeps a received event, flagged, when %s is %j", (field, value, code) => {
    const message = expectReceived(parseAdvancedMessageEvent(patched(KITCHEN_SINK_EVENT, { [field]: value })));
    expect(message.fromBsuid ?? message.fromPhone).toBeDefined();
    expectWarned(message, code, field);
  });

  it("rejects a status event with invalid_type when its channel data.from is a number", () => {
    expectRejected(status({ "data.status": "Failed", "data.from": 42 }), "invalid_type", "data.from");
  });

  it.each([
    ["data.to", 14255551234, "invalid_type"],
    ["data.toBSUID", ["US.1"], "invalid_bsuid"],
    ["data.status", 5, "invalid_type"],
    ["data.channelType", 1, "invalid_type"],
    ["data.error", "x", "invalid_type"],
    ["data.error.channelCode", {}, "invalid_type"],
    ["data.error.channelCode", 1.5, "invalid_type"],
    ["data.error.channelMessage", 5, "invalid_type"],
  ])("keeps a status event, flagged, when %s is %j", (field, value, code) => {
    expectWarned(expectStatus(status({ "data.status": "Failed", [field]: value })), code, field);
  });

  it("rejects with field_too_long when the envelope id is oversized", () => {
    expectRejected(
      parseAdvancedMessageEvent(patched(KITCHEN_SINK_EVENT, { id: "i".repeat(5000) })),
      "field_too_long",
      "id",
    );
  });

  it.each([
    ["data.channelType", "w".repeat(257), 256],
    ["data.media.caption", "c".repeat(64 * 1024 + 1), 64 * 1024],
    ["data.interactive.buttonReply.title", "t".repeat(64 * 1024 + 1), 64 * 1024],
  ])("keeps the first characters, flagged, when %s is oversized", (field, value, kept) => {
    const message = expectReceived(parseAdvancedMessageEvent(patched(KITCHEN_SINK_EVENT, { [field]: value })));
    const warning = expectWarned(message, "field_too_long", field);
    expect(warning.message).toContain(String(kept));
  });

  it.each(["data", "id", "eventType", "data.from", "data.fromBSUID", "data.media", "data.media.caption"])(
    "returns unreadable_event, not an exception, when the getter of %s throws",
    (field) => {
      const event = patched(KITCHEN_SINK_EVENT, {});
      const keys = field.split(".");
      const last = keys.pop() as string;
      const owner = keys.reduce<Json>((target, key) => target[key] as Json, event);
      Object.defineProperty(owner, last, {
        enumerable: true,
        get() {
          throw new Error("boom from a getter");
        },
      });
      expect(() => parseAdvancedMessageEvent(event)).not.toThrow();
      const rejection = expectRejected(parseAdvancedMessageEvent(event), "unreadable_event");
      expect(rejection.reason).not.toContain("boom");
    },
  );

  it("returns unreadable_event when a getter throws a value whose own prototype lookup throws", () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("no prototype for you");
        },
      },
    );
    const event = patched(RECEIVED_EVENT, {});
    Object.defineProperty(event, "id", {
      enumerable: true,
      get() {
        throw hostile;
      },
    });
    expectRejected(parseAdvancedMessageEvent(event), "unreadable_event");
  });

  it("returns unreadable_event when the event is a proxy whose every trap throws", () => {
    const trap = () => {
      throw new Error("trap");
    };
    const event = new Proxy({}, { get: trap, has: trap, getOwnPropertyDescriptor: trap, ownKeys: trap });
    expectRejected(parseAdvancedMessageEvent(event), "unreadable_event");
  });

  it("returns unreadable_event when the event is a revoked proxy", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expectRejected(parseAdvancedMessageEvent(proxy), "unreadable_event");
  });

  it("ignores a cycle when the event refers to itself outside the fields it reads", () => {
    const event = patched(RECEIVED_EVENT, {});
    event.self = event;
    (event.data as Json).self = event.data;
    const message = expectReceived(parseAdvancedMessageEvent(event));
    expect(() => JSON.stringify(message)).not.toThrow();
  });

  it("rejects without looping when data is the event itself", () => {
    const event = patched(RECEIVED_EVENT, {});
    event.data = event;
    expectRejected(parseAdvancedMessageEvent(event), "missing_field", "data.to");
  });

  it("keeps the message, without looping, when media is the data object itself", () => {
    const event = patched(RECEIVED_EVENT, {});
    const data = event.data as Json;
    data.media = data;
    const message = expectReceived(parseAdvancedMessageEvent(event));
    expectWarned(message, "missing_mime_type", "data.media.mimeType");
  });

  it("returns values that share nothing with the input when the input is mutated afterwards", () => {
    const event = patched(KITCHEN_SINK_EVENT, {});
    const message = expectReceived(parseAdvancedMessageEvent(event));
    const before = JSON.stringify(message);
    ((event.data as Json).media as Json).caption = "changed";
    (event.data as Json).fromBSUID = "GB.1";
    expect(JSON.stringify(message)).toBe(before);
  });
});

// ---- batches -------------------------------------------------------------------------------------------------------

describe("parseAdvancedMessageEvents", () => {
  it("parses each element on its own when a delivery mixes good and bad events", () => {
    const results = parseAdvancedMessageEvents([RECEIVED_EVENT, { nope: true }, STATUS_EVENT, null, "{"]);
    expect(results.map((result) => result.ok)).toEqual([true, false, true, false, false]);
    expectReceived(results[0]);
    expectRejected(results[1], "unsupported_schema");
    expectStatus(results[2]);
    expectRejected(results[3], "invalid_event");
    // Strings inside a decoded delivery are double encoding, not events.
    expectRejected(results[4], "invalid_event");
  });

  it("parses a delivery when given as JSON text", () => {
    const results = parseAdvancedMessageEvents(JSON.stringify([RECEIVED_EVENT, STATUS_EVENT]));
    expect(results).toHaveLength(2);
    expectReceived(results[0]);
    expectStatus(results[1]);
  });

  it("wraps a single event in a one-element result when given an object or its text", () => {
    const fromObject = parseAdvancedMessageEvents(RECEIVED_EVENT);
    expect(fromObject).toHaveLength(1);
    expectReceived(fromObject[0]);
    const fromText = parseAdvancedMessageEvents(JSON.stringify(STATUS_EVENT));
    expect(fromText).toHaveLength(1);
    expectStatus(fromText[0]);
  });

  it("returns an empty list when the delivery is an empty array", () => {
    expect(parseAdvancedMessageEvents([])).toEqual([]);
    expect(parseAdvancedMessageEvents("[]")).toEqual([]);
  });

  it.each([
    ["broken JSON text", "[{", "malformed_json"],
    ["null", null, "invalid_event"],
    ["a number", 3, "invalid_event"],
  ])("returns one rejection when the delivery is %s", (_label, input, code) => {
    const results = parseAdvancedMessageEvents(input);
    expect(results).toHaveLength(1);
    expectRejected(results[0], code);
  });

  it("rejects with batch_too_large when the delivery holds more than 5000 events", () => {
    const results = parseAdvancedMessageEvents(new Array(5001).fill(RECEIVED_EVENT));
    expect(results).toHaveLength(1);
    expectRejected(results[0], "batch_too_large");
  });

  it("rejects only the element whose read throws when the delivery is a hostile array", () => {
    const delivery = [RECEIVED_EVENT, RECEIVED_EVENT];
    Object.defineProperty(delivery, 1, {
      get() {
        throw new Error("element getter");
      },
    });
    const results = parseAdvancedMessageEvents(delivery);
    expectReceived(results[0]);
    expectRejected(results[1], "unreadable_event");
  });

  it("returns one rejection when the delivery's length cannot be read", () => {
    const delivery = new Proxy([], {
      get(target, key, receiver) {
        if (key === "length") throw new Error("no length");
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const results = parseAdvancedMessageEvents(delivery);
    expect(results).toHaveLength(1);
    expectRejected(results[0], "unreadable_event");
  });
});
