import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { advancedMessageReceived } from "../../functions/advancedMessageReceived";
import { findContactHandler, getContactHandler, relinkContactHandler } from "../../functions/contacts";
import { deliveryStatusUpdated } from "../../functions/deliveryStatusUpdated";
import { healthHandler } from "../../functions/health";
import { getMessageHandler } from "../../functions/messages";
import { resolveContact } from "../../lib/useCases/identity/resolveContact";
import { silentLogger } from "../../lib/core/logging/createLogger";
import { parsePhoneNumber } from "../../lib/core/values/PhoneNumber";
import { parseScope } from "../../lib/core/values/identifiers";
import { createInvocationContext, loadFixtureEvent } from "../support/fixtures";
import { useFunctionServices } from "../support/useFunctionServices";

function get(path: string, params: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({ method: "GET", url: `http://localhost:7071${path}`, params });
}

async function call(
  handler: (request: HttpRequest, context: ReturnType<typeof createInvocationContext>) => Promise<unknown>,
  request: HttpRequest,
) {
  const response = (await handler(request, createInvocationContext("http"))) as {
    status: number;
    jsonBody?: Record<string, unknown>;
    headers?: Record<string, string>;
  };
  return response;
}

async function ingest(name: string) {
  await advancedMessageReceived(loadFixtureEvent(name), createInvocationContext("advancedMessageReceived"));
}

describe("contact HTTP functions", () => {
  const services = useFunctionServices();

  it("returns the contact by BSUID with phone as E.164 when both were captured", async () => {
    await ingest("received-text-phone-and-bsuid.json");
    const response = await call(findContactHandler, get("/api/contacts?bsuid=US.13491208655302741918"));
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({
      bsuid: "US.13491208655302741918",
      phone: "+14255551234",
      scope: "default",
      lastInboundByChannel: { "7c9e6679-7425-40de-944b-e07fc1f90ae7": "2026-11-20T09:15:01.000Z" },
    });
  });

  it.each([
    ["+14255551234", ""],
    ["14255551234", ""],
    ["+1 (425) 555-1234", ""],
    ["001-425-555-1234", ""],
    ["(425) 555-1234", "&country=US"],
  ])("finds the contact when the phone is written as %s", async (phone, extra) => {
    await ingest("received-text-phone-and-bsuid.json");
    const response = await call(findContactHandler, get(`/api/contacts?phone=${encodeURIComponent(phone)}${extra}`));
    expect(response.status).toBe(200);
    expect(response.jsonBody?.bsuid).toBe("US.13491208655302741918");
  });

  it.each([
    ["07700900471", "GB"],
    ["7700900471", "GB"],
    ["00447700900471", "GB"],
    ["00447700900471", "US"],
    ["447700900471", "GB"],
  ])("finds a contact by the national or 00-prefixed digits %s with country %s", async (phone, country) => {
    const app = await services();
    await resolveContact(
      { store: app.identityStore, logger: silentLogger },
      { scope: parseScope("default"), phone: parsePhoneNumber("+447700900471") },
    );
    const response = await call(findContactHandler, get(`/api/contacts?phone=${phone}&country=${country}`));
    expect(response.status).toBe(200);
    expect(response.jsonBody?.phone).toBe("+447700900471");
  });

  it("returns phone null for a username user whose number is hidden", async () => {
    await ingest("received-text-bsuid-only.json");
    const response = await call(findContactHandler, get("/api/contacts?bsuid=US.13491208655302741918"));
    expect(response.jsonBody?.phone).toBeNull();
    const byId = await call(getContactHandler, get("/x", { contactId: String(response.jsonBody?.contactId) }));
    expect(byId.jsonBody).toEqual(response.jsonBody);
  });

  it.each([
    ["/api/contacts?bsuid=us.13491208655302741918", "bsuid"],
    ["/api/contacts?bsuid=US.1234%27%20or%20%271%27%20eq%20%271", "bsuid"],
    ["/api/contacts?phone=not-a-phone", "phone"],
    ["/api/contacts", "bsuid"],
    ["/api/contacts?bsuid=US.1&phone=14255551234", "bsuid"],
    ["/api/contacts?bsuid=US.1&scope=bad%20scope", "scope"],
    ["/api/contacts?phone=4255551234&country=XX", "country"],
  ])("answers 400 naming the field when the query is %s", async (path, field) => {
    const response = await call(findContactHandler, get(path));
    expect(response.status).toBe(400);
    expect((response.jsonBody?.error as { field: string }).field).toBe(field);
  });

  it("answers 404 when no contact has the identifier", async () => {
    expect((await call(findContactHandler, get("/api/contacts?bsuid=US.999"))).status).toBe(404);
    const byId = await call(getContactHandler, get("/x", { contactId: "c_00000000000000000000000000000000" }));
    expect(byId.status).toBe(404);
  });

  it("answers 400 when the contact ID is malformed", async () => {
    const response = await call(getContactHandler, get("/x", { contactId: "../../etc" }));
    expect(response.status).toBe(400);
  });

  it("relinks a contact to a new BSUID over HTTP, keeps its contactId and releases the old number", async () => {
    await ingest("received-text-phone-and-bsuid.json");
    const found = await call(findContactHandler, get("/api/contacts?bsuid=US.13491208655302741918"));
    const contactId = String(found.jsonBody?.contactId);
    const response = await call(
      relinkContactHandler,
      new HttpRequest({
        method: "POST",
        url: `http://localhost:7071/api/contacts/${contactId}/relink`,
        params: { contactId },
        headers: { "content-type": "application/json" },
        body: { string: JSON.stringify({ bsuid: "US.55500011122233344455" }) },
      }),
    );
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({
      changed: true,
      previousBsuid: "US.13491208655302741918",
      contact: {
        contactId,
        bsuid: "US.55500011122233344455",
        phone: null,
        phoneConfirmed: false,
        previousPhones: ["+14255551234"],
      },
    });
    const after = await call(findContactHandler, get("/api/contacts?bsuid=US.55500011122233344455"));
    expect(after.jsonBody?.contactId).toBe(contactId);
  });

  it.each([
    ["not json", "body"],
    [JSON.stringify({}), "bsuid"],
    [JSON.stringify({ bsuid: "US 123" }), "bsuid"],
    [JSON.stringify([1]), "body"],
  ])("answers 400 when the relink body is %s", async (body, field) => {
    const contactId = "c_0123456789abcdef0123456789abcdef";
    const response = await call(
      relinkContactHandler,
      new HttpRequest({
        method: "POST",
        url: "http://localhost/x",
        params: { contactId },
        headers: { "content-type": "application/json" },
        body: { string: body },
      }),
    );
    expect(response.status).toBe(400);
    expect((response.jsonBody?.error as { field: string }).field).toBe(field);
  });

  it("answers 404 when relinking a contact that does not exist", async () => {
    const contactId = "c_0123456789abcdef0123456789abcdef";
    const response = await call(
      relinkContactHandler,
      new HttpRequest({
        method: "POST",
        url: "http://localhost/x",
        params: { contactId },
        headers: { "content-type": "application/json" },
        body: { string: JSON.stringify({ bsuid: "US.1" }) },
      }),
    );
    expect(response.status).toBe(404);
  });

  it("resolves a folded contact ID to the survivor after a merge", async () => {
    const { identityStore } = await services();
    const deps = { store: identityStore, logger: silentLogger };
    const scope = parseScope("default");
    const phoneOnly = await resolveContact(deps, { scope, phone: parsePhoneNumber("14255551234") });
    await ingest("received-text-bsuid-only.json");
    await ingest("received-reaction.json");
    const response = await call(getContactHandler, get("/x", { contactId: phoneOnly.contact.contactId }));
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ bsuid: "US.13491208655302741918", phone: "+14255551234" });
    expect(response.jsonBody?.mergedContactIds).toEqual([phoneOnly.contact.contactId]);
  });
});

