import { crossCheckSubject, parseAdvancedMessageSubject } from "./parseAdvancedMessageSubject";
import { parseChannelId, type ChannelId } from "../../../core/values/ChannelId";
import {
  adopt,
  EventRejected,
  isObject,
  MAX_ENVELOPE_LENGTH,
  MAX_TOKEN_LENGTH,
  optionalString,
  own,
  readText,
  reject,
  requiredString,
  describe,
  Warnings,
  type JsonObject,
  type KnownEventFacts,
} from "./readEventFields";
import { readReceivedAt } from "./readEventTimestamp";
import {
  readButton,
  readContext,
  readDeliveryError,
  readInteractive,
  readMedia,
  readMessageId,
  readParty,
  readReaction,
} from "./readMessageParts";
import { summariseMessage } from "./summariseMessage";
import type {
  AdvancedMessageEvent,
  DeliveryStatusUpdate,
  DeliveryStatusValue,
  EventEnvelope,
  EventRejection,
  EventSchema,
  InboundMessage,
  ParseResult,
} from "../../../events/types";
import {
  ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED,
  ADVANCED_MESSAGE_RECEIVED,
  type WireAdvancedMessageDeliveryStatusUpdatedData,
  type WireAdvancedMessageReceivedData,
  type WireEventGridEvent,
} from "./wireTypes";

export type {
  AdvancedMessageEvent,
  DeliveryStatusUpdate,
  DeliveryStatusValue,
  EventEnvelope,
  EventRejection,
  EventSchema,
  InboundMessage,
  MessageWarning,
  ParseResult,
  UnhandledEvent,
} from "../../../events/types";

/*
 * The tolerance policy. An event is rejected only when it cannot be processed at all: it is not an event (not JSON, not
 * an object, no schema, no id or type), it is not of a type this app handles (then it is `unhandled`), it has no channel,
 * or a received message has no identifiable sender (neither a usable phone nor a valid BSUID). Everything else is
 * accepted: an optional part that is missing or malformed is left out or read leniently, and flagged on the message as a
 * warning (see `readEventFields.ts`).
 */

// Size limits. Event Grid caps an event, and a push delivery batch, at 1 MB. Anything larger than that cannot have come
// from Event Grid, so the limits only ever bite hostile or broken input, and they bound the work done on it.

/** JSON text: 1 MB of UTF-8 can take up to 4 MiB of UTF-16 code units once escaped (`\u00e9` is 6 for 2 bytes). */
const MAX_JSON_LENGTH = 4 * 1024 * 1024;
/** Event Grid's largest `maxEventsPerBatch`. */
const MAX_BATCH_EVENTS = 5000;
/** Message text is kept whole up to the size of a whole Event Grid event. */
const MAX_CONTENT_LENGTH = 1024 * 1024;

const KNOWN_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  "text",
  "image",
  "document",
  "video",
  "audio",
  "sticker",
  "reaction",
  "interactive",
  "button",
]);
const KNOWN_CHANNEL_TYPES: ReadonlySet<string> = new Set(["whatsapp"]);
const KNOWN_STATUSES: ReadonlySet<string> = new Set<DeliveryStatusValue>([
  "sent",
  "delivered",
  "read",
  "failed",
  "warning",
  "unknown",
]);

/** Options of the parser. */
export interface ParseOptions {
  /** The time of processing, used only when an event carries no usable time at all. */
  now?: () => Date;
}

/**
 * Parses one ACS Advanced Messaging event (`AdvancedMessageReceived`, `AdvancedMessageDeliveryStatusUpdated`; others
 * become `unhandled`) in the Event Grid or CloudEvents 1.0 schema.
 *
 * Never throws: whatever `raw` is (an object, JSON text, `null`, an object whose getters throw), the answer is a value or
 * a {@link EventRejection} whose `reason` names the field. The result holds no references into `raw`.
 *
 * @param raw One event, as an object or as JSON text. An Event Grid delivery array is rejected here; use
 *   {@link parseAdvancedMessageEvents} for those.
 */
