import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLocalHost, type LocalHost } from "../../../local/host/createLocalHost";
import type { FunctionBinding, FunctionRegistration } from "../../../local/host/loadFunctionApp";
import { FOREIGN_REQUESTS, LOOPBACK_HOSTS, sendRawRequest } from "../../support/sendRawRequest";

/** What reached a function or the mount: must stay empty for every refused request. */
const reached: string[] = [];

function httpFunction(
  name: string,
  route: string,
  methods: string[],
  handler: (request: HttpRequest) => Promise<HttpResponseInit>,
): FunctionRegistration {
  const trigger: FunctionBinding = { type: "httpTrigger", direction: "in", authLevel: "function", methods, route };
  return {
    name,
    bindings: { httpTrigger1: trigger, $return: { type: "http", direction: "out" } },
    handler: ((request: HttpRequest, _context: InvocationContext) =>
      handler(request)) as FunctionRegistration["handler"],
    triggerType: "httpTrigger",
    trigger,
  };
}

const eventGridTrigger: FunctionBinding = { type: "eventGridTrigger", direction: "in" };

let host: LocalHost;
let port: string;

beforeAll(async () => {
  host = await createLocalHost({
    port: 0,
    registrations: [
      httpFunction("createItem", "items", ["POST"], async (request) => {
        reached.push(`createItem ${JSON.stringify(await request.json())}`);
        return { status: 201, jsonBody: { created: true } };
      }),
      httpFunction("getItem", "items/{itemId}", ["GET"], async (request) => {
        reached.push(`getItem ${request.params.itemId}`);
        return { status: 200, jsonBody: { itemId: request.params.itemId, secret: "a customer's phone" } };
      }),
      {
        name: "onEvent",
        bindings: { eventGridTrigger },
        handler: ((event: { id?: string }) =>
          void reached.push(`onEvent ${event.id}`)) as FunctionRegistration["handler"],
        triggerType: "eventGridTrigger",
        trigger: eventGridTrigger,
      },
    ],
    mounts: [
      {
        path: "/tools",
        prefix: true,
        description: "a test tool",
        bodyTypes: { "/tools/upload": ["text/csv"] },
        handle: (req, res) => {
          reached.push(`tool ${req.method} ${req.url}`);
          req.resume();
          res.writeHead(200, { "content-type": "application/json" });
          res.end("{}");
        },
      },
    ],
  });
  port = String(host.port);
});

afterAll(async () => {
  await host.close();
});

beforeEach(() => {
  reached.length = 0;
});

interface Target {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** What a loopback request gets. */
  status: number;
}

const TARGETS: readonly Target[] = [
  {
    name: "an HTTP function (POST)",
    method: "POST",
    path: "/api/items",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "x" }),
    status: 201,
  },
  {
    name: "the Event Grid webhook",
    method: "POST",
    path: "/runtime/webhooks/eventgrid?functionName=onEvent",
    headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
    body: JSON.stringify([{ id: "e-1", subject: "s", eventType: "t", dataVersion: "1", data: {} }]),
    status: 202,
  },
  {
    name: "a mount",
    method: "POST",
    path: "/tools/run",
    headers: { "content-type": "application/json" },
    body: "{}",
    status: 200,
  },
];

function send(target: Target, headers: Record<string, string>) {
  return sendRawRequest(`${host.url}${target.path}`, {
    method: target.method,
    headers: { host: `127.0.0.1:${port}`, ...target.headers, ...headers },
    ...(target.body === undefined ? {} : { body: target.body }),
  });
}

const refusals = TARGETS.flatMap((target) => FOREIGN_REQUESTS.map((refused) => ({ target, refused })));

describe("local host: only this machine's tools", () => {
  it.each(refusals.map((c) => ({ ...c, label: `${c.target.name}: ${c.refused.name}` })))(
    "answers $refused.status and runs nothing when $label",
    async ({ target, refused }) => {
      const response = await send(target, refused.headers(`127.0.0.1:${port}`));

      expect(response.status).toBe(refused.status);
      expect(JSON.parse(response.text)).toMatchObject({ error: { code: refused.code } });
      expect(reached).toEqual([]);
    },
  );

  it.each(
    TARGETS.flatMap((target) =>
      LOOPBACK_HOSTS.map((hostOf) => ({ target, hostOf, label: `${target.name}, Host ${hostOf("PORT")}` })),
    ),
  )("runs the handler when $label", async ({ target, hostOf }) => {
    const response = await send(target, { host: hostOf(port), "content-type": "application/json; charset=utf-8" });

    expect(response.status).toBe(target.status);
    expect(reached).toHaveLength(1);
  });

  it.each([
    { host: "attacker.example", status: 421 },
    { host: `127.0.0.1:${"7071"}`, status: 200 },
  ])("answers a GET for data $status when the Host is $host", async ({ host: name, status }) => {
    const response = await sendRawRequest(`${host.url}/api/items/42`, { headers: { host: name } });

    expect(response.status).toBe(status);
    expect(response.text.includes("phone")).toBe(status === 200);
    expect(reached).toEqual(status === 200 ? ["getItem 42"] : []);
  });

  it("runs the handler when a page served from this machine calls with JSON", async () => {
    const response = await send(TARGETS[0]!, { origin: "http://localhost:5173", "sec-fetch-site": "same-site" });

    expect(response.status).toBe(201);
    expect(reached).toEqual(['createItem {"name":"x"}']);
  });

  it("answers the Event Grid validation handshake when it comes from this machine", async () => {
    const response = await sendRawRequest(`${host.url}/runtime/webhooks/eventgrid?functionName=onEvent`, {
      method: "POST",
      headers: { "content-type": "application/json", "aeg-event-type": "SubscriptionValidation" },
      body: JSON.stringify([{ id: "v", data: { validationCode: "code-1" } }]),
    });

    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ validationResponse: "code-1" });
  });

  it.each([
    { type: "text/csv", path: "/tools/upload", status: 200 },
    { type: "text/csv", path: "/tools/run", status: 415 },
    { type: "text/plain", path: "/tools/upload", status: 415 },
  ])("answers $status when a $type body goes to $path, where the mount accepts CSV", async ({ type, path, status }) => {
    const response = await sendRawRequest(`${host.url}${path}`, {
      method: "POST",
      headers: { "content-type": type },
      body: "phone\n+14255551234\n",
    });

    expect(response.status).toBe(status);
    expect(reached).toHaveLength(status === 200 ? 1 : 0);
  });
});
