import { randomUUID } from "node:crypto";
import { HttpRequest } from "@azure/functions";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { advancedMessageReceived } from "../../functions/advancedMessageReceived";
import { deliveryStatusUpdated } from "../../functions/deliveryStatusUpdated";
import { sendMessageHandler } from "../../functions/sendMessage";
import { resetAppServices, setAppServices, startApp, type AppServices } from "../../lib/app/createAppServices";
import { loadConfig } from "../../lib/app/loadConfig";
import { TransientError } from "../../lib/core/errors";
import { parseAdvancedMessageEvent } from "../../lib/adapters/acs/events/parseAdvancedMessageEvent";
import type { InboundMessage } from "../../lib/events/types";
import { resolveContact } from "../../lib/useCases/identity/resolveContact";
import { createLogger, silentLogger } from "../../lib/core/logging/createLogger";
import { maskIdentifier } from "../../lib/core/logging/mask";
import { reply } from "../../lib/useCases/messaging/reply";
import { sendDepsOf } from "../../lib/useCases/messaging/sendDeps";
import { parsePhoneNumber } from "../../lib/core/values/PhoneNumber";
import { parseMessageId, parseScope } from "../../lib/core/values/identifiers";
import { createAcsMessagesEmulator, type AcsMessagesEmulator } from "../../local/acsEmulator/createAcsMessagesEmulator";
import { createFakeTokenCredential, type FakeTokenCredential } from "../support/acsFakeTokenCredential";
import { loadAcsTestTls } from "../support/acsTls";
import { azuriteConnectionString, uniqueTablePrefix } from "../support/createTestTables";
import { createInvocationContext, loadFixtureEvent } from "../support/fixtures";
import { useFunctionServices } from "../support/useFunctionServices";

/** The channel of the event fixtures. */
const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const SECOND_CHANNEL = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const BSUID = "US.13491208655302741918";
const PARENT_BSUID = "US.ENT.11815799212886844830";
const PHONE = "+14255551234";
const PHONE_DIGITS = "14255551234";
const SCOPE = parseScope("default");
const TOKEN = "send-function-test-token";
const HOUR = 60 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
/** Every setting of the sending side, cleared between tests so one describe's settings never leak into the next. */
const MESSAGING_SETTINGS = [
  "ACS_CONNECTION_STRING",
  "ACS_ENDPOINT",
  "ACS_CHANNEL_IDS",
  "SEND_ADDRESS_PREFERENCE",
  "BSUID_SENDS_ENABLED",
  "AUTHENTICATION_TEMPLATES",
];
/** Full identifiers that must never appear in a log line (masked forms are fine). */
const FULL_IDENTIFIERS = [BSUID, "13491208655302741918", PARENT_BSUID, "11815799212886844830", PHONE_DIGITS];

const text = { kind: "text", text: "Your order is on its way" };
const utilityTemplate = { kind: "template", name: "order_shipped", language: "en_US" };
const listedAuthTemplate = { kind: "template", name: "login_code", language: "en_US" };
/** Listed by ACS without an OTP button; an authentication template only by the AUTHENTICATION_TEMPLATES setting. */
const configuredAuthTemplate = { kind: "template", name: "legacy_otp", language: "en_US" };

const tls = loadAcsTestTls();
let hmac: AcsMessagesEmulator;
let bearer: AcsMessagesEmulator;

beforeAll(async () => {
  const options = {
    channels: [CHANNEL, SECOND_CHANNEL],
    templates: [
      { name: "login_code", language: "en_US", category: "AUTHENTICATION" },
      { name: "order_shipped", language: "en_US", category: "UTILITY" },
      // WhatsApp knows it as an authentication template, but its listing shows only a body.
      { name: "legacy_otp", language: "en_US", category: "AUTHENTICATION", content: [{ type: "BODY", text: "{{1}}" }] },
    ],
  };
  hmac = await createAcsMessagesEmulator(options);
  bearer = await createAcsMessagesEmulator({ ...options, https: tls, bearerToken: TOKEN });
});

afterAll(async () => {
  await Promise.all([hmac.close(), bearer.close()]);
  for (const name of MESSAGING_SETTINGS) delete process.env[name];
  resetAppServices();
});

// Every log line of every test (the functions' invocation logs and the process logger on console) is kept, and none
// may hold a full phone number or BSUID.
const logs: string[] = [];
beforeEach(() => {
  hmac.reset();
  bearer.reset();
  logs.length = 0;
  for (const level of ["debug", "info", "warn", "error"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(" ")));
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  const all = logs.join("\n");
  for (const identifier of FULL_IDENTIFIERS)
    expect(all, "a log line holds a full identifier").not.toContain(identifier);
});

type Response = { status: number; jsonBody?: Record<string, unknown>; headers?: Record<string, string> };

function errorOf(response: Response): Record<string, unknown> {
  return (response.jsonBody?.error ?? {}) as Record<string, unknown>;
}

/** POSTs to the sendMessage function. A string body is sent as is (to test unparseable JSON). */
async function send(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const context = createInvocationContext("sendMessage");
  const request = new HttpRequest({
    method: "POST",
    url: "http://localhost:7071/api/messages",
    headers: { "content-type": "application/json", ...headers },
    body: { string: typeof body === "string" ? body : JSON.stringify(body) },
  });
  const response = (await sendMessageHandler(request, context)) as Response;
  logs.push(...context.logged);
  return response;
}

let eventSequence = 0;