export function parseAdvancedMessageEvent(raw: unknown, options: ParseOptions = {}): ParseResult<AdvancedMessageEvent> {
  return parseGuarded(() => raw, true, options);
}

/**
 * Parses an Event Grid delivery (an array of events, as an array or as JSON text) or a single event.
 *
 * Each element is parsed on its own, so one bad event does not hide the good ones: the result has one entry per
 * element, in order. Input that is not readable as a whole (broken JSON, an oversized batch) gives a single rejection.
 * An empty array gives an empty result. Never throws.
 */
export function parseAdvancedMessageEvents(
  raw: unknown,
  options: ParseOptions = {},
): ParseResult<AdvancedMessageEvent>[] {
  try {
    const value = typeof raw === "string" ? parseJsonText(raw) : raw;
    // Already decoded: a JSON string inside the JSON text is double encoding, not an event.
    if (!Array.isArray(value)) return [parseGuarded(() => value, false, options)];
    const events: readonly unknown[] = value;
    const count = events.length;
    if (count > MAX_BATCH_EVENTS) {
      reject(
        "batch_too_large",
        undefined,
        `The delivery holds ${count} events; at most ${MAX_BATCH_EVENTS} (Event Grid's largest batch) are accepted.`,
      );
    }
    const results: ParseResult<AdvancedMessageEvent>[] = [];
    for (let index = 0; index < count; index += 1) results.push(parseGuarded(() => events[index], false, options));
    return results;
  } catch (error) {
    return [{ ok: false, rejection: toRejection(error, {}) }];
  }
}

/** `read` runs inside the guard too, because reading an element of a hostile array can throw. */
function parseGuarded(
  read: () => unknown,
  acceptText: boolean,
  options: ParseOptions,
): ParseResult<AdvancedMessageEvent> {
  const known: KnownEventFacts = {};
  try {
    const raw = read();
    const event = acceptText && typeof raw === "string" ? parseJsonText(raw) : raw;
    return { ok: true, value: parseEvent(event, known, options) };
  } catch (error) {
    return { ok: false, rejection: toRejection(error, known) };
  }
}

function toRejection(error: unknown, known: KnownEventFacts): EventRejection {
  let rejection: EventRejection;
  try {
    rejection =
      error instanceof EventRejected
        ? {
            code: error.code,
            reason: error.message,
            ...(error.field === undefined ? {} : { field: error.field }),
          }
        : unreadable();
  } catch {
    // `instanceof` itself can throw when a hostile getter threw a Proxy.
    rejection = unreadable();
  }
  if (known.eventId !== undefined) rejection.eventId = known.eventId;
  if (known.eventType !== undefined) rejection.eventType = known.eventType;
  return rejection;
}

function unreadable(): EventRejection {
  // The thrown value is not quoted: it came from the input and may hold anything.
  return {
    code: "unreadable_event",
    reason: "The event could not be read: reading one of its properties failed (for example a getter threw).",
  };
}

