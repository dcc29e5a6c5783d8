// Over 400 lines on purpose: one HTTP server imitating ACS Messages (sends, templates,
// media, repeatability), whose handlers share the server's state; the send bodies' rules are in validateNotification.ts.
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createRepeatabilityStore, type StoredResponse } from "./createRepeatabilityStore";
import { refuseTemplateSend, toListedTemplate, type EmulatorTemplate } from "./emulatorTemplates";
import {
  EMULATED_API_VERSIONS,
  READ_RECEIPT_API_VERSIONS,
  validateNotification,
  validateReadReceipt,
  type EmulatorError,
} from "./validateNotification";
import { verifyAcsHmac } from "./verifyAcsHmac";
import { checkLocalRequest } from "../host/guardLocalRequest";
import { readBody, writeJson } from "../host/httpBodies";

export type { EmulatorTemplate } from "./emulatorTemplates";

/** An injected failure for the next matching request. */
export type EmulatorFault =
  | {
      status: number;
      /** Sent as `Retry-After` (seconds). */
      retryAfterSeconds?: number;
      code?: string;
      message?: string;
      /** Which operation it hits; `send` when omitted. */
      operation?: EmulatorOperation;
    }
  | { dropConnection: true; operation?: EmulatorOperation };

/** The operations the emulator serves. */
export type EmulatorOperation = "send" | "readReceipt" | "media" | "templates";

/** A read receipt the emulator accepted (`POST /messages/readreceipts:send`, 202). */
export interface SentReadReceipt {
  channelId: string;
  /** The message marked as read. */
  messageId: string;
  typingIndicator: boolean;
  receivedAt: Date;
}

/** A send the emulator accepted (202). */
export interface SentMessage {
  messageId: string;
  channelId: string;
  /** The recipient exactly as sent. */
  to: string;
  kind: string;
  apiVersion: string;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  repeatabilityRequestId: string | undefined;
  receivedAt: Date;
}

/** One request the emulator answered (for tests counting retries). */
export interface EmulatorRequestRecord {
  method: string;
  path: string;
  status: number;
}

/** Settings of {@link createAcsMessagesEmulator}. */
export interface AcsMessagesEmulatorOptions {
  /** Registered channel registration IDs (GUIDs). */
  channels: string[];
  /** The base64 access key requests are signed with; a random one when omitted. */
  accessKey?: string;
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP. Bearer tokens are accepted only then. */
  https?: { key: string | Buffer; cert: string | Buffer };
  /** The bearer token to accept (HTTPS only), or a function deciding. */
  bearerToken?: string | ((token: string) => boolean);
  templates?: EmulatorTemplate[];
  /** Port to listen on (127.0.0.1); a free one when omitted. */
  port?: number;
  /** How long repeatable requests are tracked; ACS's documented 5 minutes when omitted. */
  repeatabilityWindowMs?: number;
  /** How far `x-ms-date` may be from now; 15 minutes when omitted. */
  maxClockSkewMs?: number;
  /** Called for every accepted send (e.g. to emit delivery-status events). Errors are reported, not thrown. */
  onSent?: (message: SentMessage) => void | Promise<void>;
}