/** An AdvancedMessageReceived event (from the username-user fixture) from `sender`, received `ageMs` ago. */
function receivedEvent(
  sender: { bsuid?: string; phone?: string },
  options: { channel?: string; ageMs?: number } = {},
): Record<string, unknown> {
  const event = loadFixtureEvent("received-text-bsuid-only.json");
  const data = event.data as Record<string, unknown>;
  const channel = options.channel ?? CHANNEL;
  eventSequence += 1;
  data.from = sender.phone ? sender.phone.replace(/^\+/, "") : "";
  data.fromBSUID = sender.bsuid ?? null;
  data.to = channel;
  data.messageId = `0a1b2c3d-0000-4000-9000-${String(eventSequence).padStart(12, "0")}`;
  data.receivedTimestamp = new Date(Date.now() - (options.ageMs ?? 60_000)).toISOString();
  event.id = randomUUID();
  event.subject = `advancedMessage/sender/${sender.bsuid ?? String(data.from)}/recipient/${channel}`;
  return event;
}

/** Delivers an inbound event to the advancedMessageReceived function, as Event Grid would. */
async function ingest(event: Record<string, unknown>): Promise<void> {
  const context = createInvocationContext("advancedMessageReceived");
  await advancedMessageReceived(event, context);
  logs.push(...context.logged);
}

/** A contact who wrote `ageMs` ago (a minute by default) on `channel`. */
function contactWhoWrote(
  sender: { bsuid?: string; phone?: string },
  options: { channel?: string; ageMs?: number } = {},
): Promise<void> {
  return ingest(receivedEvent(sender, options));
}

/** A contact known by phone only who never wrote (e.g. imported from a CRM). */
async function contactWhoNeverWrote(services: AppServices): Promise<void> {
  await resolveContact(
    { store: services.identityStore, logger: silentLogger },
    { scope: SCOPE, phone: parsePhoneNumber(PHONE) },
  );
}

/** Delivers a delivery status event for `messageId` to the deliveryStatusUpdated function. */
async function deliverStatus(messageId: string, status: string, recipient: { bsuid?: string; phone?: string }) {
  const event = loadFixtureEvent("status-delivered-to-bsuid.json");
  const data = event.data as Record<string, unknown>;
  Object.assign(data, {
    messageId,
    status,
    from: CHANNEL,
    to: recipient.phone ? recipient.phone.slice(1) : "",
    toBSUID: recipient.bsuid ?? null,
    receivedTimestamp: new Date().toISOString(),
  });
  event.id = randomUUID();
  event.subject = `advancedMessage/${messageId}/status/${status}`;
  const context = createInvocationContext("deliveryStatusUpdated");
  await deliveryStatusUpdated(event, context);
  logs.push(...context.logged);
}

function sendRequests(emulator: AcsMessagesEmulator) {
  return emulator.requests.filter((request) => request.path === "/messages/notifications:send");
}

/**
 * Runs the functions on settings from `process.env`, the way the host does, with the HMAC emulator's connection string
 * (the SDK keeps its default retry policy, so no fault is injected on this route).
 */
function useConnectionStringSettings(settings: Record<string, string> = {}): () => Promise<AppServices> {
  const services = useFunctionServices();
  beforeEach(() => {
    for (const name of MESSAGING_SETTINGS) delete process.env[name];
    Object.assign(process.env, {
      ACS_CONNECTION_STRING: hmac.connectionString,
      ACS_CHANNEL_IDS: CHANNEL,
      AUTHENTICATION_TEMPLATES: "legacy_otp",
      ...settings,
    });
    resetAppServices();
  });
  return services;
}

type AuthRoute = "hmac" | "token";

/**
 * Runs the functions on services built by `startApp` and handed to them with `setAppServices`: an ACS client
 * without retries (so faults answer at once) and, for `token`, `ACS_ENDPOINT` on the HTTPS emulator with an injected
 * `TokenCredential` (bearer auth) instead of the managed identity.
 */