function parseJsonText(text: string): unknown {
  if (text.length > MAX_JSON_LENGTH) {
    reject(
      "input_too_large",
      undefined,
      `The event text is ${text.length} characters long; at most ${MAX_JSON_LENGTH} are accepted.`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The SyntaxError's message quotes the input, which may contain phone numbers: it is not passed on.
    reject("malformed_json", undefined, "The event text is not valid JSON.");
  }
}

function parseEvent(event: unknown, known: KnownEventFacts, options: ParseOptions): AdvancedMessageEvent {
  if (Array.isArray(event)) {
    reject(
      "invalid_event",
      undefined,
      "The event is an array, not a single event object; parse an Event Grid delivery with parseAdvancedMessageEvents.",
    );
  }
  if (!isObject(event)) reject("invalid_event", undefined, `The event must be a JSON object; got ${describe(event)}.`);

  const envelope = readEnvelope(event, known);
  const type = envelope.eventType.toLowerCase();
  if (type === ADVANCED_MESSAGE_RECEIVED.toLowerCase()) {
    return readReceived(readData(event, envelope), envelope, options);
  }
  if (type === ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED.toLowerCase()) {
    return readStatus(readData(event, envelope), envelope, options);
  }
  return { kind: "unhandled", envelope };
}

function readEnvelope(event: JsonObject, known: KnownEventFacts): EventEnvelope {
  // Deliveries write `specversion`; the Event Grid spec's own CloudEvents examples write `specVersion`.
  const specversion = own(event, "specversion") ?? own(event, "specVersion");
  const eventGridType = own(event, "eventType" satisfies keyof WireEventGridEvent);
  if (specversion !== undefined && eventGridType !== undefined) {
    reject(
      "unsupported_schema",
      undefined,
      "The event has both specversion (CloudEvents) and eventType (Event Grid schema); it must use exactly one schema.",
    );
  }
  if (specversion === undefined && eventGridType === undefined) {
    reject(
      "unsupported_schema",
      undefined,
      "The event has neither specversion (CloudEvents 1.0) nor eventType (Event Grid schema), so its schema is unknown.",
    );
  }
  const schema: EventSchema = specversion === undefined ? "eventgrid" : "cloudevents";
  if (schema === "cloudevents" && specversion !== "1.0") {
    reject("unsupported_schema", "specversion", 'specversion must be "1.0": only CloudEvents 1.0 is supported.');
  }

  const typeKey = schema === "eventgrid" ? "eventType" : "type";
  const eventType = requiredString(event, typeKey, typeKey, MAX_ENVELOPE_LENGTH);
  known.eventType = eventType;
  const id = requiredString(event, "id", "id", MAX_ENVELOPE_LENGTH);
  known.eventId = id;

  const timeKey = schema === "eventgrid" ? "eventTime" : "time";
  const sourceKey = schema === "eventgrid" ? "topic" : "source";
  return {
    id,
    schema,
    eventType,
    subject: optionalString(event, "subject", "subject", MAX_ENVELOPE_LENGTH),
    time: optionalString(event, timeKey, timeKey, MAX_TOKEN_LENGTH),
    source: optionalString(event, sourceKey, sourceKey, MAX_ENVELOPE_LENGTH),
  };
}

function readData(event: JsonObject, envelope: EventEnvelope): JsonObject {
  const data = own(event, "data");
  if (data === undefined || data === null) {
    const base64 = envelope.schema === "cloudevents" && own(event, "data_base64") !== undefined;
    reject(
      "missing_field",
      "data",
      base64
        ? "data is missing; data_base64 is not supported for this event type, which carries JSON."
        : "data is missing; this event type must carry a data object.",
    );
  }
  if (!isObject(data)) reject("invalid_type", "data", `data must be a JSON object; got ${describe(data)}.`);
  return data;
}

function readReceived(data: JsonObject, envelope: EventEnvelope, options: ParseOptions): InboundMessage {
  type Key = keyof WireAdvancedMessageReceivedData;
  const key = <K extends Key>(name: K): K => name;
  const warnings = new Warnings();

  const channelId = requiredChannel(data, key("to"));
  const sender = readParty(data, key("from"), key("fromBSUID"), warnings);
  if (sender.phone === undefined && sender.bsuid === undefined) {
    const why = sender.problems.length === 0 ? "both are empty" : sender.problems.join("; ");
    reject(
      "no_sender",
      "data.fromBSUID",
      "The message has no identifiable sender: neither data.from nor data.fromBSUID holds a phone number or a BSUID " +
        `(${why}), so it cannot be attributed to a contact.`,
    );
  }
  const messageId = readMessageId(data, envelope.id, warnings);
  const messageType = readMessageType(data, warnings);
  const channelType = readChannelType(data, warnings);
  const receivedAt = readReceivedAt(data, envelope, warnings, options.now);

  const content = readText(data, key("content"), "data.content", warnings, MAX_CONTENT_LENGTH);
  const media = readMedia(data, warnings);
  const context = readContext(data, warnings);
  const button = readButton(data, warnings);
  const interactive = readInteractive(data, warnings);
  const reaction = readReaction(data, warnings);

  const message: InboundMessage = {
    kind: "received",
    envelope,
    messageId,
    channelId,
    channelType,
    fromPhone: sender.phone,
    fromBsuid: sender.bsuid,
    messageType,
    receivedAt,
    summary: "",
    warnings: [],
  };
  if (content !== undefined) message.content = content;
  if (media !== undefined) message.media = media;
  if (context !== undefined) message.context = context;
  if (button !== undefined) message.button = button;
  if (interactive !== undefined) message.interactive = interactive;
  if (reaction !== undefined) message.reaction = reaction;
  message.summary = summariseMessage(message);
  message.warnings = warnings.finish();
  // `data.to` as sent: the parsed channel ID is lower-cased, the subject's need not be (GUIDs compare either way).
  const subjectMismatches = crossCheckSubject(parseAdvancedMessageSubject(envelope.subject), {
    fromPhone: sender.phone ?? null,
    fromBsuid: sender.bsuid ?? null,
    channelId: typeof data[key("to")] === "string" ? (data[key("to")] as string) : channelId,
  });
  if (subjectMismatches.length > 0) message.subjectMismatches = subjectMismatches;
  return message;
}

function readStatus(data: JsonObject, envelope: EventEnvelope, options: ParseOptions): DeliveryStatusUpdate {
  type Key = keyof WireAdvancedMessageDeliveryStatusUpdatedData;
  const key = <K extends Key>(name: K): K => name;
  const warnings = new Warnings();

  const channelId = requiredChannel(data, key("from"));
  // A status without a recipient still belongs to its message: the recipient is optional here.
  const recipient = readParty(data, key("to"), key("toBSUID"), warnings);
  const messageId = readMessageId(data, envelope.id, warnings);
  const rawStatus = readText(data, key("status"), "data.status", warnings) ?? "";
  const normalised = rawStatus.trim().toLowerCase();
  if (normalised === "") {
    warnings.add("missing_status", "data.status", "data.status is missing; the status is recorded as unknown.");
  }
  const status = KNOWN_STATUSES.has(normalised) ? (normalised as DeliveryStatusValue) : "unknown";
  const channelType = readChannelType(data, warnings);
  const receivedAt = readReceivedAt(data, envelope, warnings, options.now);
  const error = readDeliveryError(data, warnings);

  const update: DeliveryStatusUpdate = {
    kind: "status",
    envelope,
    messageId,
    channelId,
    channelType,
    toPhone: recipient.phone,
    toBsuid: recipient.bsuid,
    status,
    rawStatus,
    receivedAt,
    warnings: [],
  };
  if (error !== undefined) update.error = error;
  update.warnings = warnings.finish();
  return update;
}

// ---- fields ----------------------------------------------------------------------------------------------------

/** The channel is what the message belongs to: without a valid one it cannot be processed. */
function requiredChannel(data: JsonObject, key: string): ChannelId {
  const field = `data.${key}`;
  const value = requiredString(data, key, field);
  return adopt(() => parseChannelId(value, field));
}

function readMessageType(data: JsonObject, warnings: Warnings): string {
  const value = readText(data, "messageType", "data.messageType", warnings);
  if (value === undefined || value.trim() === "") {
    warnings.add("missing_message_type", "data.messageType", "data.messageType is missing; recorded as unknown.");
    return "unknown";
  }
  const lower = value.toLowerCase();
  return KNOWN_MESSAGE_TYPES.has(lower) ? lower : value;
}

function readChannelType(data: JsonObject, warnings: Warnings): string {
  const value = readText(data, "channelType", "data.channelType", warnings);
  if (value === undefined || value.trim() === "") {
    warnings.add("missing_channel_type", "data.channelType", "data.channelType is missing; recorded as unknown.");
    return "unknown";
  }
  const lower = value.toLowerCase();
  return KNOWN_CHANNEL_TYPES.has(lower) ? lower : value;
}
