// Over 400 lines on purpose: one HTTP server standing in for the Functions host (HTTP routes,
// the Event Grid webhook with its validation handshake, body limits), whose handlers share the loaded registrations.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import type { FunctionRegistration } from "./loadFunctionApp";
import { fromFunctionsLogLevel, fromInvocationLogArgs, silentLocalLogger, type LocalLogger } from "./localLogger";
import { compareRoutePrecedence, compileRouteTemplate, type RouteTemplate } from "./routeTemplate";
import { readBody, writeJson } from "./httpBodies";
import { refuseNonLocalRequest } from "./guardLocalRequest";

/** The Functions host's path for Event Grid trigger deliveries. */
export const EVENT_GRID_WEBHOOK_PATH = "/runtime/webhooks/eventgrid";

/** The origins the Event Grid extension echoes in the CloudEvents handshake; any other gets the public cloud's. */
const EVENT_GRID_ORIGINS = new Set([
  "eventgrid.azure.net",
  "eventgrid.azure.us",
  "eventgrid.azure.eaglex.ic.gov",
  "eventgrid.azure.microsoft.scloud",
  "eventgrid.azure.cn",
]);

/** A request handler mounted on the host's port at a fixed path (the local Event Grid topic's `/api/events`). */
export interface LocalHostMount {
  /** Exact path, e.g. `/api/events` (compared case-insensitively, trailing slash ignored). */
  path: string;
  /** Also serve every path below `path` (e.g. `/simulator/users/u1`); exact-path mounts are matched first. */
  prefix?: boolean;
  /** Shown in errors, e.g. "the local Event Grid topic". */
  description: string;
  /**
   * Media types besides JSON that request bodies may have, by exact path (e.g. `{ "/simulator/crm/import":
   * ["text/csv"] }`); every other body must be JSON (see `guardLocalRequest`).
   */
  bodyTypes?: Readonly<Record<string, readonly string[]>>;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

/** Settings of {@link createLocalHost}. */
export interface LocalHostOptions {
  /** What the app registered (see `loadFunctionApp`). */
  registrations: readonly FunctionRegistration[];
  /** Port on 127.0.0.1; 7071 (the Functions default) when omitted, `0` for a free one. */
  port?: number;
  /** Interface to listen on; `127.0.0.1` when omitted. */
  hostname?: string;
  /** `extensions.http.routePrefix` of host.json; `api` when omitted. */
  routePrefix?: string;
  /** Handlers served on the same port ahead of the app's routes; refused if an app route would match their path. */
  mounts?: readonly LocalHostMount[];
  /** Where invocation logs and the host's own lines go; nothing is logged when omitted. */
  logger?: LocalLogger;
  /** Largest HTTP request body accepted (the Functions host's limit is 100 MB). */
  maxRequestBodyBytes?: number;
}

/** A running local Functions host. */
export interface LocalHost {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** `METHOD url` of every HTTP function, in registration order. */
  readonly httpFunctions: readonly { name: string; methods: readonly string[]; url: string }[];
  /** Names of the Event Grid triggered functions. */
  readonly eventGridFunctions: readonly string[];
  /**
   * Mounts a handler on the running host (e.g. the WhatsApp user simulator at `/simulator`), refused like the
   * `mounts` option when an app route would match its path or the path is taken. Returns a function removing it.
   */
  addMount(mount: LocalHostMount): () => void;
  close(): Promise<void>;
}

/** Thrown when the port is taken, with a message a user can act on. */
export class PortInUseError extends Error {
  readonly port: number;
  constructor(port: number, what: string, hint: string) {
    super(`Port ${port} is already in use, so ${what} cannot start. ${hint}`);
    this.name = "PortInUseError";
    this.port = port;
  }
}

interface HttpRoute {
  registration: FunctionRegistration;
  template: RouteTemplate;
  /** Upper-case methods; empty means any. */
  methods: string[];
}

/**
 * Serves the app's functions at the Functions host's URLs with the host's semantics, without Core Tools:
 *
 * - `POST /runtime/webhooks/eventgrid?functionName=NAME` as the Event Grid extension answers it: 404 for a function
 *   that is not an Event Grid trigger; `aeg-event-type: SubscriptionValidation` answered `200 {"validationResponse"}`;
 *   `Notification` with a JSON array (a single object is wrapped) invokes the handler once per event, all in parallel,
 *   then `202` when every invocation succeeded and `500` when any threw (Event Grid then redelivers the whole batch);
 *   `Unsubscribe` → 202; anything else → 400. `OPTIONS` is the CloudEvents abuse-protection handshake
 *   (`WebHook-Request-Origin` → `WebHook-Allowed-Origin`).
 * - `/{routePrefix}/{route}` for HTTP triggers: route templates with parameters, the declared methods (a known path with
 *   another method is 404, as the host answers), no key checks (like Core Tools), a thrown handler → 500. Unlike the
 *   host, whose 404 has an empty body, a path or method no function serves answers the app's JSON error shape
 *   (`{ "error": { "code": "not_found", "message" } }`) naming what was asked for and, for a known path, its methods.
 *
 * Handlers get a real `InvocationContext` (invocation ID, function name, a log handler writing structured lines) and,
 * for HTTP, a real `HttpRequest`; the `HttpResponseInit` they return is converted as the worker converts it.
 *
 * Unlike the host, every request (mounts included) first passes `guardLocalRequest`: 421 for a `Host` that is not
 * loopback, 403 for a cross-site browser request, 415 for a body that is not JSON.
 */
export async function createLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const logger = options.logger ?? silentLocalLogger;
  const prefix = (options.routePrefix ?? "api").replace(/^\/+|\/+$/g, "");
  const maxBody = options.maxRequestBodyBytes ?? 100 * 1024 * 1024;
  const eventGrid = new Map<string, FunctionRegistration>();
  const routes: HttpRoute[] = [];
  for (const registration of options.registrations) {
    if (registration.triggerType === "eventGridTrigger") eventGrid.set(registration.name, registration);
    if (registration.triggerType === "httpTrigger") {
      routes.push({
        registration,
        template: compileRouteTemplate(registration.trigger.route ?? registration.name),
        methods: (registration.trigger.methods ?? []).map((m) => m.toUpperCase()),
      });
    }
  }
  routes.sort((a, b) => compareRoutePrecedence(a.template, b.template));

