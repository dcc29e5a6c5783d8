import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PortInUseError, createLocalHost, type LocalHost } from "../../../local/host/createLocalHost";
import type { FunctionBinding, FunctionRegistration } from "../../../local/host/loadFunctionApp";
import { createMemoryLogger } from "../../../local/host/localLogger";

function eventGridFunction(name: string, handler: (event: unknown, context: InvocationContext) => unknown) {
  const trigger: FunctionBinding = { type: "eventGridTrigger", direction: "in" };
  return {
    name,
    bindings: { eventGridTrigger: trigger },
    handler: handler as FunctionRegistration["handler"],
    triggerType: "eventGridTrigger",
    trigger,
  } satisfies FunctionRegistration;
}

function httpFunction(
  name: string,
  route: string | undefined,
  methods: string[],
  handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> | HttpResponseInit,
) {
  const trigger: FunctionBinding = {
    type: "httpTrigger",
    direction: "in",
    authLevel: "function",
    methods,
    ...(route === undefined ? {} : { route }),
  };
  return {
    name,
    bindings: { httpTrigger1: trigger, $return: { type: "http", direction: "out" } },
    handler: handler as FunctionRegistration["handler"],
    triggerType: "httpTrigger",
    trigger,
  } satisfies FunctionRegistration;
}

/** What the fake functions saw. */
const seen: { events: unknown[]; contexts: InvocationContext[]; requests: HttpRequest[] } = {
  events: [],
  contexts: [],
  requests: [],
};
/** Parallelism probe: how many invocations of `onEvent` ran at once. */
let active = 0;
let maxActive = 0;
let expectedConcurrent = 1;
let release: (() => void) | undefined;
let allStarted = new Promise<void>((resolve) => (release = resolve));

const logger = createMemoryLogger();
let host: LocalHost;

beforeAll(async () => {
  host = await createLocalHost({
    port: 0,
    logger,
    registrations: [
      eventGridFunction("onEvent", async (event, context) => {
        seen.events.push(event);
        seen.contexts.push(context);
        context.info(JSON.stringify({ level: "info", message: "handled", eventId: (event as { id?: string }).id }));
        active += 1;
        maxActive = Math.max(maxActive, active);
        if (seen.events.length >= expectedConcurrent) release?.();
        // Each invocation waits until all of the request's invocations have started: only parallel calls get there.
        await Promise.race([allStarted, new Promise((resolve) => setTimeout(resolve, 2_000))]);
        active -= 1;
        if ((event as { data?: { fail?: boolean } }).data?.fail) throw new Error("handler failed on purpose");
      }),
      httpFunction("getItem", "items/{itemId}", ["GET"], (request, context) => {
        seen.requests.push(request);
        seen.contexts.push(context);
        return { status: 200, jsonBody: { itemId: request.params.itemId, q: request.query.get("q") } };
      }),
      httpFunction("itemAction", "items/{itemId}/actions/{action:alpha}", ["POST"], async (request) => {
        seen.requests.push(request);
        return {
          status: 201,
          headers: { "x-action": request.params.action ?? "" },
          jsonBody: { body: await request.json(), token: request.headers.get("x-token") },
        };
      }),
      httpFunction("listItems", "items", ["GET", "POST"], () => ({ status: 204 })),
      httpFunction("broken", "broken", ["GET"], () => {
        throw new Error("boom");
      }),
      httpFunction("plainText", undefined, ["GET"], () => ({ body: "hello" })),
    ],
  });
});

afterAll(async () => {
  await host.close();
});

beforeEach(() => {
  seen.events = [];
  seen.contexts = [];
  seen.requests = [];
  active = 0;
  maxActive = 0;
  expectedConcurrent = 1;
  allStarted = new Promise<void>((resolve) => (release = resolve));
  logger.records.length = 0;
});

function eventGridUrl(functionName: string): string {
  return `${host.url}/runtime/webhooks/eventgrid?functionName=${encodeURIComponent(functionName)}`;
}

