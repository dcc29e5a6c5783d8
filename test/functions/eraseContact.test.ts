import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest } from "@azure/functions";
import type { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advancedMessageReceived } from "../../functions/advancedMessageReceived";
import { deliveryStatusUpdated } from "../../functions/deliveryStatusUpdated";
import {
  eraseByIdentifierHandler,
  eraseContactHandler,
  findContactHandler,
  relinkContactHandler,
} from "../../functions/contacts";
import { getMessageHandler } from "../../functions/messages";
import { sendMessageHandler } from "../../functions/sendMessage";
import { resetAppServices, startApp } from "../../lib/app/createAppServices";
import { handleAdvancedMessageReceived } from "../../lib/useCases/events/handleAdvancedMessageReceived";
import { finishErasures } from "../../lib/useCases/erasure/eraseContact";
import { noneErased } from "../../lib/domain/erasure/ErasureLog";
import { silentLogger } from "../../lib/core/logging/createLogger";
import { createAcsMessagesEmulator, type AcsMessagesEmulator } from "../../local/acsEmulator/createAcsMessagesEmulator";
import { createInvocationContext, loadFixtureEvent } from "../support/fixtures";
import { useFunctionServices } from "../support/useFunctionServices";

const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
/** The person to erase: a phone and BSUID, then (after changing number) a new BSUID and a new phone. */
const ALICE = { phone: "+14255550101", bsuid: "US.11110000000000000001" };
const ALICE_NEW = { phone: "+14255550102", bsuid: "US.11110000000000000002" };
/** Someone else, who must be left exactly as they were. */
const BOB = { phone: "+14255550199", bsuid: "US.22220000000000000009" };

let emulator: AcsMessagesEmulator;
const routesFile = join(mkdtempSync(join(tmpdir(), "erase-routes-")), "routes.json");
writeFileSync(
  routesFile,
  JSON.stringify({
    routes: [{ name: "ack", actions: [{ type: "reply", message: { kind: "text", text: "Thanks!" } }] }],
  }),
);

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({ channels: [CHANNEL] });
  process.env.ACS_CONNECTION_STRING = emulator.connectionString;
  process.env.ACS_CHANNEL_IDS = CHANNEL;
  process.env.ROUTES_FILE = routesFile;
});
afterAll(async () => {
  await emulator.close();
  for (const name of ["ACS_CONNECTION_STRING", "ACS_CHANNEL_IDS", "ROUTES_FILE"]) delete process.env[name];
  resetAppServices();
});

const services = useFunctionServices();

type Response = { status: number; jsonBody?: Record<string, unknown> };

function receivedFrom(sender: { phone?: string; bsuid?: string }, options: { to?: string } = {}) {
  const event = loadFixtureEvent("received-text-bsuid-only.json");
  Object.assign(event.data as Record<string, unknown>, {
    from: sender.phone?.replace(/^\+/, "") ?? "",
    fromBSUID: sender.bsuid ?? "",
    to: options.to ?? CHANNEL,
    messageId: randomUUID(),
    content: "my order 123",
    receivedTimestamp: new Date(Date.now() - 60_000).toISOString(),
  });
  event.id = randomUUID();
  return event;
}

async function deliver(event: Record<string, unknown>): Promise<void> {
  await advancedMessageReceived(event, createInvocationContext("advancedMessageReceived"));
}

function request(method: string, path: string, options: { params?: Record<string, string>; body?: unknown } = {}) {
  return new HttpRequest({
    method,
    url: `http://localhost:7071${path}`,
    params: options.params ?? {},
    headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
    ...(options.body === undefined ? {} : { body: { string: JSON.stringify(options.body) } }),
  });
}

async function call(handler: (r: HttpRequest, c: never) => Promise<unknown>, req: HttpRequest): Promise<Response> {
  return (await handler(req, createInvocationContext("test") as never)) as Response;
}

async function contactIdOf(query: string): Promise<string | undefined> {
  const found = await call(findContactHandler, request("GET", `/api/contacts?${query}`));
  return found.status === 200 ? String(found.jsonBody?.contactId) : undefined;
}

/** Every row of every app table, as text, for looking for identifiers. */
async function everyStoredRow(): Promise<string[]> {
  const tables = (await services()).tables as unknown as Record<string, TableClient>;
  const rows: string[] = [];
  for (const table of Object.values(tables)) {
    for await (const entity of table.listEntities()) rows.push(JSON.stringify(entity));
  }
  return rows;
}

const digits = (phone: string) => phone.replace(/^\+/, "");
const tracesOf = (rows: string[], person: { phone: string; bsuid: string }) =>
  rows.filter((row) => row.includes(digits(person.phone)) || row.includes(person.bsuid));