  const mounts = new Map<string, LocalHostMount>();
  const prefixMounts = new Map<string, LocalHostMount>();
  const addMount = (mount: LocalHostMount): (() => void) => {
    const path = normalisePath(mount.path);
    const relative = relativeToPrefix(path, prefix);
    // A prefix mount also clashes with a route under it (`simulator/{id}` against a `/api/simulator` mount).
    const below = relative === undefined ? undefined : relative === "" ? "" : `${relative.toLowerCase()}/`;
    const clash =
      relative === undefined
        ? undefined
        : routes.find(
            (route) =>
              route.template.match(relative) ||
              (mount.prefix === true && below !== undefined && route.template.template.toLowerCase().startsWith(below)),
          );
    if (clash) {
      throw new Error(
        `${mount.description} is served at ${mount.path}, but function ${clash.registration.name} has the route ` +
          `"${clash.template.template}" that matches it; rename the route or move the mount`,
      );
    }
    const key = path.toLowerCase();
    const table = mount.prefix === true ? prefixMounts : mounts;
    const taken = table.get(key);
    if (taken) throw new Error(`${mount.description} cannot be served at ${mount.path}: ${taken.description} is there`);
    table.set(key, mount);
    return () => {
      if (table.get(key) === mount) table.delete(key);
    };
  };
  for (const mount of options.mounts ?? []) addMount(mount);

  /** The mount serving `path`: an exact mount, else the longest prefix mount at or above it. */
  function findMount(path: string): LocalHostMount | undefined {
    const key = path.toLowerCase();
    const exact = mounts.get(key);
    if (exact) return exact;
    let found: { length: number; mount: LocalHostMount } | undefined;
    for (const [base, mount] of prefixMounts) {
      if ((key === base || key.startsWith(`${base}/`)) && base.length > (found?.length ?? -1)) {
        found = { length: base.length, mount };
      }
    }
    return found?.mount;
  }