function useInjectedServices(route: AuthRoute, options: { clock?: () => Date } = {}) {
  const state = {} as { services: AppServices; credential: FakeTokenCredential; emulator: AcsMessagesEmulator };
  beforeEach(async () => {
    state.emulator = route === "hmac" ? hmac : bearer;
    state.credential = createFakeTokenCredential(TOKEN);
    const config = loadConfig({
      TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(),
      TABLE_NAME_PREFIX: uniqueTablePrefix(),
      ACS_CHANNEL_IDS: CHANNEL,
      AUTHENTICATION_TEMPLATES: "legacy_otp",
      ...(route === "hmac" ? { ACS_CONNECTION_STRING: hmac.connectionString } : { ACS_ENDPOINT: bearer.url }),
    });
    state.services = await startApp(
      { config },
      {
        acsOptions: { retryOptions: { maxRetries: 0 }, ...(route === "token" ? { tlsOptions: { ca: tls.cert } } : {}) },
        ...(route === "token" ? { acsCredential: state.credential } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      },
    );
    setAppServices(state.services);
  });
  afterEach(() => resetAppServices());
  return state;
}

/** Records the repeatability headers of every request the app's ACS client sends. */
function captureRepeatability(services: AppServices): { id: string | undefined; firstSent: string | undefined }[] {
  const seen: { id: string | undefined; firstSent: string | undefined }[] = [];
  const policy: PipelinePolicy = {
    name: "captureRepeatability",
    sendRequest(request, next) {
      if (request.method === "POST") {
        seen.push({
          id: request.headers.get("Repeatability-Request-ID"),
          firstSent: request.headers.get("Repeatability-First-Sent"),
        });
      }
      return next(request);
    },
  };
  services.acs!.client.pipeline.addPolicy(policy);
  return seen;
}

describe("sendMessage function: which address a send goes to", () => {
  const services = useConnectionStringSettings();

  it("sends to the BSUID, whole, when the contact has both a BSUID and a phone", async () => {
    await contactWhoWrote({ bsuid: BSUID, phone: PHONE });

    const response = await send({ recipient: { phone: "+1 (425) 555-1234" }, message: text });

    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ to: BSUID, addressedBy: "bsuid", channelId: CHANNEL, replayed: false });
    expect(response.jsonBody?.messageId).toBe(hmac.sent[0]?.messageId);
    expect(hmac.sent).toHaveLength(1);
    expect(hmac.sent[0]?.body.to).toEqual([BSUID]);
    expect(hmac.sent[0]?.body.channelRegistrationId).toBe(CHANNEL);
    expect(hmac.sent[0]?.headers.authorization).toMatch(/^HMAC-SHA256 /);
  });

  it("sends a parent US.ENT. BSUID byte for byte when the contact is known by it", async () => {
    await contactWhoWrote({ bsuid: PARENT_BSUID });

    const response = await send({ recipient: { bsuid: PARENT_BSUID }, message: text });

    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ to: PARENT_BSUID, addressedBy: "bsuid" });
    expect(hmac.sent[0]?.body.to).toEqual([PARENT_BSUID]);
    expect(hmac.sent[0]?.to).toBe(PARENT_BSUID);
  });

  it("sends to the phone in E.164 with + when the contact has no BSUID", async () => {
    await contactWhoWrote({ phone: PHONE });

    const response = await send({ recipient: { phone: PHONE_DIGITS }, message: text });

    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ to: PHONE, addressedBy: "phone" });
    expect(hmac.sent[0]?.body.to).toEqual([PHONE]);
  });

  it("finds the contact by contactId and sends to its BSUID", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    const key = await (await services()).identityStore.getKey(SCOPE, "bsuid", BSUID);

    const response = await send({ recipient: { contactId: key?.contactId }, message: text });

    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ contactId: key?.contactId, to: BSUID });
    expect(hmac.sent[0]?.body.to).toEqual([BSUID]);
  });

  it("sends an authentication template to the phone when ACS lists the template's category as AUTHENTICATION", async () => {
    await contactWhoWrote({ bsuid: BSUID, phone: PHONE });

    const response = await send({ recipient: { bsuid: BSUID }, message: listedAuthTemplate });

    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ to: PHONE, addressedBy: "phone" });
    expect(hmac.sent[0]?.body.to).toEqual([PHONE]);
    expect(hmac.requests.some((request) => request.path.endsWith(`/channels/${CHANNEL}/templates`))).toBe(true);
  });

  it("sends a template named in AUTHENTICATION_TEMPLATES to the phone although ACS lists it without an OTP button", async () => {
    await contactWhoWrote({ bsuid: BSUID, phone: PHONE });

    const response = await send({ recipient: { bsuid: BSUID }, message: configuredAuthTemplate });

    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ to: PHONE, addressedBy: "phone" });
    expect(hmac.sent[0]?.body.to).toEqual([PHONE]);
  });

  it("sends a utility template to the BSUID when the contact has both", async () => {
    await contactWhoWrote({ bsuid: BSUID, phone: PHONE });

    const response = await send({ recipient: { bsuid: BSUID }, message: utilityTemplate });

    expect(response.status).toBe(202);
    expect(hmac.sent[0]?.body.to).toEqual([BSUID]);
  });

  it.each([
    ["ACS lists as AUTHENTICATION", listedAuthTemplate],
    ["AUTHENTICATION_TEMPLATES names", configuredAuthTemplate],
  ])(
    "refuses with 422 before calling ACS when a template %s goes to a contact without a phone",
    async (_how, message) => {
      await contactWhoWrote({ bsuid: BSUID });

      const response = await send({ recipient: { bsuid: BSUID }, message });

      expect(response.status).toBe(422);
      expect(errorOf(response)).toMatchObject({ code: "authentication_template_needs_phone" });
      expect(String(errorOf(response).message)).toMatch(/phone number/);
      expect(hmac.sent).toHaveLength(0);
      expect(sendRequests(hmac)).toHaveLength(0);
    },
  );

  it("masks the recipient in what it logs when a send succeeds", async () => {
    await contactWhoWrote({ bsuid: BSUID, phone: PHONE });

    await send({ recipient: { bsuid: BSUID }, message: text });

    const sentLine = logs.find((line) => line.includes('"message sent"'));
    expect(sentLine).toContain(maskIdentifier(BSUID));
    expect(sentLine).not.toContain(BSUID);
  });
});

describe("sendMessage function with SEND_ADDRESS_PREFERENCE=phone", () => {
  useConnectionStringSettings({ SEND_ADDRESS_PREFERENCE: "phone" });

  it("sends to the phone when the contact has both", async () => {
    await contactWhoWrote({ bsuid: BSUID, phone: PHONE });

    const response = await send({ recipient: { bsuid: BSUID }, message: text });

    expect(response.jsonBody).toMatchObject({ to: PHONE, addressedBy: "phone" });
    expect(hmac.sent[0]?.body.to).toEqual([PHONE]);
  });

  it("sends to the BSUID when the contact has no phone", async () => {
    await contactWhoWrote({ bsuid: BSUID });

    const response = await send({ recipient: { bsuid: BSUID }, message: text });

    expect(response.jsonBody).toMatchObject({ to: BSUID, addressedBy: "bsuid" });
    expect(hmac.sent[0]?.body.to).toEqual([BSUID]);
  });
});

describe("sendMessage function with BSUID_SENDS_ENABLED=false", () => {
  useConnectionStringSettings({ BSUID_SENDS_ENABLED: "false" });

  it("sends to the phone when the contact has both", async () => {
    await contactWhoWrote({ bsuid: BSUID, phone: PHONE });

    const response = await send({ recipient: { bsuid: BSUID }, message: text });

    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ to: PHONE, addressedBy: "phone" });
    expect(hmac.sent[0]?.body.to).toEqual([PHONE]);
  });

  it("refuses with 422 bsuid_sends_disabled before calling ACS when the contact has only a BSUID", async () => {
    await contactWhoWrote({ bsuid: BSUID });

    const response = await send({ recipient: { bsuid: BSUID }, message: text });

    expect(response.status).toBe(422);
    expect(errorOf(response).code).toBe("bsuid_sends_disabled");
    expect(sendRequests(hmac)).toHaveLength(0);
  });
});