/** A running emulator. */
export interface AcsMessagesEmulator {
  /** `http(s)://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  /** `endpoint=<url>/;accesskey=<key>`, the form ACS gives in the portal. */
  readonly connectionString: string;
  readonly accessKey: string;
  /** Accepted sends, oldest first. Repeats answered from the repeatability store are not added again. */
  readonly sent: readonly SentMessage[];
  /** Accepted read receipts, oldest first. */
  readonly readReceipts: readonly SentReadReceipt[];
  /** Every request answered, oldest first. */
  readonly requests: readonly EmulatorRequestRecord[];
  /** Makes `GET /messages/streams/{id}` serve `content`. */
  addMedia(id: string, content: Uint8Array, contentType: string): void;
  addTemplate(template: EmulatorTemplate): void;
  /** Registers one more channel (registration ID), e.g. once the settings naming it are read. */
  addChannel(channelId: string): void;
  /** Queues a fault; each applies to one request of its operation, in order. */
  failNext(fault: EmulatorFault): void;
  /** Adds a listener for accepted sends; returns a function removing it. */
  onSent(listener: (message: SentMessage) => void | Promise<void>): () => void;
  /** Forgets sends, read receipts, requests, faults and repeatability state (not media, templates or listeners). */
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Starts a local stand-in for the ACS Advanced Messaging REST API (`/messages/notifications:send`,
 * `/messages/streams/{id}`, `/messages/channels/{id}/templates`) that authenticates, validates and answers the way the
 * service does, so the real `@azure-rest/communication-messages` client can be exercised without Azure.
 *
 * Error codes other than WhatsApp's (`131062`, `132001`) are the emulator's own (ACS documents few); the response
 * shapes (`{ error: { code, message, target } }` plus `x-ms-error-code`) are the service's.
 *
 * Unlike the service, it answers only this machine's tools (`guardLocalRequest`): 421 for a `Host` that is not
 * loopback, 403 for a cross-site browser request and 415 for a body that is not JSON, before authentication.
 */
export async function createAcsMessagesEmulator(options: AcsMessagesEmulatorOptions): Promise<AcsMessagesEmulator> {
  const accessKey = options.accessKey ?? randomBytes(32).toString("base64");
  const channels = new Set(options.channels.map((channel) => channel.toLowerCase()));
  const templates = [...(options.templates ?? [])];
  const media = new Map<string, { content: Buffer; contentType: string }>();
  const faults: EmulatorFault[] = [];
  const sent: SentMessage[] = [];
  const readReceipts: SentReadReceipt[] = [];
  const requests: EmulatorRequestRecord[] = [];
  const listeners = new Set<(message: SentMessage) => void | Promise<void>>();
  if (options.onSent) listeners.add(options.onSent);
  const repeatability = createRepeatabilityStore(options.repeatabilityWindowMs ?? 5 * 60 * 1000);
  const secure = options.https !== undefined;
  let baseUrl = "";

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((error: unknown) => {
      console.error("ACS emulator: unexpected failure", error);
      if (!res.headersSent) writeError(res, { status: 500, code: "InternalServerError", message: "Emulator failure." });
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? "/";
    const url = new URL(target, baseUrl);
    const method = req.method ?? "GET";
    const record = (status: number) => requests.push({ method, path: url.pathname, status });
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record(status);
      writeJson(res, status, payload, { ...echoClientRequestId(req.headers), ...headers });
    };
    const fail = (error: EmulatorError, headers: Record<string, string> = {}) => {
      record(error.status);
      writeError(res, error, { ...echoClientRequestId(req.headers), ...headers });
    };

    // Before the body is read or the signature checked. Every body the emulator takes is JSON (sends and read
    // receipts); media are only served (GET), never uploaded.
    const refusal = checkLocalRequest(req);
    if (refusal !== undefined) return fail(refusal);
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined)
      return fail({ status: 413, code: "RequestEntityTooLarge", message: "The body is too large." });
    const route = matchRoute(method, url.pathname);
    if (route === undefined)
      return fail({ status: 404, code: "NotFound", message: `No route for ${method} ${url.pathname}.` });

    const denied = authenticate(req, target, body);
    if (denied !== undefined) return fail({ status: 401, code: "Denied", message: denied });

    const apiVersion = url.searchParams.get("api-version");
    if (apiVersion === null || apiVersion === "") {
      return fail({
        status: 400,
        code: "MissingApiVersionParameter",
        message: "The api-version query parameter is required.",
      });
    }
    if (EMULATED_API_VERSIONS[apiVersion] === undefined) {
      return fail({
        status: 400,
        code: "UnsupportedApiVersion",
        message: `api-version ${apiVersion} is not supported; use one of ${Object.keys(EMULATED_API_VERSIONS).join(", ")}.`,
      });
    }

    const faultIndex = faults.findIndex((fault) => (fault.operation ?? "send") === route.operation);
    if (faultIndex >= 0) {
      const [fault] = faults.splice(faultIndex, 1);
      if (fault !== undefined && "dropConnection" in fault) {
        record(0);
        req.socket.destroy();
        return;
      }
      if (fault !== undefined) {
        return fail(
          {
            status: fault.status,
            code:
              fault.code ??
              (fault.status === 429 ? "TooManyRequests" : fault.status >= 500 ? "InternalServerError" : "BadRequest"),
            message: fault.message ?? `Injected failure ${fault.status}.`,
          },
          fault.retryAfterSeconds === undefined ? {} : { "retry-after": String(fault.retryAfterSeconds) },
        );
      }
    }

    if (route.operation === "media") {
      const item = media.get(route.id);
      if (item === undefined)
        return fail({ status: 404, code: "NotFound", message: "No media with this ID.", target: "id" });
      record(200);
      res.writeHead(200, {
        "content-type": item.contentType,
        "content-length": String(item.content.length),
        ...echoClientRequestId(req.headers),
      });
      res.end(item.content);
      return;
    }

    if (route.operation === "templates") {
      if (!channels.has(route.id.toLowerCase())) {
        return fail({
          status: 404,
          code: "ChannelNotFound",
          message: "No channel with this ID is registered.",
          target: "channelId",
        });
      }
      return answer(200, listTemplatePage(route.id, url, apiVersion));
    }

    const decision = repeatability.decide({ method, target, headers: req.headers, body });
    if (decision.action === "reject") return fail(decision.error, { "repeatability-result": "rejected" });
    if (decision.action === "replay") {
      const { status, headers, body: payload } = decision.response;
      return answer(status, payload, { ...headers, "repeatability-result": "accepted" });
    }

    if (route.operation === "readReceipt") {
      const receipt = processReadReceipt(body, apiVersion);
      const response: StoredResponse =
        "code" in receipt
          ? { status: receipt.status, headers: { "x-ms-error-code": receipt.code }, body: errorBody(receipt) }
          : { status: 202, headers: {}, body: undefined };
      if (decision.action === "process") repeatability.remember(decision, response);
      const repeatabilityHeader: Record<string, string> =
        decision.action === "process" ? { "repeatability-result": "accepted" } : {};
      return answer(response.status, response.body, { ...response.headers, ...repeatabilityHeader });
    }

    const result = processSend(
      body,
      apiVersion,
      req.headers,
      decision.action === "process" ? decision.requestId : undefined,
    );
    const response: StoredResponse =
      "error" in result
        ? {
            status: result.error.status,
            headers: { "x-ms-error-code": result.error.code },
            body: errorBody(result.error),
          }
        : { status: 202, headers: {}, body: { receipts: [{ messageId: result.sent.messageId, to: result.sent.to }] } };
    if (decision.action === "process") repeatability.remember(decision, response);
    const repeatabilityHeader: Record<string, string> =
      decision.action === "process" ? { "repeatability-result": "accepted" } : {};
    answer(response.status, response.body, { ...response.headers, ...repeatabilityHeader });
    if ("sent" in result) notify(result.sent);
  }

