import type { IncomingMessage, ServerResponse } from "node:http";
import { checkLocalRequest } from "../host/guardLocalRequest";
import { readBody, writeJson } from "../host/httpBodies";
import type { CreateUserInput, WhatsAppSimulator } from "./createWhatsAppSimulator";
import { SimulatorError } from "./identities";
import { SIMULATED_MESSAGE_TYPES, parseSimulatedMessage } from "./messageTypes";
import { parseDuration } from "./simulatorClock";

/** Where the simulator's HTTP API is mounted on the local host (outside the app's `/api` routes). */
export const SIMULATOR_PATH = "/simulator";

/**
 * The one body that is not JSON: the CRM import takes the CSV file as it is, as `text/csv` (the simulator client and
 * CLI send that). `text/csv`, unlike `text/plain`, is a type no page of another site can send without a preflight.
 */
export const SIMULATOR_BODY_TYPES: Readonly<Record<string, readonly string[]>> = {
  [`${SIMULATOR_PATH}/crm/import`]: ["text/csv"],
};

/** What a CRM import through the simulator reports (the `contacts:import` command's numbers). */
export interface CrmImportReport {
  scope: string;
  created: number;
  updated: number;
  unchanged: number;
  problems: { line: number; reason: string }[];
}

/** What the HTTP API needs besides the simulator. */
export interface SimulatorHttpDeps {
  simulator: WhatsAppSimulator;
  /** Resolves when the topic has delivered everything scheduled (`?wait=true`, `POST /simulator/wait-for-idle`). */
  waitForIdle?: () => Promise<void>;
  /** Loads a CRM export into the app's identity map, as `npm run contacts:import` does. */
  importContacts?: (csv: string, options: { country?: string; scope?: string }) => Promise<CrmImportReport>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The simulator's HTTP API (JSON), mounted at {@link SIMULATOR_PATH}:
 *
 * | route                                            | does                                                      |
 * | ------------------------------------------------ | --------------------------------------------------------- |
 * | `GET /simulator`                                 | channels, clock, message types, routes                    |
 * | `GET /simulator/users`, `POST /simulator/users`   | list; create `{ country, phone, username, inContactBook }` |
 * | `GET /simulator/users/{id}`                      | one user, with what each business number sees             |
 * | `POST /simulator/users/{id}/messages`            | the user sends `{ type, text, ..., channelId }`          |
 * | `POST /simulator/users/{id}/change-number`       | `{ phone? }`: new number, new BSUIDs                      |
 * | `POST /simulator/users/{id}/contact-book`        | `{ inContactBook, portfolio? }`                           |
 * | `POST /simulator/users/{id}/fail-next-delivery`  | `{ channelCode?, channelMessage? }`                       |
 * | `GET /simulator/clock`, `POST /simulator/clock`   | `{ advance: "31d" }`, `{ set: iso }`, `{ reset: true }`   |
 * | `GET /simulator/events?limit=`                   | the events published, newest last                         |
 * | `POST /simulator/wait-for-idle`                  | returns once the topic has delivered everything           |
 * | `POST /simulator/crm/import?country=&scope=`     | a CRM CSV (body) into the identity map                    |
 *
 * `?wait=true` on the write routes answers only once the topic is idle, so the app has processed the events.
 * Bodies are JSON except the CRM import's CSV ({@link SIMULATOR_BODY_TYPES}); a foreign `Host`, a cross-site page or
 * another body type is refused (421, 403, 415) before any route runs.
 */
export function createSimulatorHttpHandler(deps: SimulatorHttpDeps) {
  const { simulator } = deps;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const method = (req.method ?? "GET").toUpperCase();
      const path = url.pathname.replace(/\/{2,}/g, "/").replace(/\/$/, "");
      // The host checks this too; checked here as well so the handler served on a server of its own is guarded.
      const bodyTypes = SIMULATOR_BODY_TYPES[path.toLowerCase()] ?? [];
      const refusal = checkLocalRequest(req, { bodyTypes });
      if (refusal !== undefined) {
        writeJson(res, refusal.status, { error: { code: refusal.code, message: refusal.message } });
        return;
      }
      const relative = path.slice(SIMULATOR_PATH.length).replace(/^\//, "");
      const segments = relative === "" ? [] : relative.split("/").map(decodeURIComponent);
      const wait = async () => {
        if (/^(1|true|yes)$/i.test(url.searchParams.get("wait") ?? "") && deps.waitForIdle) await deps.waitForIdle();
      };
      const result = await route(method, segments, url, req, wait);
      writeJson(res, result.status, result.body);
    } catch (error) {
      if (error instanceof SimulatorError) {
        writeJson(res, error.status, { error: { code: error.code, message: error.message } });
      } else {
        writeJson(res, 500, { error: { code: "internal_error", message: (error as Error).message } });
      }
    }
  };