describe("sendMessage function: the 24-hour customer service window", () => {
  const services = useConnectionStringSettings({ ACS_CHANNEL_IDS: `${CHANNEL},${SECOND_CHANNEL}` });

  it("refuses a text with 422 before calling ACS when the contact last wrote 25 hours ago", async () => {
    await contactWhoWrote({ bsuid: BSUID }, { ageMs: 25 * HOUR });

    const response = await send({ recipient: { bsuid: BSUID }, channelId: CHANNEL, message: text });

    expect(response.status).toBe(422);
    expect(errorOf(response)).toMatchObject({ code: "outside_customer_service_window" });
    expect(String(errorOf(response).message)).toMatch(/25 hours ago/);
    expect(sendRequests(hmac)).toHaveLength(0);
  });

  it("sends a text when the contact last wrote 23 hours ago", async () => {
    await contactWhoWrote({ bsuid: BSUID }, { ageMs: 23 * HOUR });

    const response = await send({ recipient: { bsuid: BSUID }, channelId: CHANNEL, message: text });

    expect(response.status).toBe(202);
    expect(hmac.sent).toHaveLength(1);
  });

  it("refuses an image with 422 before calling ACS when the contact never wrote", async () => {
    await contactWhoNeverWrote(await services());

    const response = await send({
      recipient: { phone: PHONE },
      channelId: CHANNEL,
      message: { kind: "image", mediaUrl: "https://example.com/a.png" },
    });

    expect(response.status).toBe(422);
    expect(errorOf(response).code).toBe("outside_customer_service_window");
    expect(sendRequests(hmac)).toHaveLength(0);
  });

  it("refuses a text on a channel the contact never wrote on although their window is open on another", async () => {
    await contactWhoWrote({ bsuid: BSUID }, { channel: SECOND_CHANNEL });

    const refused = await send({ recipient: { bsuid: BSUID }, channelId: CHANNEL, message: text });
    const accepted = await send({ recipient: { bsuid: BSUID }, channelId: SECOND_CHANNEL, message: text });

    expect(refused.status).toBe(422);
    expect(errorOf(refused).code).toBe("outside_customer_service_window");
    expect(accepted.status).toBe(202);
    expect(hmac.sent.map((message) => message.channelId)).toEqual([SECOND_CHANNEL]);
  });

  it("sends a template when the contact last wrote days ago", async () => {
    await contactWhoWrote({ bsuid: BSUID }, { ageMs: 72 * HOUR });

    const response = await send({ recipient: { bsuid: BSUID }, channelId: CHANNEL, message: utilityTemplate });

    expect(response.status).toBe(202);
    expect(hmac.sent[0]?.body.to).toEqual([BSUID]);
  });

  it("sends a template when the contact never wrote", async () => {
    await contactWhoNeverWrote(await services());

    const response = await send({ recipient: { phone: PHONE }, channelId: CHANNEL, message: utilityTemplate });

    expect(response.status).toBe(202);
    expect(hmac.sent[0]?.body.to).toEqual([PHONE]);
  });

  it("sends a text once the contact writes again after the window closed", async () => {
    await contactWhoWrote({ bsuid: BSUID }, { ageMs: 30 * HOUR });
    expect((await send({ recipient: { bsuid: BSUID }, channelId: CHANNEL, message: text })).status).toBe(422);

    await contactWhoWrote({ bsuid: BSUID });

    expect((await send({ recipient: { bsuid: BSUID }, channelId: CHANNEL, message: text })).status).toBe(202);
    expect(hmac.sent).toHaveLength(1);
  });
});

