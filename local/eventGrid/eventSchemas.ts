/**
 * What a topic accepts and what it delivers, after Microsoft Learn "Azure Event Grid event schema" and "CloudEvents
 * v1.0 schema": an Event Grid schema event needs `id`, `eventType`, `subject` and `eventTime` (`data` and `dataVersion`
 * are optional; `metadataVersion` is stamped `1`; `topic` is stamped when absent); a CloudEvent needs `specversion`
 * `1.0`, `id`, `source` and `type`.
 */

/** Delivery schemas of a subscription (`eventDeliverySchema`). */
export type EventSchemaName = "EventGridSchema" | "CloudEventSchemaV1_0";

/** One accepted event and the schema it was published in. */
export interface PublishedEvent {
  schema: EventSchemaName;
  event: Record<string, unknown>;
}

/** Why a publish request was refused: `400` (format) or `413` (size). */
export class PublishRejection extends Error {
  readonly status: 400 | 413;
  readonly details: string[];
  constructor(status: 400 | 413, message: string, details: string[] = []) {
    super(details.length > 0 ? `${message}: ${details.join("; ")}` : message);
    this.name = "PublishRejection";
    this.status = status;
    this.details = details;
  }
}

/** Event Grid's limits for one publish request: 1 MB in all, 1 MB per event. */
export const MAX_PUBLISH_BYTES = 1024 * 1024;
export const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * Validates and stamps the events of one publish request. `cloudEvents` says the request used a CloudEvents content
 * type (`application/cloudevents-batch+json`, or `application/cloudevents+json` for a single event); otherwise the
 * body must be a JSON array of Event Grid schema events. Throws a {@link PublishRejection}.
 */
export function acceptPublishedEvents(
  body: unknown,
  options: { cloudEvents: boolean; singleCloudEvent?: boolean; topic: string; source?: string },
): PublishedEvent[] {
  let items: unknown[];
  if (options.cloudEvents && options.singleCloudEvent && !Array.isArray(body)) items = [body];
  else if (Array.isArray(body)) items = body;
  else throw new PublishRejection(400, "The request body must be a JSON array of events");
  if (items.length === 0) throw new PublishRejection(400, "The request body holds no events");

  const problems: string[] = [];
  const accepted: PublishedEvent[] = [];
  items.forEach((item, index) => {
    if (Buffer.byteLength(JSON.stringify(item) ?? "") > MAX_EVENT_BYTES) {
      throw new PublishRejection(413, `Event ${index} is larger than ${MAX_EVENT_BYTES} bytes`);
    }
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      problems.push(`event ${index} is not a JSON object`);
      return;
    }
    const event = { ...(item as Record<string, unknown>) };
    const cloud = options.cloudEvents || typeof event.specversion === "string";
    const missing = (cloud ? ["id", "source", "type"] : ["id", "eventType", "subject", "eventTime"]).filter(
      (name) => typeof event[name] !== "string" || event[name] === "",
    );
    if (missing.length > 0) problems.push(`event ${index} lacks ${missing.join(", ")}`);
    if (cloud) {
      if (event.specversion !== "1.0") problems.push(`event ${index}: specversion must be "1.0"`);
      if (event.time !== undefined && !isTimestamp(event.time))
        problems.push(`event ${index}: time is not a timestamp`);
      accepted.push({ schema: "CloudEventSchemaV1_0", event });
      return;
    }
    if (typeof event.eventTime === "string" && !isTimestamp(event.eventTime)) {
      problems.push(`event ${index}: eventTime is not a timestamp`);
    }
    if (event.metadataVersion !== undefined && event.metadataVersion !== "1") {
      problems.push(`event ${index}: metadataVersion must be "1" when given`);
    }
    event.topic = typeof event.topic === "string" && event.topic !== "" ? event.topic : options.topic;
    event.dataVersion = typeof event.dataVersion === "string" ? event.dataVersion : "";
    event.metadataVersion = "1";
    accepted.push({ schema: "EventGridSchema", event });
  });
  if (problems.length > 0) throw new PublishRejection(400, "The events are not valid", problems);
  return accepted;
}

/**
 * The event as a subscription receives it. Event Grid converts Event Grid schema input to CloudEvents for a
 * `CloudEventSchemaV1_0` subscription (`source` ← `topic`, `type` ← `eventType`, `time` ← `eventTime`); it offers no
 * conversion the other way, so a CloudEvent is delivered as published.
 */
export function toDeliverySchema(published: PublishedEvent, deliverySchema: EventSchemaName): Record<string, unknown> {
  if (published.schema === deliverySchema || published.schema === "CloudEventSchemaV1_0") return published.event;
  const e = published.event;
  return {
    specversion: "1.0",
    id: e.id,
    source: e.topic,
    ...(typeof e.subject === "string" ? { subject: e.subject } : {}),
    type: e.eventType,
    time: e.eventTime,
    ...(e.dataVersion ? { dataschema: e.dataVersion } : {}),
    datacontenttype: "application/json",
    data: e.data,
  };
}

function isTimestamp(value: unknown): boolean {
  return typeof value === "string" && !Number.isNaN(Date.parse(value));
}
