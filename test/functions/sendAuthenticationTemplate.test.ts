import { randomUUID } from "node:crypto";
import { HttpRequest } from "@azure/functions";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { advancedMessageReceived } from "../../functions/advancedMessageReceived";
import { getContactHandler, relinkContactHandler } from "../../functions/contacts";
import { sendMessageHandler } from "../../functions/sendMessage";
import { resetAppServices } from "../../lib/app/createAppServices";
import { identityKeyPartition } from "../../lib/adapters/tableStorage/createIdentityStore";
import { importContact } from "../../lib/useCases/identity/importContacts";
import { silentLogger } from "../../lib/core/logging/createLogger";
import { parsePhoneNumber } from "../../lib/core/values/PhoneNumber";
import { parseScope } from "../../lib/core/values/identifiers";
import { createAcsMessagesEmulator, type AcsMessagesEmulator } from "../../local/acsEmulator/createAcsMessagesEmulator";
import { createInvocationContext, loadFixtureEvent } from "../support/fixtures";
import { useFunctionServices } from "../support/useFunctionServices";

const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const SCOPE = parseScope("default");
const OLD_BSUID = "US.13491208655302741918";
const NEW_BSUID = "US.99887766554433221100";
const OLD_PHONE = "+14255551234";
const NEW_PHONE = "+14255550000";
/** Full identifiers that must never appear in a log line. */
const FULL_IDENTIFIERS = [OLD_BSUID, NEW_BSUID, OLD_PHONE.slice(1), NEW_PHONE.slice(1)];
const SETTINGS = ["ACS_CONNECTION_STRING", "ACS_CHANNEL_IDS", "AUTHENTICATION_TEMPLATES"];

/** A one-time code; named in AUTHENTICATION_TEMPLATES, so the rule holds whatever the listing shows. */
const otp = {
  kind: "template",
  name: "login_code",
  language: "en_US",
  values: [{ kind: "text", name: "code", text: "482913" }],
  bindings: { kind: "whatsApp", body: [{ refValue: "code" }] },
};

type Response = { status: number; jsonBody?: Record<string, unknown> };

let emulator: AcsMessagesEmulator;
const logs: string[] = [];

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({
    channels: [CHANNEL],
    templates: [
      { name: "login_code", language: "en_US", category: "AUTHENTICATION" },
      { name: "order_update", language: "en_US", category: "UTILITY" },
    ],
  });
});

afterAll(async () => {
  await emulator.close();
  for (const name of SETTINGS) delete process.env[name];
  resetAppServices();
});