describe("sendMessage function: invalid requests", () => {
  const services = useConnectionStringSettings({ ACS_CHANNEL_IDS: `${CHANNEL},${SECOND_CHANNEL}` });

  it.each<[string, unknown, string]>([
    ["the body is not JSON", "{not json", "body"],
    ["the body is an array", [1], "body"],
    ["the recipient is missing", { channelId: CHANNEL, message: text }, "recipient"],
    ["the recipient is an array", { recipient: [BSUID], channelId: CHANNEL, message: text }, "recipient"],
    [
      "the recipient has two identifiers",
      { recipient: { bsuid: BSUID, phone: PHONE }, channelId: CHANNEL, message: text },
      "recipient",
    ],
    [
      "the recipient has an unknown field",
      { recipient: { email: "a@example.com" }, channelId: CHANNEL, message: text },
      "recipient",
    ],
    [
      "the BSUID is lower-cased",
      { recipient: { bsuid: BSUID.toLowerCase() }, channelId: CHANNEL, message: text },
      "recipient.bsuid",
    ],
    [
      "the BSUID has a space",
      { recipient: { bsuid: `${BSUID} ` }, channelId: CHANNEL, message: text },
      "recipient.bsuid",
    ],
    [
      "the phone is not a number",
      { recipient: { phone: "call me" }, channelId: CHANNEL, message: text },
      "recipient.phone",
    ],
    [
      "the contactId is malformed",
      { recipient: { contactId: "../etc" }, channelId: CHANNEL, message: text },
      "recipient.contactId",
    ],
    ["the message is missing", { recipient: { bsuid: BSUID }, channelId: CHANNEL }, "message"],
    [
      "the message kind is unknown",
      { recipient: { bsuid: BSUID }, channelId: CHANNEL, message: { kind: "fax" } },
      "message.kind",
    ],
    [
      "the text is empty",
      { recipient: { bsuid: BSUID }, channelId: CHANNEL, message: { kind: "text", text: " " } },
      "message.text",
    ],
    [
      "the template name has upper-case letters",
      {
        recipient: { bsuid: BSUID },
        channelId: CHANNEL,
        message: { kind: "template", name: "Order", language: "en_US" },
      },
      "message.name",
    ],
    ["the channelId is not a GUID", { recipient: { bsuid: BSUID }, channelId: "whatsapp", message: text }, "channelId"],
    [
      "the channelId is missing while several channels are configured",
      { recipient: { bsuid: BSUID }, message: text },
      "channelId",
    ],
    [
      "the channelId is not one of ACS_CHANNEL_IDS",
      { recipient: { bsuid: BSUID }, channelId: "99999999-9999-4999-8999-999999999999", message: text },
      "channelId",
    ],
  ])("answers 400 naming the field when %s", async (_case, body, field) => {
    await contactWhoWrote({ bsuid: BSUID });

    const response = await send(body);

    expect(response.status).toBe(400);
    expect(errorOf(response).field).toBe(field);
    expect(sendRequests(hmac)).toHaveLength(0);
  });

  it.each([
    ["has a space", "order 123"],
    ["is longer than 255 characters", "k".repeat(256)],
    ["has a non-ASCII character", "commande-é"],
  ])("answers 400 naming Idempotency-Key when the key %s", async (_case, key) => {
    await contactWhoWrote({ bsuid: BSUID });

    const response = await send(
      { recipient: { bsuid: BSUID }, channelId: CHANNEL, message: text },
      { "Idempotency-Key": key },
    );

    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: "invalid_idempotency_key", field: "Idempotency-Key" });
    expect(sendRequests(hmac)).toHaveLength(0);
  });

  it.each([
    ["contactId", { contactId: "c_0123456789abcdef0123456789abcdef" }],
    ["BSUID", { bsuid: "US.99999999999999999999" }],
    ["phone", { phone: "+447700900123" }],
  ])("answers 404 when no contact has the %s", async (_kind, recipient) => {
    await contactWhoWrote({ bsuid: BSUID, phone: PHONE });

    const response = await send({ recipient, channelId: CHANNEL, message: text });

    expect(response.status).toBe(404);
    expect(errorOf(response).code).toBe("contact_not_found");
    expect(sendRequests(hmac)).toHaveLength(0);
  });

  it("says how to reach a new phone number when a text goes to a number nobody has", async () => {
    const response = await send({ recipient: { phone: "+447700900123" }, channelId: CHANNEL, message: text });
    expect(response.status).toBe(404);
    expect(String(errorOf(response).message)).toMatch(/template to the number.*contacts:import/);
  });

  it("creates the phone-only contact when a template starts a conversation with a new phone number", async () => {
    const app = await services();
    const first = await send({ recipient: { phone: "+44 7700 900123" }, channelId: CHANNEL, message: utilityTemplate });
    expect(first.status).toBe(202);
    expect(first.jsonBody).toMatchObject({ addressedBy: "phone", to: "+447700900123" });
    const again = await send({ recipient: { phone: "+447700900123" }, channelId: CHANNEL, message: utilityTemplate });
    expect(again.status).toBe(202);
    expect(again.jsonBody?.contactId).toBe(first.jsonBody?.contactId);
    const contacts = await app.identityStore.listContacts(SCOPE);
    expect(contacts.filter((contact) => contact.phone === "+447700900123")).toHaveLength(1);
    expect(sendRequests(hmac)).toHaveLength(2);
  });
});

describe("sendMessage function without ACS settings", () => {
  useFunctionServices();
  beforeEach(() => {
    for (const name of MESSAGING_SETTINGS) delete process.env[name];
    resetAppServices();
  });

  it("answers 503 naming the missing settings when neither ACS_CONNECTION_STRING nor ACS_ENDPOINT is set", async () => {
    const response = await send({ recipient: { bsuid: BSUID }, channelId: CHANNEL, message: text });

    expect(response.status).toBe(503);
    expect(String(errorOf(response).message)).toMatch(/ACS_ENDPOINT.*ACS_CONNECTION_STRING/);
  });
});

