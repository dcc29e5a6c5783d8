/**
 * The routes file: which inbound messages get an automatic reply or are forwarded to downstream systems.
 *
 * Published as `schemas/routes.schema.json`; this module is the authority (the schema is for editors), and a file it
 * refuses fails start-up with every problem named, route and filter path included.
 *
 * @packageDocumentation
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { AppError, ValidationError } from "../errors";
import { ADVANCED_MESSAGE_RECEIVED } from "../events/wireTypes";
import { parseOutboundMessage, type TemplateMessage, type TextMessage } from "../sending/outboundMessage";
import { validateEventGridFilter, type EventGridFilter } from "./evaluateEventGridFilter";
import { parseJsonKeepingNumberText } from "./parseJsonKeepingNumberText";
import { senderCountriesAdvancedFilter } from "./senderCountryFilter";

/** The action types a route can take, in the order the docs present them. */
export const ROUTE_ACTION_TYPES = ["store", "reply", "forward"] as const;

/** The name of a route action. */
export type RouteActionType = (typeof ROUTE_ACTION_TYPES)[number];

/** Keep the message. It always is (before any route runs); listing it only documents the route's intent. */
export interface StoreAction {
  type: "store";
}

/** Answer the sender through `reply()` (BSUID preferred, same channel, idempotent per inbound message and route). */
export interface ReplyAction {
  type: "reply";
  /** A text (only inside the 24-hour window) or an approved template. */
  message: TextMessage | TemplateMessage;
}

/** Put the message on the forward Storage Queue for downstream systems (at least once, with a dedupe key). */
export interface ForwardAction {
  type: "forward";
}

/** One action of a route. */
export type RouteAction = StoreAction | ReplyAction | ForwardAction;

/** A validated route. */
export interface Route {
  /** Unique in the file (case-insensitively); the reply's idempotency purpose and the forward dedupe key use it. */
  name: string;
  description?: string;
  /**
   * The filter the route is evaluated with: the file's `filter` (`{}` when omitted) with `senderCountries` appended as
   * one `StringBeginsWith` filter on `subject`. Valid for Event Grid as it stands, so it can be copied into a
   * subscription.
   */
  filter: EventGridFilter;
  /**
   * As written, upper case. Folded into `filter` as subject prefixes (what a subscription would use) and, because a
   * calling code is shared (44 is GB, GG, IM, JE), also checked exactly by `selectRoutes` against the sender's country
   * (the BSUID's, else the phone number's), so a sender is routed alike with the number visible or hidden.
   */
  senderCountries: string[];
  actions: RouteAction[];
  /** When the route matches, later routes are not evaluated. */
  stopProcessing: boolean;
}

/** What {@link parseRoutes} and {@link loadRoutesFile} found. */
export interface LoadedRoutes {
  /**
   * The routes that are valid on their own. When there are problems the file as a whole must not be used (start-up
   * fails); the valid routes are still returned so that checks across settings can name them in the same pass.
   */
  routes: Route[];
  /** One sentence each, naming the route and the path inside it; any problem means the file must not be used. */
  problems: string[];
}

/** The file the app looks for when `ROUTES_FILE` is not set, relative to the app root. */
export const DEFAULT_ROUTES_FILE = "routes.json";

const ROUTE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const FILE_PROPERTIES: ReadonlySet<string> = new Set(["$schema", "routes"]);
const ROUTE_PROPERTIES: ReadonlySet<string> = new Set([
  "name",
  "description",
  "filter",
  "senderCountries",
  "actions",
  "stopProcessing",
]);
const ACTION_PROPERTIES: Readonly<Record<RouteActionType, ReadonlySet<string>>> = {
  store: new Set(["type"]),
  reply: new Set(["type", "message"]),
  forward: new Set(["type"]),
};

/**
 * Validates parsed routes-file JSON and returns the routes with `senderCountries` folded into their filters.
 *
 * Route semantics (documented in the schema and the README): every route whose filter matches runs, in file order; a
 * matching route with `stopProcessing: true` ends the evaluation. Problems are collected, never thrown, so a file with
 * five mistakes is fixed in one pass. Checked: unknown properties anywhere (a typo such as `stopProccessing` would
 * otherwise change behaviour silently), names (unique, `A-Z a-z 0-9 _ . -`, at most 64), every filter with
 * `validateEventGridFilter` (Event Grid's own limits, so a route can become a subscription unchanged), countries,
 * `includedEventTypes` that exclude `AdvancedMessageReceived` (such a route could never match), the actions (at least
 * one, each type at most once, replies parsed with `parseOutboundMessage` and limited to text and template).
 */
