/**
 * The routes file: which inbound messages get an automatic reply or are forwarded to downstream systems.
 *
 * The file's shape is `schemas/routes.schema.json`, which the app checks it against (compiled at build time, see
 * `scripts/compileSchemas.ts`); this module adds the rules a schema cannot state. A file it refuses fails start-up with
 * every problem named, route and filter path included.
 *
 * @packageDocumentation
 */

import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { AppError, ValidationError } from "../core/errors";
import { ADVANCED_MESSAGE_RECEIVED } from "../adapters/acs/events/wireTypes";
import { routesFile } from "../schemaValidation/compiledRoutesValidator";
import {
  formatPath,
  schemaProblems,
  type CompiledValidator,
  type PathSegment,
  type SchemaProblem,
} from "../schemaValidation/describeSchemaErrors";
import {
  parseOutboundMessage,
  type OutboundMessageOptions,
  type TemplateMessage,
  type TextMessage,
} from "../domain/messaging/outboundMessage";
import { validateEventGridFilter, type EventGridFilter } from "../eventGridFilter/evaluateEventGridFilter";
import { parseJsonKeepingNumberText } from "../eventGridFilter/parseJsonKeepingNumberText";
import { senderCountriesAdvancedFilter } from "../domain/routing/senderCountryFilter";
import { type Route, type RouteAction } from "../domain/routing/routes";

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

const validateRoutesFile = routesFile as unknown as CompiledValidator;

/**
 * Validates parsed routes-file JSON and returns the routes with `senderCountries` folded into their filters.
 *
 * Route semantics (documented in the schema and the README): every route whose filter matches runs, in file order; a
 * matching route with `stopProcessing: true` ends the evaluation. Problems are collected, never thrown, so a file with
 * five mistakes is fixed in one pass; each names the route and the path inside it.
 *
 * The shape is checked against `schemas/routes.schema.json` (unknown properties anywhere, since a typo such as
 * `stopProccessing` would otherwise change behaviour silently; names; filters; country codes; actions; replies as the
 * send API's text and template). Then what a schema cannot say, for each part whose shape is right: names unique
 * (case-insensitively), each action type at most once, known countries, Event Grid's limits across a whole filter
 * (`validateEventGridFilter`, so a route can become a subscription unchanged) also once `senderCountries` is folded in,
 * `includedEventTypes` that exclude `AdvancedMessageReceived` (such a route could never match), and the rules of a
 * reply (`parseOutboundMessage`).
 */
export function parseRoutes(input: unknown, options: OutboundMessageOptions = {}): LoadedRoutes {
  const found = schemaProblems(validateRoutesFile, input);
  const ofRoute = (problem: SchemaProblem) => problem.path[0] === "routes" && typeof problem.path[1] === "number";
  const problems = found
    .filter((problem) => !ofRoute(problem))
    .map((problem) =>
      problem.path.length === 0 ? `the file ${problem.message}` : `${formatPath(problem.path)}: ${problem.message}`,
    );
  const routes: Route[] = [];
  if (!isObject(input) || !Array.isArray(input.routes)) return { routes, problems };

  const seen = new Map<string, number>();
  input.routes.forEach((raw: unknown, index) => {
    const own = found
      .filter((problem) => ofRoute(problem) && problem.path[1] === index)
      .map((problem) => ({ path: problem.path.slice(2), message: problem.message }));
    const route = checkRoute(raw, own, options);
    if (isObject(raw) && typeof raw.name === "string" && !own.some((problem) => problem.path[0] === "name")) {
      const earlier = seen.get(raw.name.toLowerCase());
      if (earlier !== undefined) {
        own.push({ path: ["name"], message: `is already used by routes[${earlier}]; names must be unique` });
      } else seen.set(raw.name.toLowerCase(), index);
    }
    const where = label(index, isObject(raw) && typeof raw.name === "string" ? raw.name : undefined);
    for (const problem of own) {
      problems.push(
        problem.path.length === 0
          ? `${where}: ${problem.message}`
          : `${where}: ${formatPath(problem.path)}: ${problem.message}`,
      );
    }
    if (route !== undefined && own.length === 0) routes.push(route);
  });
  return { routes, problems };
}

/**
 * Adds to `problems` (the route's schema problems, paths from the route) what the schema cannot see, for each part the
 * schema found right; returns the route when it has no problem at all.
 */
