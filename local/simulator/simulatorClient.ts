import type {
  CreateUserInput,
  NumberChange,
  SimulatedSend,
  SimulatedUserView,
  SimulatorChannel,
} from "./createWhatsAppSimulator";
import type { CrmImportReport } from "./createSimulatorHttpHandler";
import type { SimulatedMessage } from "./messageTypes";

/** An answer of the simulator's (or the app's) HTTP API that was not a success. */
export class HttpApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly body: unknown;
  constructor(method: string, url: string, status: number, body: unknown) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof error?.code === "string" ? error.code : undefined;
    const message = typeof error?.message === "string" ? error.message : JSON.stringify(body);
    super(`${method} ${url} answered ${status}${code ? ` ${code}` : ""}: ${message}`);
    this.name = "HttpApiError";
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** The simulator's `GET /simulator` answer. */
export interface SimulatorInfo {
  channels: SimulatorChannel[];
  clock: { now: string; offsetMs: number };
  users: number;
  messageTypes: string[];
  routes: string[];
}

/** A thin client of the simulator's HTTP API on a running stack (`npm start`), for the CLI and the demo. */
export interface SimulatorClient {
  /** `http://127.0.0.1:7071` (the host, not `/simulator`). */
  readonly baseUrl: string;
  info(): Promise<SimulatorInfo>;
  listUsers(): Promise<SimulatedUserView[]>;
  getUser(id: string): Promise<SimulatedUserView>;
  createUser(input: CreateUserInput): Promise<SimulatedUserView>;
  send(
    id: string,
    message: SimulatedMessage & { channelId?: string },
    options?: { wait?: boolean },
  ): Promise<SimulatedSend>;
  changeNumber(id: string, phone?: string): Promise<NumberChange>;
  setInContactBook(id: string, inContactBook: boolean, portfolio?: string): Promise<SimulatedUserView>;
  failNextDelivery(id: string, error?: { channelCode?: string; channelMessage?: string }): Promise<SimulatedUserView>;
  clock(change?: {
    advance?: string | number;
    set?: string;
    reset?: boolean;
  }): Promise<{ now: string; offsetMs: number }>;
  events(limit?: number): Promise<Record<string, unknown>[]>;
  waitForIdle(): Promise<void>;
  importContacts(csv: string, options?: { country?: string; scope?: string }): Promise<CrmImportReport>;
}

/** A client of the simulator mounted on the host at `baseUrl` (e.g. `http://127.0.0.1:7071`). */
export function createSimulatorClient(baseUrl: string): SimulatorClient {
  const root = baseUrl.replace(/\/+$/, "");
  const user = (id: string) => `/simulator/users/${encodeURIComponent(id)}`;
  const call = <T>(method: string, path: string, body?: unknown, contentType = "application/json") =>
    requestJson<T>(method, `${root}${path}`, body, contentType);
  return {
    baseUrl: root,
    info: () => call<SimulatorInfo>("GET", "/simulator"),
    listUsers: async () => (await call<{ users: SimulatedUserView[] }>("GET", "/simulator/users")).users,
    getUser: (id) => call("GET", user(id)),
    createUser: (input) => call("POST", "/simulator/users", input),
    send: (id, message, options = {}) =>
      call("POST", `${user(id)}/messages${options.wait ? "?wait=true" : ""}`, message),
    changeNumber: (id, phone) => call("POST", `${user(id)}/change-number`, phone === undefined ? {} : { phone }),
    setInContactBook: (id, inContactBook, portfolio) =>
      call("POST", `${user(id)}/contact-book`, { inContactBook, ...(portfolio ? { portfolio } : {}) }),
    failNextDelivery: (id, error = {}) => call("POST", `${user(id)}/fail-next-delivery`, error),
    clock: (change) => (change ? call("POST", "/simulator/clock", change) : call("GET", "/simulator/clock")),
    events: async (limit = 100) =>
      (await call<{ events: Record<string, unknown>[] }>("GET", `/simulator/events?limit=${limit}`)).events,
    waitForIdle: async () => {
      await call("POST", "/simulator/wait-for-idle");
    },
    importContacts: (csv, options = {}) => {
      const query = new URLSearchParams();
      if (options.country) query.set("country", options.country);
      if (options.scope) query.set("scope", options.scope);
      const suffix = query.toString() === "" ? "" : `?${query.toString()}`;
      return call("POST", `/simulator/crm/import${suffix}`, csv, "text/csv");
    },
  };
}

/** Sends a request and returns the parsed JSON answer; throws {@link HttpApiError} for anything but 2xx. */
export async function requestJson<T>(
  method: string,
  url: string,
  body?: unknown,
  contentType = "application/json",
  headers: Record<string, string> = {},
): Promise<T> {
  const { status, json } = await requestRaw(method, url, body, contentType, headers);
  if (status < 200 || status > 299) throw new HttpApiError(method, url, status, json);
  return json as T;
}

/** Sends a request and returns the status and parsed JSON (or `undefined` for an empty body), whatever the status. */
export async function requestRaw(
  method: string,
  url: string,
  body?: unknown,
  contentType = "application/json",
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? headers : { "content-type": contentType, ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new Error(
      `Cannot reach ${new URL(url).origin}${cause ? ` (${cause})` : ""}: is the local stack running (npm start)?`,
    );
  }
  const text = await response.text();
  let json: unknown;
  if (text !== "") {
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      json = { error: { message: text } };
    }
  }
  return { status: response.status, json };
}