  async function route(
    method: string,
    segments: string[],
    url: URL,
    req: IncomingMessage,
    wait: () => Promise<void>,
  ): Promise<{ status: number; body: unknown }> {
    const [first, id, action, ...rest] = segments;
    const allow = (...methods: string[]) => {
      if (!methods.includes(method)) {
        throw new SimulatorError(405, "method_not_allowed", `Use ${methods.join(" or ")} here`);
      }
    };
    if (first === undefined) {
      allow("GET");
      return { status: 200, body: describe() };
    }
    if (first === "users" && id === undefined) {
      allow("GET", "POST");
      if (method === "GET") return { status: 200, body: { users: simulator.listUsers() } };
      const user = simulator.createUser(parseCreateUser(await readJson(req)));
      return { status: 201, body: user };
    }
    if (first === "users" && id !== undefined && rest.length === 0) {
      if (action === undefined) {
        allow("GET");
        return { status: 200, body: simulator.getUser(id) };
      }
      allow("POST");
      const body = await readJson(req);
      switch (action) {
        case "messages": {
          const input = asObject(body);
          const channelId = optionalString(input.channelId, "channelId");
          const sent = simulator.send(id, parseSimulatedMessage(input), channelId ? { channelId } : {});
          await wait();
          return { status: 202, body: sent };
        }
        case "change-number": {
          const phone = optionalString(asObject(body ?? {}).phone, "phone");
          const change = simulator.changeNumber(id, phone);
          return { status: 200, body: change };
        }
        case "contact-book": {
          const input = asObject(body);
          if (typeof input.inContactBook !== "boolean") {
            throw new SimulatorError(400, "invalid_request", "inContactBook must be true or false");
          }
          const portfolio = optionalString(input.portfolio, "portfolio");
          return { status: 200, body: simulator.setInContactBook(id, input.inContactBook, portfolio) };
        }
        case "fail-next-delivery": {
          const input = asObject(body ?? {});
          const channelCode = optionalString(input.channelCode, "channelCode");
          const channelMessage = optionalString(input.channelMessage, "channelMessage");
          simulator.failNextDeliveryTo(
            id,
            channelCode || channelMessage
              ? { channelCode: channelCode ?? "131026", channelMessage: channelMessage ?? "Message Undeliverable." }
              : undefined,
          );
          return { status: 200, body: simulator.getUser(id) };
        }
        default:
          break;
      }
    }
    if (first === "clock" && id === undefined) {
      allow("GET", "POST");
      if (method === "POST") applyClock(asObject(await readJson(req)));
      return { status: 200, body: clockJson() };
    }
    if (first === "events" && id === undefined) {
      allow("GET");
      const limit = Number(url.searchParams.get("limit") ?? "100");
      const count = Number.isInteger(limit) && limit > 0 ? limit : 100;
      return { status: 200, body: { events: simulator.events.slice(-count) } };
    }
    if (first === "wait-for-idle" && id === undefined) {
      allow("POST");
      if (deps.waitForIdle) await deps.waitForIdle();
      return { status: 200, body: { idle: true } };
    }
    if (first === "crm" && id === "import" && action === undefined) {
      allow("POST");
      if (!deps.importContacts) {
        throw new SimulatorError(501, "not_available", "CRM import needs the simulator attached to a local stack");
      }
      const csv = (await readText(req)).trim();
      if (csv === "") throw new SimulatorError(400, "invalid_request", "The body must be the CSV file's text");
      const country = url.searchParams.get("country") ?? undefined;
      const scope = url.searchParams.get("scope") ?? undefined;
      const report = await deps.importContacts(csv, {
        ...(country ? { country } : {}),
        ...(scope ? { scope } : {}),
      });
      return { status: 200, body: report };
    }
    throw new SimulatorError(404, "not_found", `No simulator route ${method} /${["simulator", ...segments].join("/")}`);
  }