function event(id: string, data: Record<string, unknown> = {}) {
  return {
    id,
    subject: "s",
    eventType: "t",
    eventTime: "2026-11-20T09:15:02Z",
    dataVersion: "1.0",
    data,
  };
}

function notify(functionName: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(eventGridUrl(functionName), {
    method: "POST",
    headers: { "aeg-event-type": "Notification", "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("local host: Event Grid trigger endpoint", () => {
  it("answers 400 and invokes nothing when aeg-event-type is missing", async () => {
    const response = await fetch(eventGridUrl("onEvent"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([event("e1")]),
    });
    expect(response.status).toBe(400);
    expect(seen.events).toEqual([]);
  });

  it("answers 404 when the function is unknown or is not an Event Grid trigger", async () => {
    const unknown = await notify("noSuchFunction", [event("e1")]);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("cannot find function: 'noSuchFunction'");
    expect((await notify("getItem", [event("e1")])).status).toBe(404);
    expect(seen.events).toEqual([]);
  });

  it("wraps a single event object and invokes the handler once when the body is an object", async () => {
    const response = await notify("onEvent", event("single"));
    expect(response.status).toBe(202);
    expect(seen.events).toEqual([event("single")]);
  });

  it("invokes the handler once per event, all in parallel, and answers 202 when every event succeeds", async () => {
    expectedConcurrent = 3;
    const response = await notify("onEvent", [event("a"), event("b"), event("c")]);
    expect(response.status).toBe(202);
    expect(seen.events.map((e) => (e as { id: string }).id).sort()).toEqual(["a", "b", "c"]);
    expect(maxActive).toBe(3);
    expect(new Set(seen.contexts.map((c) => c.invocationId)).size).toBe(3);
  });

  it("answers 500 when any event's invocation throws, after invoking the others too", async () => {
    expectedConcurrent = 2;
    const response = await notify("onEvent", [event("ok"), event("bad", { fail: true })]);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("handler failed on purpose");
    expect(seen.events).toHaveLength(2);
  });

  it("answers the SubscriptionValidation handshake with the code, without invoking the function", async () => {
    const response = await fetch(eventGridUrl("onEvent"), {
      method: "POST",
      headers: { "aeg-event-type": "SubscriptionValidation", "content-type": "application/json" },
      body: JSON.stringify([
        {
          id: "v1",
          eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
          subject: "",
          eventTime: "2026-11-20T09:15:02Z",
          dataVersion: "2",
          data: { validationCode: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" },
        },
      ]),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });
    expect(seen.events).toEqual([]);
  });

  it("answers the CloudEvents OPTIONS handshake with WebHook-Allowed-Origin when a known origin asks", async () => {
    const known = await fetch(eventGridUrl("onEvent"), {
      method: "OPTIONS",
      headers: { "WebHook-Request-Origin": "eventgrid.azure.net" },
    });
    expect(known.status).toBe(200);
    expect(known.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
    const other = await fetch(eventGridUrl("onEvent"), {
      method: "OPTIONS",
      headers: { "WebHook-Request-Origin": "example.com" },
    });
    expect(other.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
  });

  it("answers 202 to Unsubscribe without invoking the function", async () => {
    const response = await notify("onEvent", [event("x")], { "aeg-event-type": "Unsubscribe" });
    expect(response.status).toBe(202);
    expect(seen.events).toEqual([]);
  });

  it("gives handlers a real InvocationContext whose log lines carry function name, invocation ID and fields", async () => {
    await notify("onEvent", [event("logged")]);
    const context = seen.contexts[0];
    expect(context?.functionName).toBe("onEvent");
    expect(context?.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(logger.records).toContainEqual(
      expect.objectContaining({
        level: "info",
        message: "handled",
        eventId: "logged",
        functionName: "onEvent",
        invocationId: context?.invocationId,
      }),
    );
  });
});

describe("local host: HTTP routes", () => {
  it("routes /api/<route> to the function with route params and query, and returns its jsonBody", async () => {
    const response = await fetch(`${host.url}/api/items/it%2042?q=blue`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({ itemId: "it 42", q: "blue" });
    expect(seen.requests[0]?.method).toBe("GET");
  });

  it("matches literal segments case-insensitively when the path's casing differs", async () => {
    const response = await fetch(`${host.url}/API/Items/abc`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ itemId: "abc" });
  });

  it("passes body and headers in a real HttpRequest and returns status and headers when the route has two params", async () => {
    const response = await fetch(`${host.url}/api/items/a1/actions/archive`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-token": "t-1" },
      body: JSON.stringify({ reason: "old" }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-action")).toBe("archive");
    expect(await response.json()).toEqual({ body: { reason: "old" }, token: "t-1" });
  });

  it("answers 404 when a route constraint rejects the value", async () => {
    const response = await fetch(`${host.url}/api/items/a1/actions/arch1ve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(404);
  });

  it("answers 404, as the Functions host does, with a JSON error naming the methods when a known route is called with another method", async () => {
    const response = await fetch(`${host.url}/api/items/abc`, { method: "DELETE" });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: { code: "not_found", message: "No function serves DELETE /api/items/abc; /api/items/abc answers GET" },
    });
    expect(seen.requests).toEqual([]);
  });

  it.each([
    ["/api/nothing/here", "No function serves GET /api/nothing/here"],
    ["/elsewhere", "No function serves GET /elsewhere"],
  ])("answers 404 with a JSON error when no route matches %s", async (path, message) => {
    const response = await fetch(`${host.url}${path}`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: { code: "not_found", message } });
  });

  it("answers 500 without details when an HTTP handler throws", async () => {
    const response = await fetch(`${host.url}/api/broken`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("");
    expect(logger.records).toContainEqual(
      expect.objectContaining({ level: "error", functionName: "broken", error: "boom" }),
    );
  });

  it("uses the function name as the route and returns a text body when the function declares no route", async () => {
    const response = await fetch(`${host.url}/api/plainText`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("hello");
  });

  it("returns no body when the handler answers 204", async () => {
    const response = await fetch(`${host.url}/api/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  it("lists each HTTP function with its methods and URL", () => {
    expect(host.httpFunctions).toContainEqual({
      name: "getItem",
      methods: ["GET"],
      url: `${host.url}/api/items/{itemId}`,
    });
    expect(host.eventGridFunctions).toEqual(["onEvent"]);
  });
});

describe("local host: start-up", () => {
  it("refuses a mount when an app route would match its path", async () => {
    await expect(
      createLocalHost({
        port: 0,
        registrations: [httpFunction("events", "events", ["GET"], () => ({ status: 200 }))],
        mounts: [{ path: "/api/events", description: "The local Event Grid topic", handle: () => undefined }],
      }),
    ).rejects.toThrow(/The local Event Grid topic is served at \/api\/events, but function events/);
  });

  it("serves a mount on the host's port ahead of the app routes when no route collides", async () => {
    const mounted = await createLocalHost({
      port: 0,
      registrations: [httpFunction("getItem", "items/{itemId}", ["GET"], () => ({ status: 200 }))],
      mounts: [
        {
          path: "/api/events",
          description: "a test mount",
          handle: (_req, res) => {
            res.writeHead(299);
            res.end();
          },
        },
      ],
    });
    try {
      expect((await fetch(`${mounted.url}/api/events`, { method: "POST" })).status).toBe(299);
    } finally {
      await mounted.close();
    }
  });

  it("fails with a PortInUseError naming the port and PORT when the port is taken", async () => {
    const blocker = createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const port = (blocker.address() as AddressInfo).port;
    try {
      const attempt = createLocalHost({ port, registrations: [] });
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(new RegExp(`Port ${port} is already in use.*PORT=`));
    } finally {
      blocker.close();
    }
  });
});