function checkRoute(raw: unknown, problems: SchemaProblem[], options: OutboundMessageOptions): Route | undefined {
  if (!isObject(raw)) return undefined;
  const clean = (part: string) => !problems.some((problem) => problem.path[0] === part);
  const problem = (path: PathSegment[], message: string) => problems.push({ path, message });

  const filter = clean("filter") ? checkFilter((raw.filter ?? {}) as EventGridFilter, problem) : undefined;
  const countries = clean("senderCountries")
    ? checkCountries((raw.senderCountries ?? []) as string[], problem)
    : undefined;
  const actions = clean("actions") ? checkActions(raw.actions as RouteAction[], problem, options) : undefined;
  if (filter === undefined || countries === undefined || actions === undefined) return undefined;

  let effective = filter;
  if (countries.length > 0) {
    const expansion = senderCountriesAdvancedFilter(countries);
    effective = { ...filter, advancedFilters: [...(filter.advancedFilters ?? []), expansion] };
    // The written filter was clean; anything found now comes from the expansion, so it is blamed on senderCountries.
    for (const issue of validateEventGridFilter(effective)) {
      problem(
        ["senderCountries"],
        `expands into ${expansion.values.length} subject prefixes, and with the filter the route then breaks an ` +
          `Event Grid limit (${issue.message}); split the countries over several routes`,
      );
    }
  }
  if (problems.length > 0) return undefined;
  return {
    name: raw.name as string,
    ...(typeof raw.description === "string" ? { description: raw.description } : {}),
    filter: effective,
    senderCountries: countries,
    actions,
    stopProcessing: raw.stopProcessing === true,
  };
}

/** Event Grid's limits across the filter, and a type list that lets AdvancedMessageReceived through. */
function checkFilter(
  filter: EventGridFilter,
  problem: (path: PathSegment[], message: string) => void,
): EventGridFilter | undefined {
  const issues = validateEventGridFilter(filter);
  for (const issue of issues) problem(["filter", ...(issue.path === "" ? [] : [issue.path])], issue.message);
  if (issues.length > 0) return undefined;
  const types = filter.includedEventTypes;
  if (types && types.length > 0) {
    const folded = types.map((type) => type.toLowerCase());
    if (!folded.includes("all") && !folded.includes(ADVANCED_MESSAGE_RECEIVED.toLowerCase())) {
      problem(
        ["filter", "includedEventTypes"],
        `routes only ever see ${ADVANCED_MESSAGE_RECEIVED} events, and this list leaves it out, so the route could never match`,
      );
      return undefined;
    }
  }
  return filter;
}

/** Known countries, upper case. */
function checkCountries(raw: string[], problem: (path: PathSegment[], message: string) => void): string[] | undefined {
  let ok = true;
  raw.forEach((country, index) => {
    try {
      // Expanding one country at a time names the bad entry; the helper throws for unknown codes.
      senderCountriesAdvancedFilter([country]);
    } catch (error) {
      ok = false;
      problem(["senderCountries", index], error instanceof AppError ? error.message : String(error));
    }
  });
  return ok ? raw.map((country) => country.toUpperCase()) : undefined;
}

/** Each action type once; replies by the send API's rules (and without the properties it does not know). */
function checkActions(
  raw: RouteAction[],
  problem: (path: PathSegment[], message: string) => void,
  options: OutboundMessageOptions,
): RouteAction[] | undefined {
  const types = new Set<string>();
  let ok = true;
  const actions = raw.map((action, index): RouteAction => {
    if (types.has(action.type)) {
      ok = false;
      problem(
        ["actions", index, "type"],
        `${action.type} is already listed; each action type may appear once per route`,
      );
    }
    types.add(action.type);
    if (action.type !== "reply") return { type: action.type };
    const field = `actions[${index}].message`;
    try {
      return {
        type: "reply",
        message: parseOutboundMessage(action.message, field, options) as TextMessage | TemplateMessage,
      };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      ok = false;
      const at = error.field ?? field;
      // The path is given once, in front, as for every other problem.
      const message = error.message.startsWith(`${at} `) ? error.message.slice(at.length + 1) : error.message;
      problem([at], message);
      return action;
    }
  });
  return ok ? actions : undefined;
}

/**
 * Reads and validates a routes file. Never throws for a bad file: an unreadable file or broken JSON is a problem like
 * any other, each prefixed with the file's path.
 */
export function loadRoutesFile(path: string, options: OutboundMessageOptions = {}): LoadedRoutes {
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
  const loaded = parseRoutes(json, options);
  return { routes: loaded.routes, problems: loaded.problems.map((problem) => `routes file ${path}: ${problem}`) };
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