  function processReadReceipt(raw: Buffer, apiVersion: string): SentReadReceipt | EmulatorError {
    if (!READ_RECEIPT_API_VERSIONS.has(apiVersion)) {
      return {
        status: 404,
        code: "NotFound",
        message: `api-version ${apiVersion} has no read receipt operation; use ${[...READ_RECEIPT_API_VERSIONS].join(", ")}.`,
      };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch {
      return { status: 400, code: "InvalidRequestBody", message: "The request body is not valid JSON." };
    }
    const validation = validateReadReceipt(parsed, channels);
    if ("code" in validation) return validation;
    const receipt: SentReadReceipt = { ...validation, receivedAt: new Date() };
    readReceipts.push(receipt);
    return receipt;
  }

  function processSend(
    raw: Buffer,
    apiVersion: string,
    headers: IncomingHttpHeaders,
    repeatabilityRequestId: string | undefined,
  ): { sent: SentMessage } | { error: EmulatorError } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch {
      return { error: { status: 400, code: "InvalidRequestBody", message: "The request body is not valid JSON." } };
    }
    const validation = validateNotification(parsed, apiVersion, channels);
    if ("code" in validation) return { error: validation };
    const refusal = refuseTemplateSend(validation, templatesOf(validation.channelId));
    if (refusal !== undefined) return { error: refusal };
    const message: SentMessage = {
      messageId: randomUUID(),
      channelId: validation.channelId,
      to: validation.to,
      kind: validation.kind,
      apiVersion,
      body: validation.body,
      headers,
      repeatabilityRequestId,
      receivedAt: new Date(),
    };
    sent.push(message);
    return { sent: message };
  }

  function templatesOf(channelId: string): EmulatorTemplate[] {
    return templates.filter(
      (template) => template.channelId === undefined || template.channelId.toLowerCase() === channelId.toLowerCase(),
    );
  }