export function parseRoutes(input: unknown): LoadedRoutes {
  const problems: string[] = [];
  const routes: Route[] = [];
  if (!isObject(input)) return { routes, problems: ['the file must be a JSON object such as { "routes": [] }'] };
  for (const key of Object.keys(input)) {
    if (!FILE_PROPERTIES.has(key)) problems.push(`${key}: is not a property of a routes file (routes, $schema)`);
  }
  if (!Array.isArray(input.routes)) {
    problems.push("routes: must be an array of routes (it may be empty)");
    return { routes, problems };
  }
  const seen = new Map<string, number>();
  input.routes.forEach((raw: unknown, index) => {
    const route = parseRoute(raw, index, problems);
    if (route === undefined) return;
    const folded = route.name.toLowerCase();
    const earlier = seen.get(folded);
    if (earlier !== undefined) {
      problems.push(`${label(index, route.name)}: name: is already used by routes[${earlier}]; names must be unique`);
      return;
    }
    seen.set(folded, index);
    routes.push(route);
  });
  return { routes, problems };
}

function parseRoute(raw: unknown, index: number, problems: string[]): Route | undefined {
  const before = problems.length;
  if (!isObject(raw)) {
    problems.push(`routes[${index}]: must be an object with name, filter and actions`);
    return undefined;
  }
  const name = typeof raw.name === "string" ? raw.name : undefined;
  const where = label(index, name);
  const problem = (path: string, message: string) => problems.push(`${where}: ${path}: ${message}`);

  for (const key of Object.keys(raw)) {
    if (!ROUTE_PROPERTIES.has(key)) {
      problem(key, `is not a property of a route (${[...ROUTE_PROPERTIES].join(", ")})`);
    }
  }
  if (name === undefined || !ROUTE_NAME_PATTERN.test(name)) {
    problem("name", "must be 1-64 letters, digits, _ . or -, starting with a letter or digit");
  }
  if (raw.description !== undefined && typeof raw.description !== "string") {
    problem("description", "must be a string");
  }
  if (raw.stopProcessing !== undefined && typeof raw.stopProcessing !== "boolean") {
    problem("stopProcessing", "must be true or false");
  }

  const filter = parseFilter(raw.filter, problem);
  const senderCountries = parseCountries(raw.senderCountries, problem);
  let effective = filter;
  if (filter !== undefined && senderCountries !== undefined && senderCountries.length > 0) {
    effective = {
      ...filter,
      advancedFilters: [...(filter.advancedFilters ?? []), senderCountriesAdvancedFilter(senderCountries)],
    };
    // The written filter was clean; anything found now comes from the expansion, so it is blamed on senderCountries.
    for (const issue of validateEventGridFilter(effective)) {
      problem(
        "senderCountries",
        `expands into ${senderCountriesAdvancedFilter(senderCountries).values.length} subject prefixes, and with the ` +
          `filter the route then breaks an Event Grid limit (${issue.message}); split the countries over several routes`,
      );
    }
  }
  const actions = parseActions(raw.actions, problem);

  if (problems.length > before || name === undefined || effective === undefined || actions === undefined) {
    return undefined;
  }
  return {
    name,
    ...(typeof raw.description === "string" ? { description: raw.description } : {}),
    filter: effective,
    senderCountries: senderCountries ?? [],
    actions,
    stopProcessing: raw.stopProcessing === true,
  };
}

function parseFilter(raw: unknown, problem: (path: string, message: string) => void): EventGridFilter | undefined {
  if (raw === undefined) return {};
  const issues = validateEventGridFilter(raw);
  for (const issue of issues) problem(issue.path === "" ? "filter" : `filter.${issue.path}`, issue.message);
  if (issues.length > 0) return undefined;
  const filter = raw as EventGridFilter;
  const types = filter.includedEventTypes;
  if (types && types.length > 0) {
    const folded = types.map((type) => type.toLowerCase());
    if (!folded.includes("all") && !folded.includes(ADVANCED_MESSAGE_RECEIVED.toLowerCase())) {
      problem(
        "filter.includedEventTypes",
        `routes only ever see ${ADVANCED_MESSAGE_RECEIVED} events, and this list leaves it out, so the route could never match`,
      );
      return undefined;
    }
  }
  return filter;
}