describe.each<[string, AuthRoute]>([
  ["a connection string (HMAC)", "hmac"],
  ["ACS_ENDPOINT and a token credential (bearer over HTTPS)", "token"],
])("sendMessage function on %s", (_name, route) => {
  const state = useInjectedServices(route);
  const body = { recipient: { bsuid: BSUID }, message: text };

  it("authenticates the send the way the settings say", async () => {
    await contactWhoWrote({ bsuid: BSUID });

    const response = await send(body);

    expect(response.status).toBe(202);
    const authorization = state.emulator.sent[0]?.headers.authorization;
    if (route === "token") {
      expect(authorization).toBe(`Bearer ${TOKEN}`);
      expect(state.credential.requestedScopes).toContainEqual(["https://communication.azure.com//.default"]);
    } else {
      expect(authorization).toMatch(/^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=/);
    }
    expect(state.emulator.sent[0]?.body.to).toEqual([BSUID]);
  });

  it("carries Repeatability-Request-ID and Repeatability-First-Sent when a send has no Idempotency-Key", async () => {
    await contactWhoWrote({ bsuid: BSUID });

    await send(body);
    await send(body);

    const [first, second] = state.emulator.sent;
    expect(first?.headers["repeatability-request-id"]).toMatch(UUID);
    expect(first?.headers["repeatability-first-sent"]).toMatch(IMF_FIXDATE);
    expect(second?.headers["repeatability-request-id"]).toMatch(UUID);
    // Without a key, two requests are two messages.
    expect(second?.headers["repeatability-request-id"]).not.toBe(first?.headers["repeatability-request-id"]);
    expect(state.emulator.sent).toHaveLength(2);
  });

  it("answers with the first response and sends once when the same Idempotency-Key is repeated", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    const headers = { "Idempotency-Key": "order-1001-shipped" };

    const first = await send(body, headers);
    const second = await send(body, headers);

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.jsonBody).toMatchObject({
      messageId: first.jsonBody?.messageId,
      to: BSUID,
      addressedBy: "bsuid",
      replayed: true,
    });
    expect(state.emulator.sent).toHaveLength(1);
    expect(sendRequests(state.emulator)).toHaveLength(1);
    expect(state.emulator.sent[0]?.headers["repeatability-request-id"]).toMatch(UUID);
    expect(state.emulator.sent[0]?.headers["repeatability-first-sent"]).toMatch(IMF_FIXDATE);
  });

  it("answers with the first response when the repeat comes after the window closed", async () => {
    await contactWhoWrote({ bsuid: BSUID }, { ageMs: 24 * HOUR - 60_000 });
    const headers = { "Idempotency-Key": "order-1001-shipped" };
    const first = await send(body, headers);
    // The contact's window closes: a new send is refused, a repeat of the accepted one still answers.
    state.services.clock = () => new Date(Date.now() + 2 * 60_000);

    const repeat = await send(body, headers);
    const fresh = await send(body, { "Idempotency-Key": "order-1002-shipped" });

    expect(first.status).toBe(202);
    expect(repeat).toMatchObject({ status: 202, jsonBody: { messageId: first.jsonBody?.messageId, replayed: true } });
    expect(fresh.status).toBe(422);
    expect(state.emulator.sent).toHaveLength(1);
  });

  it("answers with the first response when the repeat comes after BSUID sends were disabled", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    const headers = { "Idempotency-Key": "order-1001-shipped" };
    const first = await send(body, headers);
    const { config } = state.services;
    state.services.config = { ...config, messaging: { ...config.messaging, bsuidSendsEnabled: false } };

    const repeat = await send(body, headers);

    expect(first.status).toBe(202);
    expect(repeat).toMatchObject({ status: 202, jsonBody: { messageId: first.jsonBody?.messageId, to: BSUID } });
    expect(state.emulator.sent).toHaveLength(1);
  });

  it("sends once when two requests with the same Idempotency-Key race", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    const headers = { "Idempotency-Key": "race-1" };

    const [a, b] = await Promise.all([send(body, headers), send(body, headers)]);

    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.jsonBody?.messageId).toBe(a.jsonBody?.messageId);
    expect(state.emulator.sent).toHaveLength(1);
  });

  it("refuses with 422 idempotency_key_reused when a key is reused for a different message", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    const headers = { "Idempotency-Key": "order-1001-shipped" };
    await send(body, headers);

    const response = await send({ ...body, message: { kind: "text", text: "Something else" } }, headers);

    expect(response.status).toBe(422);
    expect(errorOf(response).code).toBe("idempotency_key_reused");
    expect(state.emulator.sent).toHaveLength(1);
  });

  it("retries with the same repeatability headers and sends once when the first attempt hit a 500", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    const attempts = captureRepeatability(state.services);
    const headers = { "Idempotency-Key": "order-1001-shipped" };
    state.emulator.failNext({ status: 500 });

    const failed = await send(body, headers);
    const retried = await send(body, headers);

    expect(failed.status).toBe(502);
    expect(errorOf(failed)).toMatchObject({ code: "acs_unavailable", acsStatus: 500 });
    expect(retried.status).toBe(202);
    expect(retried.jsonBody?.messageId).toBe(state.emulator.sent[0]?.messageId);
    expect(state.emulator.sent).toHaveLength(1);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]?.id).toMatch(UUID);
    expect(attempts[1]).toEqual(attempts[0]);
  });

  it("answers with ACS's first message ID and sends once when ACS accepted but storing the result failed", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    const headers = { "Idempotency-Key": "order-1001-shipped" };
    const ledger = state.services.ledger;
    state.services.ledger = {
      ...ledger,
      recordOutbound: async () => {
        state.services.ledger = ledger;
        throw new TransientError("Table Storage message upsert failed", { code: "storage_unavailable" });
      },
    };

    const failed = await send(body, headers);
    const retried = await send(body, headers);

    expect(failed.status).toBe(503);
    expect(retried.status).toBe(202);
    // ACS's answer was stored before the ledger write failed: the retry replays it (and records it in the ledger)
    // without asking ACS again.
    expect(retried.jsonBody?.replayed).toBe(true);
    expect(sendRequests(state.emulator)).toHaveLength(1);
    expect(state.emulator.sent).toHaveLength(1);
    expect(retried.jsonBody?.messageId).toBe(state.emulator.sent[0]?.messageId);
    const stored = await state.services.ledger.getMessage(parseMessageId(retried.jsonBody?.messageId));
    expect(stored?.direction).toBe("outbound");
  });

  it("answers 429 with ACS's Retry-After when ACS throttles the send", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    state.emulator.failNext({ status: 429, retryAfterSeconds: 17 });

    const response = await send(body);

    expect(response.status).toBe(429);
    expect(response.headers?.["Retry-After"]).toBe("17");
    expect(errorOf(response)).toMatchObject({ code: "acs_throttled", acsErrorCode: "TooManyRequests" });
    expect(state.emulator.sent).toHaveLength(0);
  });

  it("answers 502 with ACS's error code when ACS fails with a 503", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    state.emulator.failNext({ status: 503, code: "ServiceUnavailable" });

    const response = await send(body);

    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({
      code: "acs_unavailable",
      acsStatus: 503,
      acsErrorCode: "ServiceUnavailable",
    });
  });

  it("answers 502 with ACS's error code when ACS refuses the send with a 4xx", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    state.emulator.failNext({ status: 400, code: "InvalidRecipient", message: `Recipient ${BSUID} is not valid.` });

    const response = await send(body);

    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({ code: "acs_refused", acsStatus: 400, acsErrorCode: "InvalidRecipient" });
    // ACS's message is passed on with the recipient masked.
    expect(String(errorOf(response).message)).not.toContain(BSUID);
  });

  it("answers 422 when the template listing was down, WhatsApp refused an authentication template for the BSUID (131062) and the contact has no phone", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    state.emulator.failNext({ status: 500, operation: "templates" });

    const response = await send({ recipient: { bsuid: BSUID }, message: listedAuthTemplate });

    expect(response.status).toBe(422);
    expect(errorOf(response)).toMatchObject({ code: "authentication_template_needs_phone" });
    expect(sendRequests(state.emulator)).toHaveLength(1);
    expect(state.emulator.sent).toHaveLength(0);
  });

  it("sends an authentication template to the phone after WhatsApp refused it for the BSUID (131062) while the template listing was down, and sends it there first from then on", async () => {
    await contactWhoWrote({ bsuid: BSUID, phone: PHONE });
    state.emulator.failNext({ status: 500, operation: "templates" });

    const response = await send({ recipient: { bsuid: BSUID }, message: listedAuthTemplate });

    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ to: PHONE, addressedBy: "phone" });
    expect(sendRequests(state.emulator).map((request) => request.status)).toEqual([400, 202]);
    expect(state.emulator.sent.map((sent) => sent.body.to)).toEqual([[PHONE]]);
    const stored = await state.services.ledger.getMessage(parseMessageId(response.jsonBody?.messageId));
    expect(stored).toMatchObject({ direction: "outbound", addressedBy: "phone" });

    // The refusal taught the catalog: with the listing still down, the next send goes to the phone at once.
    state.emulator.failNext({ status: 500, operation: "templates" });
    const next = await send({ recipient: { bsuid: BSUID }, message: listedAuthTemplate });
    expect(next.status).toBe(202);
    expect(sendRequests(state.emulator).map((request) => request.status)).toEqual([400, 202, 202]);
    expect(state.emulator.sent.map((sent) => sent.body.to)).toEqual([[PHONE], [PHONE]]);
  });

  it("repeats the phone send, not a second one, when its answer was lost after WhatsApp refused the BSUID first", async () => {
    await contactWhoWrote({ bsuid: BSUID, phone: PHONE });
    state.emulator.failNext({ status: 500, operation: "templates" });
    const headers = { "Idempotency-Key": `otp-${randomUUID()}` };
    // ACS accepts the phone send, then storing its answer fails: the outcome is unknown to the caller.
    const sends = state.services.sends;
    state.services.sends = {
      ...sends,
      complete: async () => {
        state.services.sends = sends;
        throw new TransientError("Table Storage send record update failed", { code: "storage_unavailable" });
      },
    };
    const attempts = captureRepeatability(state.services);

    const failed = await send({ recipient: { bsuid: BSUID }, message: listedAuthTemplate }, headers);
    // The retry knows the template now and goes to the phone at once, with the phone send's request ID.
    const retried = await send({ recipient: { bsuid: BSUID }, message: listedAuthTemplate }, headers);

    expect(failed.status).toBe(503);
    expect(retried.status).toBe(202);
    expect(state.emulator.sent.map((sent) => sent.body.to)).toEqual([[PHONE]]);
    expect(retried.jsonBody?.messageId).toBe(state.emulator.sent[0]?.messageId);
    expect(attempts).toHaveLength(3);
    expect(attempts[1]?.id).toMatch(UUID);
    expect(attempts[1]?.id).not.toBe(attempts[0]?.id);
    expect(attempts[2]).toEqual(attempts[1]);
  });

  it("answers 502 when ACS cannot be reached", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    state.emulator.failNext({ dropConnection: true });

    const response = await send(body);

    expect(response.status).toBe(502);
    expect(errorOf(response)).toMatchObject({ code: "acs_unavailable", acsStatus: null });
  });

  it("records the accepted send in the ledger and attaches a later delivery status to it", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    const before = Date.now();

    const response = await send({ recipient: { bsuid: BSUID }, message: utilityTemplate });
    const messageId = parseMessageId(response.jsonBody?.messageId);
    const recorded = await state.services.ledger.getMessage(messageId);

    expect(recorded).toMatchObject({
      direction: "outbound",
      contactId: response.jsonBody?.contactId,
      channelId: CHANNEL,
      addressedBy: "bsuid",
      messageType: "template",
      templateName: "order_shipped",
      status: null,
    });
    expect(Date.parse(String(recorded?.at))).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(String(recorded?.at))).toBeLessThanOrEqual(Date.now());

    await deliverStatus(messageId, "Delivered", { bsuid: BSUID });

    const delivered = await state.services.ledger.getMessage(messageId);
    expect(delivered).toMatchObject({
      status: "delivered",
      contactId: response.jsonBody?.contactId,
      templateName: "order_shipped",
      addressedBy: "bsuid",
    });
    expect(delivered?.history.map((entry) => entry.status)).toEqual(["delivered"]);
  });

  it("refuses with 422 before calling ACS when an authentication template goes to a contact without a phone", async () => {
    await contactWhoWrote({ bsuid: BSUID });

    const response = await send({ recipient: { bsuid: BSUID }, message: listedAuthTemplate });

    expect(response.status).toBe(422);
    expect(errorOf(response).code).toBe("authentication_template_needs_phone");
    expect(sendRequests(state.emulator)).toHaveLength(0);
  });

  it("refuses with 422 before calling ACS when the contact's window is closed", async () => {
    await contactWhoWrote({ bsuid: BSUID }, { ageMs: 25 * HOUR });

    const response = await send(body);

    expect(response.status).toBe(422);
    expect(errorOf(response).code).toBe("outside_customer_service_window");
    expect(sendRequests(state.emulator)).toHaveLength(0);
  });
});