  let baseUrl = "";
  const server = createServer((req, res) => {
    void dispatch(req, res).catch((error: unknown) => {
      logger.log("error", "local host failure", { error: describeError(error), url: req.url });
      if (!res.headersSent) writeText(res, 500, "");
      else res.destroy();
    });
  });

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", baseUrl);
    const path = normalisePath(url.pathname);
    const mount = findMount(path);
    // Before any handler: a foreign Host, a cross-site page or a non-JSON body never reaches a function or a mount.
    if (refuseNonLocalRequest(req, res, { bodyTypes: mount ? bodyTypesAt(mount, path) : [] })) return;
    if (mount) return mount.handle(req, res);
    if (path.toLowerCase() === EVENT_GRID_WEBHOOK_PATH) return serveEventGrid(req, res, url);
    if (path === "/") return writeText(res, 200, "Your Functions app is running locally (ACS Advanced Messaging).");
    if (path.toLowerCase() === "/admin/host/status") {
      return writeJson(res, 200, { state: "Running", version: "local", functions: options.registrations.length });
    }
    const relative = relativeToPrefix(path, prefix);
    if (relative !== undefined) return serveHttp(req, res, url, relative);
    return writeNotFound(res, `No function serves ${req.method ?? "GET"} ${path}`);
  }

  async function serveEventGrid(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const functionName = url.searchParams.get("functionName") ?? "";
    const registration = eventGrid.get(functionName);
    if (!registration) return writeText(res, 404, `cannot find function: '${functionName}'`);

    if (req.method === "OPTIONS") {
      const origin = headerValue(req, "webhook-request-origin");
      const allowed = origin !== undefined && EVENT_GRID_ORIGINS.has(origin) ? origin : "eventgrid.azure.net";
      res.writeHead(200, { "WebHook-Allowed-Origin": allowed, "content-length": "0" });
      res.end();
      return;
    }

    const eventType = headerValue(req, "aeg-event-type")?.toLowerCase();
    if (eventType === "subscriptionvalidation") {
      const body = await readBody(req, maxBody);
      const code = validationCodeOf(body?.toString("utf8"));
      if (code === undefined) return writeText(res, 500, "The validation event has no data.validationCode");
      logger.log("debug", "perform handshake with eventGrid", { functionName });
      return writeJson(res, 200, { validationResponse: code });
    }
    if (eventType === "unsubscribe") return writeText(res, 202, "");
    if (eventType !== "notification") return writeText(res, 400, "");

    const body = await readBody(req, maxBody);
    if (body === undefined) return writeText(res, 413, "");
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch (error) {
      return writeText(res, 500, `The request content is not JSON: ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object") {
      return writeText(res, 500, "The request content should be parseable into a JSON object or array");
    }
    const events: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
    const results = await Promise.allSettled(events.map((event) => invokeEventGrid(registration, event)));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) return writeText(res, 500, describeError(failed.reason).message);
    return writeText(res, 202, "");
  }

  async function invokeEventGrid(registration: FunctionRegistration, event: unknown): Promise<void> {
    const id = isRecord(event) && typeof event.id === "string" ? event.id : undefined;
    await invoke(registration, `EventGrid trigger fired (event ${id ?? "without id"})`, (context) =>
      registration.handler(event, context),
    );
  }

  async function serveHttp(req: IncomingMessage, res: ServerResponse, url: URL, relative: string): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    let matched: { route: HttpRoute; params: Record<string, string> } | undefined;
    for (const route of routes) {
      if (route.methods.length > 0 && !route.methods.includes(method)) continue;
      const params = route.template.match(relative);
      if (params) {
        matched = { route, params };
        break;
      }
    }
    // The host answers 404, not 405, for a known route with another method (azure-functions-host#10098).
    if (!matched) {
      const methods = routes.filter((route) => route.template.match(relative)).flatMap((route) => route.methods);
      const known = methods.length > 0 ? `; ${url.pathname} answers ${[...new Set(methods)].join(", ")}` : "";
      return writeNotFound(res, `No function serves ${method} ${url.pathname}${known}`);
    }

    const body = await readBody(req, maxBody);
    if (body === undefined) return writeText(res, 413, "");
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers: flattenHeaders(req),
      params: matched.params,
      ...(body.length > 0 && method !== "GET" && method !== "HEAD" ? { body: { bytes: body } } : {}),
    });
    const registration = matched.route.registration;
    let result: unknown;
    try {
      result = await invoke(
        registration,
        `This HTTP-triggered function was executed (${method} ${url.pathname})`,
        (c) => registration.handler(request, c),
      );
    } catch {
      return writeText(res, 500, "");
    }
    await writeFunctionResponse(res, result, method === "HEAD");
  }

  async function invoke(
    registration: FunctionRegistration,
    reason: string,
    call: (context: InvocationContext) => unknown,
  ): Promise<unknown> {
    const invocationId = randomUUID();
    const functionName = registration.name;
    const context = new InvocationContext({
      invocationId,
      functionName,
      options: { trigger: { ...registration.trigger, name: triggerBindingName(registration) } as never },
      logHandler: (level, ...args) => {
        const { message, fields } = fromInvocationLogArgs(args);
        logger.log(fromFunctionsLogLevel(level), message, { functionName, invocationId, ...fields });
      },
    });
    const started = Date.now();
    logger.log("info", `Executing 'Functions.${functionName}'`, { functionName, invocationId, reason });
    try {
      const result = await call(context);
      logger.log("info", `Executed 'Functions.${functionName}' (Succeeded)`, {
        functionName,
        invocationId,
        durationMs: Date.now() - started,
      });
      return result;
    } catch (error) {
      logger.log("error", `Executed 'Functions.${functionName}' (Failed)`, {
        functionName,
        invocationId,
        durationMs: Date.now() - started,
        error: describeError(error).message,
        stack: describeError(error).stack,
      });
      throw error;
    }
  }

  server.keepAliveTimeout = 5_000;
  const port = options.port ?? 7071;
  const hostname = options.hostname ?? "127.0.0.1";
  try {
    server.listen(port, hostname);
    await once(server, "listening");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new PortInUseError(
        port,
        "the local Functions host",
        "Is `func start` or another `npm start` running? Stop it, or choose another port: PORT=7072 npm start",
      );
    }
    throw error;
  }
  const actualPort = (server.address() as AddressInfo).port;
  baseUrl = `http://${hostname}:${actualPort}`;

  return {
    url: baseUrl,
    port: actualPort,
    server,
    httpFunctions: options.registrations
      .filter((r) => r.triggerType === "httpTrigger")
      .map((r) => ({
        name: r.name,
        methods: (r.trigger.methods ?? []).map((m) => m.toUpperCase()),
        url: `${baseUrl}/${[prefix, (r.trigger.route ?? r.name).replace(/^\/+/, "")].filter(Boolean).join("/")}`,
      })),
    eventGridFunctions: [...eventGrid.keys()],
    addMount,
    async close() {
      if (!server.listening) return;
      const closed = once(server, "close");
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The body types `mount` accepts at `path` besides JSON (paths compared as the host compares them). */
function bodyTypesAt(mount: LocalHostMount, path: string): readonly string[] {
  const key = path.toLowerCase();
  const entry = Object.entries(mount.bodyTypes ?? {}).find(([at]) => normalisePath(at).toLowerCase() === key);
  return entry?.[1] ?? [];
}

/** The trigger binding's name (the key of its entry in `bindings`). */
function triggerBindingName(registration: FunctionRegistration): string {
  const entry = Object.entries(registration.bindings).find(([, binding]) => binding === registration.trigger);
  return entry?.[0] ?? "trigger";
}

/** Writes what an HTTP handler returned, as the worker converts it (`HttpResponseInit` or `HttpResponse`). */
async function writeFunctionResponse(res: ServerResponse, result: unknown, head: boolean): Promise<void> {
  const response = isResponseLike(result) ? result : new HttpResponse((result ?? {}) as HttpResponseInit);
  const bytes = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = (response as { cookies?: unknown }).cookies;
  if (Array.isArray(cookies) && cookies.length > 0) headers["set-cookie"] = cookies.map(serialiseCookie);
  headers["content-length"] = String(bytes.length);
  res.writeHead(response.status, headers);
  res.end(head ? undefined : bytes);
}

interface ResponseLike {
  status: number;
  headers: Headers;
  arrayBuffer(): Promise<ArrayBuffer>;
}

function isResponseLike(value: unknown): value is ResponseLike {
  return (
    isRecord(value) &&
    typeof value.arrayBuffer === "function" &&
    value.headers instanceof Headers &&
    typeof value.status === "number"
  );
}

function serialiseCookie(cookie: unknown): string {
  const c = cookie as {
    name: string;
    value: string;
    domain?: string;
    path?: string;
    expires?: Date | number;
    secure?: boolean;
    httpOnly?: boolean;
    sameSite?: string;
    maxAge?: number;
  };
  const parts = [`${c.name}=${c.value}`];
  if (c.domain) parts.push(`Domain=${c.domain}`);
  if (c.path) parts.push(`Path=${c.path}`);
  if (c.expires !== undefined) parts.push(`Expires=${new Date(c.expires).toUTCString()}`);
  if (c.maxAge !== undefined) parts.push(`Max-Age=${c.maxAge}`);
  if (c.secure) parts.push("Secure");
  if (c.httpOnly) parts.push("HttpOnly");
  if (c.sameSite) parts.push(`SameSite=${c.sameSite}`);
  return parts.join("; ");
}

/** `data.validationCode` of a SubscriptionValidation event (Event Grid schema array, or a single object). */
function validationCodeOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const event = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!isRecord(event)) return undefined;
  let data = event.data;
  if (typeof data === "string") {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  const code = isRecord(data) ? data.validationCode : undefined;
  return typeof code === "string" ? code : undefined;
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function normalisePath(path: string): string {
  const collapsed = path.replace(/\/{2,}/g, "/");
  return collapsed.length > 1 ? collapsed.replace(/\/$/, "") : collapsed;
}

/** The path below the route prefix (no leading slash), or `undefined` when it is not under the prefix. */
function relativeToPrefix(path: string, prefix: string): string | undefined {
  if (prefix === "") return path.replace(/^\//, "");
  const lower = path.toLowerCase();
  const head = `/${prefix.toLowerCase()}`;
  if (lower === head) return "";
  if (!lower.startsWith(`${head}/`)) return undefined;
  return path.slice(head.length + 1);
}

function writeText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** A 404 in the app's error shape, so a client reads every error the same way. */
function writeNotFound(res: ServerResponse, message: string): void {
  writeJson(res, 404, { error: { code: "not_found", message } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeError(error: unknown): { message: string; stack: string | undefined } {
  if (error instanceof Error) return { message: error.message, stack: error.stack };
  return { message: String(error), stack: undefined };
}
