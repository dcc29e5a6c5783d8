import {
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type PipelineRequest,
  type PipelineResponse,
  type SendRequest,
} from "@azure/core-rest-pipeline";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { describe, expect, it, vi } from "vitest";
import {
  receivedEvent,
  statusEvent,
  STATUS_EVENT_TYPE,
  syntheticPerson,
  syntheticUuid,
} from "../../bench/syntheticEvents";
import { TransientError } from "../../lib/core/errors";
import { handleAdvancedMessageReceived } from "../../lib/useCases/events/handleAdvancedMessageReceived";
import { handleDeliveryStatusUpdated } from "../../lib/useCases/events/handleDeliveryStatusUpdated";
import { checkHealth } from "../../lib/app/checkHealth";
import { createIdentityStore } from "../../lib/adapters/tableStorage/createIdentityStore";
import { silentLogger } from "../../lib/core/logging/createLogger";
import { createSendRecordStore } from "../../lib/adapters/tableStorage/createSendRecordStore";
import { createRejectedEventStore } from "../../lib/adapters/tableStorage/createRejectedEventStore";
import { createRouteActionStore } from "../../lib/adapters/tableStorage/createRouteActionStore";
import { createRequestCounter } from "../../lib/adapters/tableStorage/createRequestCounter";
import { createTableClients, recreateMissingTablePolicy } from "../../lib/adapters/tableStorage/createTableClients";
import { parseMessageId, parseScope, type ContactId } from "../../lib/core/values/identifiers";
import { azuriteConnectionString, uniqueTablePrefix } from "../support/createTestTables";
import { useFunctionServices } from "../support/useFunctionServices";

const scope = parseScope("default");

async function tableExists(table: TableClient): Promise<boolean> {
  const service = TableServiceClient.fromConnectionString(azuriteConnectionString(), {
    allowInsecureConnection: true,
  });
  for await (const item of service.listTables()) if (item.name === table.tableName) return true;
  return false;
}

describe("tables deleted while the app runs", () => {
  const services = useFunctionServices();

  it("processes an inbound message and recreates the tables when contacts, identityKeys and messages were deleted", async () => {
    const app = await services();
    const first = syntheticPerson(1);
    await handleAdvancedMessageReceived(
      app,
      receivedEvent({ eventId: "e-1", messageId: syntheticUuid(1, 1), at: "2026-11-20T09:15:01Z", ...first }),
      silentLogger,
    );
    const { contacts, identityKeys, messages } = app.tables;
    await Promise.all([contacts.deleteTable(), identityKeys.deleteTable(), messages.deleteTable()]);
    expect(await tableExists(messages)).toBe(false);

    const messageId = syntheticUuid(1, 2);
    const outcome = await handleAdvancedMessageReceived(
      app,
      receivedEvent({ eventId: "e-2", messageId, at: "2026-11-20T09:16:01Z", ...syntheticPerson(2) }),
      silentLogger,
    );

    expect(outcome.result).toBe("processed");
    for (const table of [contacts, identityKeys, messages]) expect(await tableExists(table)).toBe(true);
    expect(await app.ledger.getMessage(parseMessageId(messageId))).toMatchObject({ direction: "inbound" });
  });

  it("applies a delivery status when the messages table was deleted", async () => {
    const app = await services();
    await app.tables.messages.deleteTable();
    const messageId = syntheticUuid(2, 1);

    const outcome = await handleDeliveryStatusUpdated(
      app,
      statusEvent({
        eventId: "s-1",
        messageId,
        status: "Delivered",
        at: "2026-11-20T09:16:12Z",
        ...syntheticPerson(3),
      }),
      silentLogger,
    );

    expect(outcome).toMatchObject({ result: "processed", status: "delivered" });
    expect(await app.ledger.getMessage(parseMessageId(messageId))).toMatchObject({ status: "delivered" });
  });

  it("records a rejected event when the rejectedEvents table was deleted, through a transaction", async () => {
    const app = await services();
    await app.tables.rejectedEvents.deleteTable();

    // The first request is the entity-group transaction, whose 404 arrives inside a 202 multipart answer.
    const outcome = await handleDeliveryStatusUpdated(
      app,
      { id: "bad-1", eventType: STATUS_EVENT_TYPE, subject: "x", data: {}, dataVersion: "1.0", eventTime: "x" },
      silentLogger,
    );

    expect(outcome.result).toBe("rejected");
    expect(await tableExists(app.tables.rejectedEvents)).toBe(true);
  });

  it("answers not found from point reads and queries when their table was deleted", async () => {
    const app = await services();
    await Promise.all([app.tables.identityKeys.deleteTable(), app.tables.messages.deleteTable()]);

    expect(await app.identityStore.getKey(scope, "bsuid", "US.71000000000009999999", { fresh: true })).toBeUndefined();
    expect(await app.ledger.getMessage(parseMessageId(syntheticUuid(3, 1)))).toBeUndefined();
    expect(await tableExists(app.tables.identityKeys)).toBe(true);
    expect(await tableExists(app.tables.messages)).toBe(true);
  });

  it("keeps the caller's pipeline policies when it adds its own", async () => {
    const counter = createRequestCounter();
    const tables = createTableClients(
      { kind: "connectionString", connectionString: azuriteConnectionString() },
      uniqueTablePrefix(),
      { additionalPolicies: [{ policy: counter.policy, position: "perRetry" }] },
    );

    // Missing table: the read, the creation and the read again are all round trips the counter sees.
    await expect(tables.sends.getEntity("p", "r")).rejects.toMatchObject({ statusCode: 404 });
    expect(counter.byMethod).toEqual({ GET: 2, POST: 1 });
  });
});