describe("sendMessage function: a key first refused by a rule", () => {
  let now = new Date();
  const state = useInjectedServices("hmac", { clock: () => now });
  const body = { recipient: { bsuid: BSUID }, message: text };

  it("sends with the same Idempotency-Key once the user writes in, even after ACS's 5-minute repeatability window", async () => {
    await contactWhoWrote({ bsuid: BSUID }, { ageMs: 30 * HOUR });
    const headers = { "Idempotency-Key": "welcome-back-1" };
    now = new Date(Date.now() - 10 * 60_000);
    const refused = await send(body, headers);

    await contactWhoWrote({ bsuid: BSUID });
    now = new Date();
    const accepted = await send(body, headers);

    expect(refused.status).toBe(422);
    // A refusal before ACS must not have pinned the key's Repeatability-First-Sent ten minutes back (ACS: 412).
    expect(accepted.status).toBe(202);
    expect(state.emulator.sent).toHaveLength(1);
    const firstSent = Date.parse(String(state.emulator.sent[0]?.headers["repeatability-first-sent"]));
    expect(Date.now() - firstSent).toBeLessThan(60_000);
  });
});

describe("sendMessage function: a retry long after an attempt whose outcome is unknown", () => {
  let now = new Date();
  const state = useInjectedServices("hmac", { clock: () => now });
  const body = { recipient: { bsuid: BSUID }, message: text };

  it("sends with fresh repeatability headers when the first attempt failed more than ACS's window ago", async () => {
    await contactWhoWrote({ bsuid: BSUID });
    const headers = { "Idempotency-Key": "reply-after-outage" };
    now = new Date(Date.now() - 6 * 60_000);
    state.emulator.failNext({ status: 500 });
    const failed = await send(body, headers);

    now = new Date();
    const retried = await send(body, headers);
    const repeated = await send(body, headers);

    expect(failed.status).toBe(502);
    // Reusing the first attempt's Repeatability-First-Sent (six minutes old) would get 412 from ACS, forever.
    expect(retried.status).toBe(202);
    expect(repeated).toMatchObject({
      status: 202,
      jsonBody: { messageId: retried.jsonBody?.messageId, replayed: true },
    });
    expect(state.emulator.sent).toHaveLength(1);
    const firstSent = Date.parse(String(state.emulator.sent[0]?.headers["repeatability-first-sent"]));
    expect(Date.now() - firstSent).toBeLessThan(60_000);
  });
});