const services = useFunctionServices();
beforeEach(() => {
  Object.assign(process.env, {
    ACS_CONNECTION_STRING: emulator.connectionString,
    ACS_CHANNEL_IDS: CHANNEL,
    AUTHENTICATION_TEMPLATES: "login_code",
  });
  resetAppServices();
  emulator.reset();
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

async function run(
  handler: (request: HttpRequest, context: ReturnType<typeof createInvocationContext>) => Promise<unknown>,
  request: HttpRequest,
): Promise<Response> {
  const context = createInvocationContext("http");
  const response = (await handler(request, context)) as Response;
  logs.push(...context.logged);
  return response;
}

/** A message from the user, as Event Grid delivers it: phone and/or BSUID, phone digits without `+`. */
async function userWrites(sender: { bsuid: string; phone?: string }): Promise<void> {
  const event = loadFixtureEvent("received-text-bsuid-only.json");
  const data = event.data as Record<string, unknown>;
  Object.assign(data, {
    from: sender.phone ? sender.phone.slice(1) : "",
    fromBSUID: sender.bsuid,
    messageId: randomUUID(),
    receivedTimestamp: new Date(Date.now() - 60_000).toISOString(),
  });
  event.id = randomUUID();
  event.subject = `advancedMessage/sender/${sender.bsuid}/recipient/${CHANNEL}`;
  const context = createInvocationContext("advancedMessageReceived");
  await advancedMessageReceived(event, context);
  logs.push(...context.logged);
}

function send(recipient: Record<string, string>, message: Record<string, unknown>): Promise<Response> {
  return run(
    sendMessageHandler,
    new HttpRequest({
      method: "POST",
      url: "http://localhost:7071/api/messages",
      headers: { "content-type": "application/json" },
      body: { string: JSON.stringify({ recipient, message }) },
    }),
  );
}

function sendOtp(recipient: Record<string, string>): Promise<Response> {
  return send(recipient, otp);
}

function relink(contactId: string, bsuid: string): Promise<Response> {
  return run(
    relinkContactHandler,
    new HttpRequest({
      method: "POST",
      url: `http://localhost:7071/api/contacts/${contactId}/relink`,
      params: { contactId },
      headers: { "content-type": "application/json" },
      body: { string: JSON.stringify({ bsuid }) },
    }),
  );
}

async function contactJson(contactId: string): Promise<Record<string, unknown> | undefined> {
  const url = `http://localhost:7071/api/contacts/${contactId}`;
  return (await run(getContactHandler, new HttpRequest({ method: "GET", url, params: { contactId } }))).jsonBody;
}

async function contactIdOf(bsuid: string): Promise<string> {
  const key = await (await services()).identityStore.getKey(SCOPE, "bsuid", bsuid, { fresh: true });
  return String(key?.contactId);
}

function sendRequests() {
  return emulator.requests.filter((request) => request.path === "/messages/notifications:send");
}

describe("authentication templates go only to a confirmed phone", () => {
  it("refuses a code for a username user who changed number and was relinked, then sends it to the new number once they write with it", async () => {
    // Alice has a username; the Contact Book shows her number, so her message carries phone and BSUID.
    await userWrites({ bsuid: OLD_BSUID, phone: OLD_PHONE });
    const alice = await contactIdOf(OLD_BSUID);
    // She changes number: WhatsApp issues a new BSUID, and her first message from it hides the new number.
    await userWrites({ bsuid: NEW_BSUID });

    const relinked = await relink(alice, NEW_BSUID);
    expect(relinked.status).toBe(200);
    expect(relinked.jsonBody?.contact).toMatchObject({
      contactId: alice,
      bsuid: NEW_BSUID,
      phone: null,
      phoneConfirmed: false,
      previousPhones: [OLD_PHONE],
    });

    const refused = await sendOtp({ contactId: alice });
    expect(refused.status).toBe(422);
    expect(refused.jsonBody?.error).toMatchObject({ code: "authentication_template_needs_phone" });
    // The old number no longer resolves to her: a message addressed to it finds no contact.
    const byOldNumber = await send({ phone: OLD_PHONE }, { kind: "text", text: "Your order shipped" });
    expect(byOldNumber.status).toBe(404);
    expect(sendRequests()).toHaveLength(0);

    await userWrites({ bsuid: NEW_BSUID, phone: NEW_PHONE });
    expect(await contactJson(alice)).toMatchObject({
      phone: NEW_PHONE,
      phoneConfirmed: true,
      phoneConfirmedBy: "bsuid",
      previousPhones: [OLD_PHONE],
    });
    const sent = await sendOtp({ contactId: alice });
    expect(sent.status).toBe(202);
    expect(sent.jsonBody).toMatchObject({ to: NEW_PHONE, addressedBy: "phone", contactId: alice });
    expect(emulator.sent.map((send) => send.body.to)).toEqual([[NEW_PHONE]]);
  });

  it("refuses a code addressed to the number a relinked user gave up, and keeps a contact made for it unconfirmed", async () => {
    await userWrites({ bsuid: OLD_BSUID, phone: OLD_PHONE });
    const alice = await contactIdOf(OLD_BSUID);
    await userWrites({ bsuid: NEW_BSUID });
    expect((await relink(alice, NEW_BSUID)).status).toBe(200);

    // The business names the old number itself: it may be someone else's now, so no code goes to it.
    const refused = await sendOtp({ phone: OLD_PHONE });
    expect(refused.status).toBe(422);
    expect(refused.jsonBody?.error).toMatchObject({ code: "authentication_template_needs_phone" });
    expect(String((refused.jsonBody?.error as { message: string }).message)).toContain("given up");
    expect(sendRequests()).toHaveLength(0);

    // Another template may start a conversation with whoever has the number now: a new contact, phone unconfirmed.
    const started = await send({ phone: OLD_PHONE }, { kind: "template", name: "order_update", language: "en_US" });
    expect(started.status).toBe(202);
    const stranger = String(started.jsonBody?.contactId);
    expect(stranger).not.toBe(alice);
    expect(await contactJson(stranger)).toMatchObject({ phone: OLD_PHONE, bsuid: null, phoneConfirmed: false });
    expect((await sendOtp({ contactId: stranger })).status).toBe(422);
    expect(sendRequests()).toHaveLength(1);
  });

  it("sends the code to the new number at once when the new BSUID's contact, folded in by the relink, was seen with it", async () => {
    await userWrites({ bsuid: OLD_BSUID, phone: OLD_PHONE });
    const alice = await contactIdOf(OLD_BSUID);
    await userWrites({ bsuid: NEW_BSUID, phone: NEW_PHONE });

    expect((await relink(alice, NEW_BSUID)).status).toBe(200);
    const sent = await sendOtp({ bsuid: NEW_BSUID });

    expect(sent.status).toBe(202);
    expect(sent.jsonBody).toMatchObject({ to: NEW_PHONE, contactId: alice });
    expect(emulator.sent.map((send) => send.body.to)).toEqual([[NEW_PHONE]]);
  });

  it("refuses a code for a contact relinked before relinks released numbers (an older row that kept the old one)", async () => {
    const app = await services();
    const contactId = "c_0123456789abcdef0123456789abcdef";
    // The row as the previous version stored it: relinked to the new BSUID, the old number kept, no confirmation.
    await app.tables.contacts.createEntity({
      partitionKey: contactId,
      rowKey: "contact",
      scope: SCOPE,
      bsuid: NEW_BSUID,
      phone: OLD_PHONE,
      phoneSeenAt: "2026-11-01T08:00:00.000Z",
      createdAt: "2026-11-01T08:00:00.000Z",
      lastInbound: "{}",
      mergedContactIds: "[]",
      previousBsuids: JSON.stringify([OLD_BSUID]),
    });
    for (const [kind, value] of [
      ["bsuid", NEW_BSUID],
      ["bsuid", OLD_BSUID],
      ["phone", OLD_PHONE],
    ] as const) {
      await app.tables.identityKeys.createEntity({
        partitionKey: identityKeyPartition(SCOPE, kind, value),
        rowKey: "key",
        contactId,
        scope: SCOPE,
        kind,
      });
    }

    expect(await contactJson(contactId)).toMatchObject({ phone: OLD_PHONE, phoneConfirmed: false });
    const refused = await sendOtp({ contactId });
    expect(refused.status).toBe(422);
    expect(refused.jsonBody?.error).toMatchObject({ code: "authentication_template_needs_phone" });
    expect(sendRequests()).toHaveLength(0);

    await userWrites({ bsuid: NEW_BSUID, phone: NEW_PHONE });
    const sent = await sendOtp({ contactId });
    expect(sent.status).toBe(202);
    expect(sent.jsonBody).toMatchObject({ to: NEW_PHONE });
    expect(await contactJson(contactId)).toMatchObject({ previousPhones: [OLD_PHONE] });
    expect(
      await app.identityStore.getKey(SCOPE, "phone", parsePhoneNumber(OLD_PHONE), { fresh: true }),
    ).toBeUndefined();
  });

  it("sends a code to an imported number of a contact who has not written yet", async () => {
    const app = await services();
    const imported = await importContact({ store: app.identityStore, logger: silentLogger }, SCOPE, {
      line: 2,
      phone: parsePhoneNumber(OLD_PHONE),
      externalId: "CRM-1",
      name: null,
    });

    const sent = await sendOtp({ contactId: imported.contactId });

    expect(sent.status).toBe(202);
    expect(sent.jsonBody).toMatchObject({ to: OLD_PHONE, addressedBy: "phone" });
    expect(await contactJson(imported.contactId)).toMatchObject({ phoneConfirmed: true, phoneConfirmedBy: "import" });
  });
});