  function listTemplatePage(channelId: string, url: URL, apiVersion: string) {
    const all = templatesOf(channelId);
    // The SDK sends `maxpagesize`; the 2025 specs name the parameter `maxPageSize`.
    const requested = url.searchParams.get("maxpagesize") ?? url.searchParams.get("maxPageSize");
    const pageSize = Math.min(Math.max(Number(requested) || 100, 1), 100);
    const skip = Math.max(Number(url.searchParams.get("skipToken")) || 0, 0);
    const value = all.slice(skip, skip + pageSize).map(toListedTemplate);
    const next = skip + pageSize;
    if (next >= all.length) return { value };
    const nextLink = new URL(`${baseUrl}/messages/channels/${encodeURIComponent(channelId)}/templates`);
    nextLink.searchParams.set("api-version", apiVersion);
    nextLink.searchParams.set("maxpagesize", String(pageSize));
    nextLink.searchParams.set("skipToken", String(next));
    return { value, nextLink: nextLink.href };
  }

  /** Returns a reason to refuse, or `undefined` when the request is authenticated. */
  function authenticate(req: IncomingMessage, target: string, body: Buffer): string | undefined {
    const authorization = req.headers.authorization ?? "";
    if (/^Bearer /i.test(authorization)) {
      if (!secure || options.bearerToken === undefined)
        return "Bearer tokens are accepted only by the HTTPS emulator with a token configured.";
      const token = authorization.slice("Bearer ".length).trim();
      return tokenMatches(token, options.bearerToken) ? undefined : "The bearer token is not valid.";
    }
    const verdict = verifyAcsHmac(
      { method: req.method ?? "GET", target, headers: req.headers, body },
      accessKey,
      options.maxClockSkewMs === undefined ? {} : { maxClockSkewMs: options.maxClockSkewMs },
    );
    return verdict.ok ? undefined : `HMAC authentication failed: ${verdict.reason}.`;
  }

  function notify(message: SentMessage): void {
    for (const listener of listeners) {
      void Promise.resolve()
        .then(() => listener(message))
        .catch((error: unknown) => console.error("ACS emulator: onSent listener failed", error));
    }
  }

  const server = secure
    ? createHttpsServer({ key: options.https?.key, cert: options.https?.cert }, handler)
    : createHttpServer(handler);
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  baseUrl = `${secure ? "https" : "http"}://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    connectionString: `endpoint=${baseUrl}/;accesskey=${accessKey}`,
    accessKey,
    sent,
    readReceipts,
    requests,
    addMedia(id, content, contentType) {
      media.set(id, { content: Buffer.from(content), contentType });
    },
    addTemplate(template) {
      templates.push(template);
    },
    addChannel(channelId) {
      channels.add(channelId.toLowerCase());
    },
    failNext(fault) {
      faults.push(fault);
    },
    onSent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reset() {
      sent.length = 0;
      readReceipts.length = 0;
      requests.length = 0;
      faults.length = 0;
      repeatability.clear();
    },
    async close() {
      const closed = once(server, "close");
      server.close();
      // The SDK keeps connections alive; without this, close() waits for them to time out.
      server.closeAllConnections();
      await closed;
    },
  };
}

type Route =
  | { operation: "send" }
  | { operation: "readReceipt" }
  | { operation: "media"; id: string }
  | { operation: "templates"; id: string };

function matchRoute(method: string, path: string): Route | undefined {
  if (method === "POST" && path === "/messages/notifications:send") return { operation: "send" };
  if (method === "POST" && path === "/messages/readreceipts:send") return { operation: "readReceipt" };
  if (method !== "GET") return undefined;
  const stream = /^\/messages\/streams\/([^/]+)$/.exec(path);
  if (stream?.[1]) return { operation: "media", id: decodeURIComponent(stream[1]) };
  const list = /^\/messages\/channels\/([^/]+)\/templates$/.exec(path);
  if (list?.[1]) return { operation: "templates", id: decodeURIComponent(list[1]) };
  return undefined;
}

function tokenMatches(token: string, expected: string | ((token: string) => boolean)): boolean {
  if (typeof expected === "function") return expected(token);
  const a = Buffer.from(token);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function echoClientRequestId(headers: IncomingHttpHeaders): Record<string, string> {
  const id = headers["x-ms-client-request-id"];
  return typeof id === "string" ? { "x-ms-client-request-id": id } : {};
}

function errorBody(error: EmulatorError) {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.target === undefined ? {} : { target: error.target }),
    },
  };
}

function writeError(res: ServerResponse, error: EmulatorError, headers: Record<string, string> = {}): void {
  writeJson(res, error.status, errorBody(error), { "x-ms-error-code": error.code, ...headers });
}