describe("reply", () => {
  const services = useConnectionStringSettings();
  const keep = (...args: unknown[]) => void logs.push(args.map(String).join(" "));
  const logger = createLogger({ debug: keep, info: keep, warn: keep, error: keep });

  /** The username-user fixture, received a minute ago so the window is open. */
  function usernameUserEvent(): Record<string, unknown> {
    const event = loadFixtureEvent("received-text-bsuid-only.json");
    (event.data as Record<string, unknown>).receivedTimestamp = new Date(Date.now() - 60_000).toISOString();
    return event;
  }

  function inboundOf(event: Record<string, unknown>): InboundMessage {
    const parsed = parseAdvancedMessageEvent(event);
    if (!parsed.ok || parsed.value.kind !== "received") throw new Error("the fixture is not a received message");
    return parsed.value;
  }

  it("replies to a username-only contact with to: [BSUID] on the channel the message came in on", async () => {
    const event = usernameUserEvent();
    await ingest(event);
    const inbound = inboundOf(event);
    expect(inbound.fromPhone).toBeUndefined();

    const sent = await reply(sendDepsOf(await services(), logger), inbound, {
      kind: "text",
      text: "Thanks, we are on it",
    });

    expect(sent).toMatchObject({ to: "US.13491208655302741918", addressedBy: "bsuid", channelId: CHANNEL });
    expect(hmac.sent).toHaveLength(1);
    expect(hmac.sent[0]?.body.to).toEqual(["US.13491208655302741918"]);
    expect(hmac.sent[0]?.body.channelRegistrationId).toBe(CHANNEL);
    expect(hmac.sent[0]?.body.content).toBe("Thanks, we are on it");
  });

  it("sends nothing twice when the same inbound message is delivered and answered again", async () => {
    const event = usernameUserEvent();
    const message = { kind: "text", text: "Thanks, we are on it" } as const;
    await ingest(event);
    const first = await reply(sendDepsOf(await services(), logger), inboundOf(event), message);

    await ingest(event); // Event Grid redelivers the same event
    const again = await reply(sendDepsOf(await services(), logger), inboundOf(event), message);

    expect(again).toMatchObject({ messageId: first.messageId, replayed: true });
    expect(hmac.sent).toHaveLength(1);
  });

  it("sends a second reply to the same inbound message when its purpose differs", async () => {
    const event = usernameUserEvent();
    await ingest(event);
    const deps = sendDepsOf(await services(), logger);

    const ack = await reply(deps, inboundOf(event), { kind: "text", text: "Got it" }, { purpose: "ack" });
    const answer = await reply(deps, inboundOf(event), { kind: "text", text: "Here you go" }, { purpose: "answer" });

    expect(answer.messageId).not.toBe(ack.messageId);
    expect(hmac.sent).toHaveLength(2);
  });

  it("refuses a free-form reply when the inbound message is older than 24 hours", async () => {
    const event = loadFixtureEvent("received-text-bsuid-only.json");
    (event.data as Record<string, unknown>).receivedTimestamp = new Date(Date.now() - 25 * HOUR).toISOString();
    await ingest(event);

    await expect(
      reply(sendDepsOf(await services(), logger), inboundOf(event), { kind: "text", text: "Hello?" }),
    ).rejects.toMatchObject({ code: "outside_customer_service_window" });
    expect(hmac.sent).toHaveLength(0);
  });
});
