/**
 * Reads Event Grid subscriptions from the shapes businesses have them in, for the audit:
 *
 * - `az eventgrid system-topic event-subscription list` (or `az eventgrid event-subscription list`) output: a JSON
 *   array whose entries carry `name`, `filter`, `destination`, `eventDeliverySchema`, ... at the top level (the CLI
 *   flattens ARM's `properties`), with unset values as `null` (`"advancedFilters": null`, `"subjectBeginsWith": ""`);
 *   a single object from `... event-subscription show` works too;
 * - ARM REST responses (`{ "value": [...] }` or one resource) with everything under `properties`;
 * - ARM templates: resources of type `Microsoft.EventGrid/systemTopics/eventSubscriptions` (or any
 *   `.../eventSubscriptions`), top level or nested as child `eventSubscriptions` resources, also inside nested
 *   deployments, with `resources` as an array or, in `languageVersion` 2.0 templates, as an object;
 * - this project's own `infra/eventSubscriptions.json` (`{ "subscriptions": [...] }`);
 * - this project's routes file (`{ "routes": [...] }`): each route's filter as written, for AdvancedMessageReceived
 *   events only. `senderCountries` is left out: the app checks the sender's exact country itself, so it treats phone
 *   and BSUID senders alike, which its subject prefixes alone would not for shared calling codes.
 *
 * @packageDocumentation
 */

/** Which input shape was recognised. */
export type SubscriptionsInputFormat = "az-cli" | "arm-rest" | "arm-template" | "subscriptions-file" | "routes-file";

/** One subscription as found, before any checking. */
export interface SubscriptionUnderAudit {
  name: string;
  /** Where it sits in the input, e.g. `[2]` or `resources[0].resources[1]`. */
  location: string;
  /** As found; `EventGridSchema` when absent (Event Grid's default). */
  eventDeliverySchema: string;
  /** As found, with `null` properties removed (ARM and the az CLI write unset properties as `null`). */
  filter: unknown;
  /** A short description of the destination (endpoint type and function or host), when there is one. */
  destination: string | undefined;
}

/** What {@link readSubscriptionsInput} found. */
export interface SubscriptionsInput {
  format: SubscriptionsInputFormat | undefined;
  subscriptions: SubscriptionUnderAudit[];
  /** Input problems; when non-empty and nothing was found, the input was not understood. */
  problems: string[];
}

type Json = Record<string, unknown>;

const RECEIVED = "Microsoft.Communication.AdvancedMessageReceived";

/** Recognises the input shape and lists the subscriptions in it. Never throws. */
export function readSubscriptionsInput(input: unknown): SubscriptionsInput {
  const problems: string[] = [];
  const subscriptions: SubscriptionUnderAudit[] = [];
  let format: SubscriptionsInputFormat | undefined;

  if (Array.isArray(input)) {
    format = input.some((entry) => isObject(entry) && isObject(entry.properties)) ? "arm-rest" : "az-cli";
    input.forEach((entry: unknown, index) => addResource(entry, `[${index}]`, subscriptions, problems));
  } else if (isObject(input) && Array.isArray(input.subscriptions)) {
    format = "subscriptions-file";
    input.subscriptions.forEach((entry: unknown, index) => addFileSubscription(entry, index, subscriptions, problems));
  } else if (isObject(input) && Array.isArray(input.routes)) {
    format = "routes-file";
    input.routes.forEach((entry: unknown, index) => addRoute(entry, index, subscriptions, problems));
  } else if (isObject(input) && (Array.isArray(input.resources) || isObject(input.resources))) {
    format = "arm-template";
    walkTemplate(input.resources, "resources", undefined, subscriptions, problems);
  } else if (isObject(input) && Array.isArray(input.value)) {
    format = "arm-rest";
    input.value.forEach((entry: unknown, index) => addResource(entry, `value[${index}]`, subscriptions, problems));
  } else if (isObject(input) && (isObject(input.filter) || isObject(input.properties))) {
    format = isObject(input.properties) ? "arm-rest" : "az-cli";
    addResource(input, "(the object)", subscriptions, problems);
  } else {
    problems.push(
      "the input is none of: az CLI event-subscription output (an array), an ARM template (with resources), " +
        'an ARM REST response (with value) or a subscriptions file (with "subscriptions")',
    );
  }
  if (format !== undefined && subscriptions.length === 0 && problems.length === 0) {
    problems.push("the input holds no event subscriptions");
  }
  return { format, subscriptions, problems };
}

/** One entry of this project's subscriptions file. */
function addFileSubscription(entry: unknown, index: number, out: SubscriptionUnderAudit[], problems: string[]): void {
  if (!isObject(entry) || typeof entry.name !== "string") {
    problems.push(`subscriptions[${index}]: must be an object with a name and a filter`);
    return;
  }
  out.push({
    name: entry.name,
    location: `subscriptions[${index}]`,
    eventDeliverySchema: typeof entry.eventDeliverySchema === "string" ? entry.eventDeliverySchema : "EventGridSchema",
    filter: withoutNulls(entry.filter ?? {}),
    destination: typeof entry.function === "string" ? `AzureFunction ${entry.function}` : undefined,
  });
}