function parseCountries(raw: unknown, problem: (path: string, message: string) => void): string[] | undefined {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length === 0) {
    problem("senderCountries", "must be a non-empty array of ISO 3166 alpha-2 codes such as GB");
    return undefined;
  }
  const countries: string[] = [];
  let ok = true;
  raw.forEach((value: unknown, index) => {
    try {
      // Expanding one country at a time names the bad entry; the helper throws for unknown codes.
      senderCountriesAdvancedFilter([value as string]);
      countries.push((value as string).toUpperCase());
    } catch (error) {
      ok = false;
      problem(`senderCountries[${index}]`, error instanceof AppError ? error.message : String(error));
    }
  });
  return ok ? countries : undefined;
}

function parseActions(raw: unknown, problem: (path: string, message: string) => void): RouteAction[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    problem("actions", 'must be a non-empty array such as [{ "type": "forward" }]');
    return undefined;
  }
  const actions: RouteAction[] = [];
  const types = new Set<string>();
  let ok = true;
  raw.forEach((entry: unknown, index) => {
    const path = `actions[${index}]`;
    const fail = (at: string, message: string) => {
      ok = false;
      problem(at, message);
    };
    if (!isObject(entry) || typeof entry.type !== "string" || !isActionType(entry.type)) {
      fail(`${path}.type`, `must be one of ${ROUTE_ACTION_TYPES.join(", ")}`);
      return;
    }
    const type = entry.type;
    if (types.has(type)) fail(`${path}.type`, `${type} is already listed; each action type may appear once per route`);
    types.add(type);
    for (const key of Object.keys(entry)) {
      if (!ACTION_PROPERTIES[type].has(key)) fail(`${path}.${key}`, `is not a property of a ${type} action`);
    }
    if (type !== "reply") {
      actions.push({ type });
      return;
    }
    try {
      const message = parseOutboundMessage(entry.message, `${path}.message`);
      if (message.kind !== "text" && message.kind !== "template") {
        fail(`${path}.message.kind`, "a route reply must be a text or a template");
        return;
      }
      actions.push({ type, message });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const field = error instanceof ValidationError ? error.field : undefined;
      fail(field ?? `${path}.message`, error.message);
    }
  });
  return ok ? actions : undefined;
}

/**
 * Reads and validates a routes file. Never throws for a bad file: an unreadable file or broken JSON is a problem like
 * any other, each prefixed with the file's path.
 */
export function loadRoutesFile(path: string): LoadedRoutes {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return {
      routes: [],
      problems: [`routes file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`],
    };
  }
  let json: unknown;
  try {
    // A UTF-8 byte order mark, as some editors save one, is not part of the JSON.
    json = parseJsonKeepingNumberText(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    return { routes: [], problems: [`routes file ${path}: is not valid JSON (${(error as Error).message})`] };
  }
  const loaded = parseRoutes(json);
  return { routes: loaded.routes, problems: loaded.problems.map((problem) => `routes file ${path}: ${problem}`) };
}

/**
 * The directory the app's relative paths are resolved against: `AzureWebJobsScriptRoot` when the Functions host set
 * it, else the nearest directory holding `host.json` above `start` (this module sits at `lib/config` in the sources
 * and `dist/lib/config` in the build, so a fixed number of `..` would be wrong in one of them), else `cwd`.
 */
export function findAppRoot(
  env: Record<string, string | undefined>,
  start: string = __dirname,
  cwd: string = process.cwd(),
): string {
  const scriptRoot = env.AzureWebJobsScriptRoot?.trim();
  if (scriptRoot) return resolve(scriptRoot);
  for (let directory = resolve(start); ; directory = dirname(directory)) {
    if (existsSync(join(directory, "host.json"))) return directory;
    if (dirname(directory) === directory) return resolve(cwd);
  }
}

/** `file` as an absolute path: relative paths are taken relative to `appRoot`. */
export function resolveRoutesPath(file: string, appRoot: string): string {
  return isAbsolute(file) ? file : resolve(appRoot, file);
}

function label(index: number, name: string | undefined): string {
  return typeof name === "string" && name !== ""
    ? `route "${name.slice(0, 64)}" (routes[${index}])`
    : `routes[${index}]`;
}

function isActionType(value: string): value is RouteActionType {
  return (ROUTE_ACTION_TYPES as readonly string[]).includes(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