describe("stores when a missing table cannot be recreated", () => {
  // A client without the policy answers exactly what the policy hands back when creating the table fails.
  const missing = () =>
    TableClient.fromConnectionString(azuriteConnectionString(), `${uniqueTablePrefix()}Gone`, {
      allowInsecureConnection: true,
    });
  const contactId = "c_0123456789abcdef0123456789abcdef" as ContactId;
  const identity = () => createIdentityStore({ contacts: missing(), identityKeys: missing() });

  it.each<[string, () => Promise<unknown>]>([
    ["an identity key read", () => identity().getKey(scope, "bsuid", "US.71000000000009999999")],
    ["a contact read", () => identity().getContact(contactId)],
    ["an identity key delete", () => identity().deleteKey(scope, "bsuid", "US.71000000000009999999", "*")],
    ["a send record read", () => createSendRecordStore(missing()).get("key")],
    ["a rejected event read", () => createRejectedEventStore(missing()).get("p", "r")],
    ["a route action read", () => createRouteActionStore(missing()).get("m", "route", "reply")],
  ])("throws a transient error, not not-found, when %s meets a missing table", async (_, run) => {
    await expect(run()).rejects.toBeInstanceOf(TransientError);
  });

  it("reports unhealthy when the contacts table is missing, and healthy when only the probe entity is", async () => {
    expect(await checkHealth({ contacts: missing() })).toMatchObject({
      status: 503,
      body: { status: "unhealthy", storage: "table missing" },
    });
    const present = missing();
    await present.createTable();
    expect(await checkHealth({ contacts: present })).toMatchObject({ status: 200, body: { status: "healthy" } });
  });
});

describe("recreateMissingTablePolicy", () => {
  const entityUrl = "http://127.0.0.1:10002/devstoreaccount1/tSends(PartitionKey='p',RowKey='r')";

  function respond(request: PipelineRequest, status: number, code?: string, header = true): PipelineResponse {
    return {
      request,
      status,
      headers: createHttpHeaders(header && code ? { "x-ms-error-code": code } : {}),
      bodyAsText: code ? JSON.stringify({ "odata.error": { code, message: { lang: "en-US", value: "x" } } }) : "",
    };
  }

  it("returns the original 404 after one request when creating the table fails", async () => {
    const request = createPipelineRequest({ url: entityUrl });
    const missing = respond(request, 404, "TableNotFound");
    const next = vi.fn<SendRequest>(async () => missing);
    const createTable = vi.fn(async () => {
      throw new RestError("The table is being deleted.", { statusCode: 409, code: "TableBeingDeleted" });
    });

    const response = await recreateMissingTablePolicy(createTable).sendRequest(request, next);

    expect(response).toBe(missing);
    expect(next).toHaveBeenCalledTimes(1);
    expect(createTable).toHaveBeenCalledTimes(1);
  });

  it("rethrows the original error after one request when the 404 is thrown and creating fails", async () => {
    const request = createPipelineRequest({ url: entityUrl });
    const error = new RestError("missing", { statusCode: 404, response: respond(request, 404, "TableNotFound") });
    const next = vi.fn<SendRequest>(async () => Promise.reject(error));

    const sent = recreateMissingTablePolicy(async () => Promise.reject(new Error("409"))).sendRequest(request, next);

    await expect(sent).rejects.toBe(error);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it("sends the request once more when it created the table, reading the code from the body without the header", async () => {
    const request = createPipelineRequest({ url: entityUrl });
    const ok = respond(request, 200);
    const next = vi
      .fn<SendRequest>()
      .mockResolvedValueOnce(respond(request, 404, "TableNotFound", false))
      .mockResolvedValueOnce(ok);

    expect(await recreateMissingTablePolicy(async () => {}).sendRequest(request, next)).toBe(ok);
    expect(next).toHaveBeenCalledTimes(2);
  });

  it("creates the table once when concurrent requests find it missing", async () => {
    const createTable = vi.fn(() => new Promise<void>((resolve) => setTimeout(resolve, 20)));
    const policy = recreateMissingTablePolicy(createTable);
    const next = vi.fn<SendRequest>(async (request) => respond(request, 404, "TableNotFound"));

    await Promise.all([1, 2, 3].map(() => policy.sendRequest(createPipelineRequest({ url: entityUrl }), next)));

    expect(createTable).toHaveBeenCalledTimes(1);
    expect(next).toHaveBeenCalledTimes(6);
  });

  it("leaves a missing entity and the table service's own requests alone", async () => {
    const createTable = vi.fn(async () => {});
    const policy = recreateMissingTablePolicy(createTable);
    const next = vi.fn<SendRequest>(async (request) =>
      respond(request, 404, request.url.endsWith("/Tables") ? "TableNotFound" : "ResourceNotFound"),
    );

    await policy.sendRequest(createPipelineRequest({ url: entityUrl }), next);
    await policy.sendRequest(createPipelineRequest({ url: "http://127.0.0.1:10002/devstoreaccount1/Tables" }), next);

    expect(createTable).not.toHaveBeenCalled();
    expect(next).toHaveBeenCalledTimes(2);
  });
});
