import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { HttpRequest } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advancedMessageReceived } from "../../functions/advancedMessageReceived";
import { sendMessageHandler } from "../../functions/sendMessage";
import { resetAppServices } from "../../lib/app/createAppServices";
import { isTimeout } from "../../lib/adapters/timeouts/timeoutPolicies";
import { azuriteConnectionString, uniqueTablePrefix } from "../support/createTestTables";
import { createInvocationContext, loadFixtureEvent } from "../support/fixtures";

const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const ACCESS_KEY = Buffer.from("limits-test-key").toString("base64");

/** A service that accepts connections and never answers: what a hung dependency looks like from the app. */
interface SilentService {
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function startSilentService(): Promise<SilentService> {
  const sockets = new Set<Socket>();
  const service = { port: 0, connections: 0, close: async () => {} };
  const server: Server = createServer((socket) => {
    service.connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  service.port = (server.address() as AddressInfo).port;
  service.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return service;
}

const SETTINGS = [
  "TABLE_STORAGE_CONNECTION_STRING",
  "TABLE_NAME_PREFIX",
  "ACS_CONNECTION_STRING",
  "ACS_CHANNEL_IDS",
  "OUTBOUND_TRY_TIMEOUT_MS",
  "API_DEADLINE_MS",
  "EVENT_DEADLINE_MS",
  "MAX_REQUEST_BODY_BYTES",
];

function configure(settings: Record<string, string>): void {
  for (const name of SETTINGS) delete process.env[name];
  Object.assign(process.env, settings);
  resetAppServices();
}

type Response = { status: number; jsonBody?: { error?: { code?: string } } };

async function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  const request = new HttpRequest({
    method: "POST",
    url: "http://localhost:7071/api/messages",
    headers: { "content-type": "application/json", ...headers },
    body: { string: body },
  });
  return (await sendMessageHandler(request, createInvocationContext("sendMessage"))) as Response;
}

const template = JSON.stringify({
  recipient: { phone: "+14255550123" },
  message: { kind: "template", name: "order_shipped", language: "en_US" },
});

let silent: SilentService;
beforeAll(async () => {
  silent = await startSilentService();
});
afterAll(async () => {
  await silent.close();
  configure({});
});

describe("outbound calls that get no answer", () => {
  it("answers a send 504 acs_timeout when ACS accepts the connection and never answers", async () => {
    configure({
      TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(),
      TABLE_NAME_PREFIX: uniqueTablePrefix(),
      ACS_CONNECTION_STRING: `endpoint=http://127.0.0.1:${silent.port}/;accesskey=${ACCESS_KEY}`,
      ACS_CHANNEL_IDS: CHANNEL,
      OUTBOUND_TRY_TIMEOUT_MS: "200",
      API_DEADLINE_MS: "3000",
    });
    const before = silent.connections;
    const response = await post(template);
    expect(response.status).toBe(504);
    expect(response.jsonBody?.error?.code).toBe("acs_timeout");
    expect(silent.connections).toBeGreaterThan(before);
  });

  it("fails an event (so Event Grid redelivers it) when storage never answers, within the event deadline", async () => {
    configure({
      TABLE_STORAGE_CONNECTION_STRING:
        `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCESS_KEY};` +
        `TableEndpoint=http://127.0.0.1:${silent.port}/devstoreaccount1;`,
      TABLE_NAME_PREFIX: uniqueTablePrefix(),
      OUTBOUND_TRY_TIMEOUT_MS: "10000",
      EVENT_DEADLINE_MS: "500",
    });
    const event = loadFixtureEvent("received-text-bsuid-only.json");
    const error = await advancedMessageReceived(event, createInvocationContext("advancedMessageReceived")).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeDefined();
    expect(isTimeout(error)).toBe(true);
  });
});

describe("request bodies", () => {
  const settings = () => ({
    TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(),
    TABLE_NAME_PREFIX: uniqueTablePrefix(),
    ACS_CONNECTION_STRING: `endpoint=http://127.0.0.1:${silent.port}/;accesskey=${ACCESS_KEY}`,
    ACS_CHANNEL_IDS: CHANNEL,
    MAX_REQUEST_BODY_BYTES: "2048",
  });

  it.each([
    { case: "a body over MAX_REQUEST_BODY_BYTES", size: 4096, status: 413, code: "payload_too_large" },
    {
      case: "a body of exactly MAX_REQUEST_BODY_BYTES that is not JSON",
      size: 2048,
      status: 400,
      code: "invalid_json",
    },
  ])("answers $status $code for $case, and ACS is never called", async ({ size, status, code }) => {
    configure(settings());
    const before = silent.connections;
    const response = await post("x".repeat(size));
    expect(response.status).toBe(status);
    expect(response.jsonBody?.error?.code).toBe(code);
    expect(silent.connections).toBe(before);
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])(
    "answers 415 for a JSON body sent as %s (what a web page can send cross-site without asking)",
    async (contentType) => {
      configure(settings());
      const before = silent.connections;
      const response = await post(template, { "content-type": contentType });
      expect(response.status).toBe(415);
      expect(response.jsonBody?.error?.code).toBe("unsupported_media_type");
      expect(silent.connections).toBe(before);
    },
  );
});