/** Alice writes, gets a route reply and a sent message with its status, changes number (relink), writes again. */
async function aliceStory(): Promise<string> {
  await deliver(receivedFrom(ALICE));
  const contactId = (await contactIdOf(`bsuid=${ALICE.bsuid}`))!;
  const sent = await call(
    sendMessageHandler,
    request("POST", "/api/messages", { body: { recipient: { contactId }, message: { kind: "text", text: "Hi" } } }),
  );
  expect(sent.status).toBe(202);
  const status = loadFixtureEvent("status-delivered-to-bsuid.json");
  Object.assign(status.data as Record<string, unknown>, {
    messageId: sent.jsonBody?.messageId,
    from: CHANNEL,
    to: digits(ALICE.phone),
    toBSUID: ALICE.bsuid,
  });
  status.id = randomUUID();
  await deliveryStatusUpdated(status, createInvocationContext("deliveryStatusUpdated"));
  // A rejected event that names her (no usable channel): stored whole for people to look at.
  await deliver(receivedFrom(ALICE, { to: "not-a-channel" }));
  const relinked = await call(
    relinkContactHandler,
    request("POST", `/api/contacts/${contactId}/relink`, { params: { contactId }, body: { bsuid: ALICE_NEW.bsuid } }),
  );
  expect(relinked.status).toBe(200);
  await deliver(receivedFrom(ALICE_NEW));
  return contactId;
}

describe("erasing a person", () => {
  it("removes every stored trace of them, answers counts only, and leaves everyone else as they were", async () => {
    await deliver(receivedFrom(BOB));
    const bobId = await contactIdOf(`bsuid=${BOB.bsuid}`);
    const contactId = await aliceStory();
    const before = await everyStoredRow();
    expect(tracesOf(before, ALICE).length).toBeGreaterThan(0);
    expect(tracesOf(before, ALICE_NEW).length).toBeGreaterThan(0);

    const erased = await call(
      eraseContactHandler,
      request("DELETE", `/api/contacts/${contactId}`, { params: { contactId } }),
    );
    expect(erased.status).toBe(200);
    expect(erased.jsonBody).toMatchObject({ contactId, state: "erased" });
    const counts = erased.jsonBody?.erased as Record<string, number>;
    expect(counts.contacts).toBe(1);
    expect(counts.identityKeys).toBeGreaterThanOrEqual(4);
    expect(counts.messages).toBeGreaterThanOrEqual(4);
    expect(counts.routeActions).toBeGreaterThanOrEqual(2);
    expect(counts.sendRecords).toBeGreaterThanOrEqual(3);
    expect(counts.rejectedEvents).toBe(1);
    expect(JSON.stringify(erased.jsonBody)).not.toMatch(/US\.1111|1425555010/);

    const after = await everyStoredRow();
    expect(tracesOf(after, ALICE)).toEqual([]);
    expect(tracesOf(after, ALICE_NEW)).toEqual([]);
    // Erasure receipts, audit records and the marker left in place of the contact row keep the app's own contact ID
    // (the audit shows who read, sent to and erased the contact); none holds a phone number or BSUID, as the two
    // checks above show, and the marker holds nothing but the ID and the time.
    const isMarker = (row: string) => {
      const entity = JSON.parse(row) as Record<string, unknown>;
      const own = Object.keys(entity).filter((key) => !["partitionKey", "rowKey", "etag", "timestamp"].includes(key));
      return entity.partitionKey === contactId && own.join() === "erasedAt";
    };
    const keptOnPurpose = (row: string) =>
      row.includes('"partitionKey":"erasure"') || row.includes('"actor":') || isMarker(row);
    expect(after.filter((row) => row.includes(contactId) && !keptOnPurpose(row))).toEqual([]);
    for (const query of [
      `bsuid=${ALICE.bsuid}`,
      `bsuid=${ALICE_NEW.bsuid}`,
      `phone=${encodeURIComponent(ALICE_NEW.phone)}`,
    ]) {
      expect(await contactIdOf(query), query).toBeUndefined();
    }
    expect(await contactIdOf(`bsuid=${BOB.bsuid}`)).toBe(bobId);
    expect(tracesOf(after, BOB).length).toBe(tracesOf(before, BOB).length);
  });

  it("answers the same receipt when asked again, and a later message starts a fresh contact", async () => {
    const contactId = await aliceStory();
    const first = await call(
      eraseContactHandler,
      request("DELETE", `/api/contacts/${contactId}`, { params: { contactId } }),
    );
    const again = await call(
      eraseContactHandler,
      request("DELETE", `/api/contacts/${contactId}`, { params: { contactId } }),
    );
    expect(again.status).toBe(200);
    expect(again.jsonBody).toEqual(first.jsonBody);

    const later = receivedFrom(ALICE_NEW);
    await deliver(later);
    const fresh = await contactIdOf(`bsuid=${ALICE_NEW.bsuid}`);
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(contactId);
    const message = await call(
      getMessageHandler,
      request("GET", "/x", { params: { messageId: String((later.data as { messageId: string }).messageId) } }),
    );
    expect(message.jsonBody?.contactId).toBe(fresh);
  });

  it("erases by BSUID or phone, and clears rejected events naming an identifier nobody has", async () => {
    const contactId = await aliceStory();
    const byPhone = await call(
      eraseByIdentifierHandler,
      request("DELETE", `/api/contacts?phone=${encodeURIComponent(ALICE_NEW.phone)}`),
    );
    expect(byPhone.jsonBody).toMatchObject({ contactId, state: "erased" });

    const stranger = { phone: "+14255550177", bsuid: "US.33330000000000000003" };
    await deliver(receivedFrom(stranger, { to: "not-a-channel" }));
    expect(tracesOf(await everyStoredRow(), stranger).length).toBeGreaterThan(0);
    const byBsuid = await call(eraseByIdentifierHandler, request("DELETE", `/api/contacts?bsuid=${stranger.bsuid}`));
    expect(byBsuid.jsonBody).toMatchObject({ contactId: null, erased: { rejectedEvents: 1 } });
    expect(tracesOf(await everyStoredRow(), stranger)).toEqual([]);
  });

  it("answers 404 for a contact that never existed and 400 for a malformed ID", async () => {
    const missing = "c_0123456789abcdef0123456789abcdef";
    expect((await call(eraseContactHandler, request("DELETE", "/x", { params: { contactId: missing } }))).status).toBe(
      404,
    );
    expect((await call(eraseContactHandler, request("DELETE", "/x", { params: { contactId: "../x" } }))).status).toBe(
      400,
    );
  });
});