describe("message and health HTTP functions", () => {
  useFunctionServices();

  it("returns an inbound message with its contact", async () => {
    await ingest("received-image.json");
    const response = await call(getMessageHandler, get("/x", { messageId: "0a1b2c3d-0000-4000-8000-000000000004" }));
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({
      direction: "inbound",
      channelId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
      messageType: "image",
      status: null,
    });
    expect(String(response.jsonBody?.contactId)).toMatch(/^c_/);
  });

  it("returns an outbound message's current status and history", async () => {
    for (const name of ["status-read.json", "status-sent-to-phone.json"]) {
      await deliveryStatusUpdated(loadFixtureEvent(name), createInvocationContext("deliveryStatusUpdated"));
    }
    const response = await call(getMessageHandler, get("/x", { messageId: "3c2d1e0f-aaaa-4bbb-8ccc-000000000777" }));
    expect(response.jsonBody).toMatchObject({ direction: "outbound", status: "read" });
    expect((response.jsonBody?.history as unknown[]).length).toBe(2);
  });

  it("answers 404 for an unknown message and 400 for a malformed ID", async () => {
    expect((await call(getMessageHandler, get("/x", { messageId: "nope" }))).status).toBe(404);
    for (const messageId of ["a#b", "a b", "m".repeat(513)]) {
      expect((await call(getMessageHandler, get("/x", { messageId }))).status, messageId).toBe(400);
    }
  });

  it("finds a message stored under a WhatsApp message ID, given as sent (with /) or as stored (with ~)", async () => {
    const event = loadFixtureEvent("received-text-phone-and-bsuid.json");
    const wamid = "wamid.HBgLMTQyNTU1NTEyMzQVAgASGBQzQTg5/0E+RkQ1QTk3MEI5NjhBQgA=";
    (event.data as Record<string, unknown>).messageId = wamid;
    await advancedMessageReceived(event, createInvocationContext("advancedMessageReceived"));
    for (const messageId of [wamid, wamid.replaceAll("/", "~")]) {
      const response = await call(getMessageHandler, get("/x", { messageId }));
      expect(response.status, messageId).toBe(200);
      expect(response.jsonBody).toMatchObject({ messageId: wamid.replaceAll("/", "~"), direction: "inbound" });
    }
  });

  it("answers 200 when storage is reachable", async () => {
    const response = await call(healthHandler, get("/api/health"));
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ status: "healthy" });
  });
});

describe("health function without storage", () => {
  useFunctionServices({
    TABLE_STORAGE_CONNECTION_STRING:
      "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
  });

  it("answers 503 when storage is unreachable", async () => {
    const response = await call(healthHandler, get("/api/health"));
    expect(response.status).toBe(503);
  });
});