/** One route of a routes file, with its filter as written. */
function addRoute(entry: unknown, index: number, out: SubscriptionUnderAudit[], problems: string[]): void {
  if (!isObject(entry) || typeof entry.name !== "string") {
    problems.push(`routes[${index}]: must be an object with a name`);
    return;
  }
  const filter = isObject(entry.filter) ? withoutNulls(entry.filter) : {};
  out.push({
    name: entry.name,
    location: `routes[${index}]`,
    eventDeliverySchema: "EventGridSchema",
    // Routes only ever see AdvancedMessageReceived events.
    filter:
      isObject(filter) && filter.includedEventTypes === undefined
        ? { ...filter, includedEventTypes: [RECEIVED] }
        : filter,
    destination: "route",
  });
}

/** One az CLI entry or ARM resource: properties flattened (az) or under `properties` (ARM). */
function addResource(entry: unknown, location: string, out: SubscriptionUnderAudit[], problems: string[]): void {
  if (!isObject(entry)) {
    problems.push(`${location}: is not an object`);
    return;
  }
  const properties = isObject(entry.properties) ? entry.properties : entry;
  const name = typeof entry.name === "string" ? displayName(entry.name) : undefined;
  if (name === undefined) {
    problems.push(`${location}: has no name`);
    return;
  }
  out.push({
    name,
    location,
    eventDeliverySchema:
      typeof properties.eventDeliverySchema === "string" ? properties.eventDeliverySchema : "EventGridSchema",
    filter: withoutNulls(properties.filter ?? {}),
    destination: describeDestination(properties.destination),
  });
}

function walkTemplate(
  resources: unknown,
  path: string,
  parentType: string | undefined,
  out: SubscriptionUnderAudit[],
  problems: string[],
): void {
  const entries: [string, unknown][] = Array.isArray(resources)
    ? resources.map((resource: unknown, index) => [`${path}[${index}]`, resource])
    : isObject(resources)
      ? Object.entries(resources).map(([symbol, resource]) => [`${path}.${symbol}`, resource])
      : [];
  for (const [location, resource] of entries) {
    if (!isObject(resource) || typeof resource.type !== "string") continue;
    // A child resource's type is relative to its parent's ("eventSubscriptions" inside a systemTopics resource).
    const type = resource.type.includes("/") || !parentType ? resource.type : `${parentType}/${resource.type}`;
    if (/\/eventSubscriptions$/i.test(type)) addResource(resource, location, out, problems);
    if (resource.resources !== undefined)
      walkTemplate(resource.resources, `${location}.resources`, type, out, problems);
    const template = isObject(resource.properties) ? resource.properties.template : undefined;
    if (/^Microsoft\.Resources\/deployments$/i.test(type) && isObject(template) && template.resources !== undefined) {
      walkTemplate(template.resources, `${location}.properties.template.resources`, undefined, out, problems);
    }
  }
}

function describeDestination(destination: unknown): string | undefined {
  if (!isObject(destination)) return undefined;
  const properties = isObject(destination.properties) ? destination.properties : destination;
  const type = typeof destination.endpointType === "string" ? destination.endpointType : "endpoint";
  const resourceId = typeof properties.resourceId === "string" ? properties.resourceId : undefined;
  if (resourceId) {
    // Templates build the ID with expressions ("[format('{0}/functions/name', ...)]"): take the name wherever it is.
    const functionName = /\/functions\/([A-Za-z0-9_-]+)/i.exec(resourceId)?.[1];
    return functionName ? `${type} …/functions/${functionName}` : `${type} …/${resourceId.split("/").pop() ?? ""}`;
  }
  // Webhook URLs can carry keys in the query string: only the host is shown.
  const url = [properties.endpointBaseUrl, properties.endpointUrl].find((value) => typeof value === "string");
  if (typeof url === "string") {
    try {
      return `${type} ${new URL(url).host}`;
    } catch {
      return type;
    }
  }
  return type;
}

/**
 * A readable name: ARM child names are `topic/subscription` (shown as `subscription`), and templates often build them
 * with an expression ending in the literal name (`[format('{0}/{1}', parameters('topic'), 'name')]`).
 */
function displayName(name: string): string {
  if (name.startsWith("[") && !name.startsWith("[[")) return /'([^'/]+)'\s*\)\]$/.exec(name)?.[1] ?? name;
  return name.split("/").pop() || name;
}

/** A copy without `null` properties, recursively through objects and arrays of objects. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => (isObject(item) ? withoutNulls(item) : item));
  if (!isObject(value)) return value;
  const copy: Json = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null) continue;
    copy[key] = isObject(item) || Array.isArray(item) ? withoutNulls(item) : item;
  }
  return copy;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