  function describe() {
    return {
      channels: simulator.channels,
      clock: clockJson(),
      users: simulator.listUsers().length,
      messageTypes: SIMULATED_MESSAGE_TYPES,
      routes: [
        "GET /simulator/users",
        "POST /simulator/users",
        "GET /simulator/users/{id}",
        "POST /simulator/users/{id}/messages",
        "POST /simulator/users/{id}/change-number",
        "POST /simulator/users/{id}/contact-book",
        "POST /simulator/users/{id}/fail-next-delivery",
        "GET|POST /simulator/clock",
        "GET /simulator/events",
        "POST /simulator/wait-for-idle",
        "POST /simulator/crm/import",
      ],
    };
  }

  function clockJson() {
    return { now: simulator.clock.now().toISOString(), offsetMs: simulator.clock.offsetMs };
  }

  function applyClock(input: Record<string, unknown>): void {
    if (input.reset === true) {
      simulator.clock.reset();
      return;
    }
    if (input.set !== undefined) {
      const at = typeof input.set === "string" ? new Date(input.set) : new Date(Number.NaN);
      if (Number.isNaN(at.getTime())) throw new SimulatorError(400, "invalid_request", "set must be an ISO 8601 time");
      simulator.clock.set(at);
      return;
    }
    const advance =
      typeof input.advance === "number"
        ? input.advance
        : typeof input.advance === "string"
          ? parseDuration(input.advance)
          : undefined;
    if (advance === undefined || !Number.isFinite(advance)) {
      throw new SimulatorError(
        400,
        "invalid_request",
        'Give { "advance": "31d" } (d, h, m, s or milliseconds), { "set": "<ISO time>" } or { "reset": true }',
      );
    }
    simulator.clock.advance(advance);
  }
}

function parseCreateUser(body: unknown): CreateUserInput {
  const input = asObject(body ?? {});
  const result: CreateUserInput = {};
  const country = optionalString(input.country, "country");
  const phone = optionalString(input.phone, "phone");
  const name = optionalString(input.name, "name");
  if (country !== undefined) result.country = country;
  if (phone !== undefined) result.phone = phone;
  if (name !== undefined) result.name = name;
  if (input.username !== undefined && input.username !== null) {
    if (typeof input.username !== "string" && typeof input.username !== "boolean") {
      throw new SimulatorError(400, "invalid_request", "username must be a string or a boolean");
    }
    result.username = input.username;
  }
  if (input.inContactBook !== undefined && input.inContactBook !== null) {
    const book = input.inContactBook;
    if (typeof book !== "boolean" && !(Array.isArray(book) && book.every((p) => typeof p === "string"))) {
      throw new SimulatorError(400, "invalid_request", "inContactBook must be a boolean or a list of portfolios");
    }
    result.inContactBook = book as boolean | string[];
  }
  if (input.readsMessages !== undefined) {
    if (typeof input.readsMessages !== "boolean") {
      throw new SimulatorError(400, "invalid_request", "readsMessages must be true or false");
    }
    result.readsMessages = input.readsMessages;
  }
  return result;
}

async function readText(req: IncomingMessage): Promise<string> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === undefined) throw new SimulatorError(413, "too_large", "The body is over 1 MB");
  return body.toString("utf8");
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readText(req);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SimulatorError(400, "invalid_json", "The body must be valid JSON");
  }
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SimulatorError(400, "invalid_request", "The body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new SimulatorError(400, "invalid_request", `${field} must be a string`);
  return value;
}