describe("an event for a person being erased", () => {
  it("fails while the erasure runs and, redelivered after it, starts a fresh contact without resurrecting the old one", async () => {
    await deliver(receivedFrom(ALICE));
    const contactId = (await contactIdOf(`bsuid=${ALICE.bsuid}`))!;
    const app = await services();
    const stored = await app.identityStore.getContact(contactId as never, { fresh: true });
    // The erasure's first step, as a concurrent erasure would have taken it.
    expect(await app.identityStore.markErasing(contactId as never, stored!.etag)).toBeDefined();

    const during = receivedFrom(ALICE);
    const failure = await deliver(during).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failure as { code?: string } | undefined)?.code).toBe("contact_erasing");
    const messageId = (during.data as { messageId: string }).messageId;
    expect(await app.ledger.getMessage(messageId as never)).toBeUndefined();

    const erased = await call(
      eraseContactHandler,
      request("DELETE", `/api/contacts/${contactId}`, { params: { contactId } }),
    );
    expect(erased.status).toBe(200);
    await deliver(during);
    const fresh = await contactIdOf(`bsuid=${ALICE.bsuid}`);
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(contactId);
    expect((await app.ledger.getMessage(messageId as never))?.contactId).toBe(fresh);
    // What remains of the contact row is the erasure's marker: the ID and the time, nothing of the person.
    expect(await app.identityStore.getContact(contactId as never, { fresh: true })).toMatchObject({ erased: true });
  });

  it("takes back the message an instance that knew the contact stored at the same time, and fails the event", async () => {
    // A second instance on the same tables, whose cache knows Alice: it stores her message while it resolves her.
    const app = await services();
    const warm = await startApp({ config: app.config });
    await handleAdvancedMessageReceived(warm, receivedFrom(ALICE), silentLogger);
    const contactId = (await contactIdOf(`bsuid=${ALICE.bsuid}`))!;
    const stored = await app.identityStore.getContact(contactId as never, { fresh: true });
    expect(await app.identityStore.markErasing(contactId as never, stored!.etag)).toBeDefined();

    const during = receivedFrom(ALICE);
    const failure = await handleAdvancedMessageReceived(warm, during, silentLogger).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failure as { code?: string } | undefined)?.code).toBe("contact_erasing");
    const messageId = (during.data as { messageId: string }).messageId;
    expect(await app.ledger.getMessage(messageId as never)).toBeUndefined();
  });

  it("finishes an interrupted erasure from the timer", async () => {
    await deliver(receivedFrom(ALICE));
    const contactId = (await contactIdOf(`bsuid=${ALICE.bsuid}`))!;
    const app = await services();
    const stored = await app.identityStore.getContact(contactId as never, { fresh: true });
    await app.identityStore.markErasing(contactId as never, stored!.etag);
    await app.erasure.erasures.save({
      contactId: contactId as never,
      contactIds: [contactId as never],
      state: "erasing",
      startedAt: new Date().toISOString(),
      erasedAt: null,
      counts: noneErased(),
      sweepAfter: null,
      sweeps: 0,
    });
    expect(await finishErasures(app.erasure, silentLogger)).toBe(1);
    expect((await app.erasure.erasures.get(contactId as never))?.state).toBe("erased");
    expect(tracesOf(await everyStoredRow(), ALICE)).toEqual([]);
  });
});
