import { ValidationError } from "../errors";
import { isBsuid, parseBsuid, type Bsuid } from "../values/Bsuid";
import { parseChannelId, type ChannelId } from "../values/ChannelId";
import { tryParsePhoneNumber, type PhoneNumber } from "../values/PhoneNumber";
import { parseMessageId, type MessageId } from "../values/identifiers";
import type {
  AdvancedMessageEvent,
  DeliveryStatusUpdate,
  DeliveryStatusValue,
  EventEnvelope,
  EventRejection,
  EventSchema,
  InboundButton,
  InboundContext,
  InboundInteractive,
  InboundMedia,
  InboundMessage,
  InboundReaction,
  ParseResult,
} from "./types";
import {
  ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED,
  ADVANCED_MESSAGE_RECEIVED,
  type WireAdvancedMessageDeliveryStatusUpdatedData,
  type WireAdvancedMessageReceivedData,
  type WireButton,
  type WireButtonReply,
  type WireCloudEvent,
  type WireContext,
  type WireDeliveryError,
  type WireEventGridEvent,
  type WireInteractive,
  type WireListReply,
  type WireMedia,
  type WireReaction,
} from "./wireTypes";

export type {
  AdvancedMessageEvent,
  DeliveryStatusUpdate,
  DeliveryStatusValue,
  EventEnvelope,
  EventRejection,
  EventSchema,
  InboundMessage,
  ParseResult,
  UnhandledEvent,
} from "./types";

// Size limits. Event Grid caps an event, and a push delivery batch, at 1 MB. Anything larger than that cannot have come
// from Event Grid, so the limits only ever bite hostile or broken input, and they bound the work done on it.

/** JSON text: 1 MB of UTF-8 can take up to 4 MiB of UTF-16 code units once escaped (`\u00e9` is 6 for 2 bytes). */
const MAX_JSON_LENGTH = 4 * 1024 * 1024;
/** Event Grid's largest `maxEventsPerBatch`. */
const MAX_BATCH_EVENTS = 5000;
/** Message text is kept whole up to the size of a whole Event Grid event. */
const MAX_CONTENT_LENGTH = 1024 * 1024;
/** Captions, titles, descriptions, payloads, file names, error messages: WhatsApp's own limits are far lower. */
const MAX_TEXT_LENGTH = 64 * 1024;
/** IDs, types, codes, MIME types, emoji, timestamps. */
const MAX_TOKEN_LENGTH = 256;
/** Envelope strings: resource paths and subjects are long but bounded. */
const MAX_ENVELOPE_LENGTH = 4096;
const MAX_SUMMARY_LENGTH = 200;
/** How much of a text the summary looks at, so a 1 MB message costs no more to summarise than a short one. */
const SUMMARY_SCAN_LENGTH = 4 * MAX_SUMMARY_LENGTH;

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
const MEDIA_MESSAGE_TYPES: ReadonlySet<string> = new Set(["image", "document", "video", "audio", "sticker"]);
const KNOWN_CHANNEL_TYPES: ReadonlySet<string> = new Set(["whatsapp"]);
const KNOWN_STATUSES: ReadonlySet<string> = new Set<DeliveryStatusValue>([
  "sent",
  "delivered",
  "read",
  "failed",
  "warning",
  "unknown",
]);

/**
 * The media ID ends up as a path segment of `/messages/streams/{id}`; a leading letter or digit rules out `.` and `..`,
 * and the alphabet rules out `/`, `?`, `#` and `%`.
 */
const MEDIA_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._=+-]{0,199}$/;
/** RFC 3339 / ISO 8601 with a mandatory offset: a time without one would be read in the server's local zone. */
const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
/** Control characters, line/paragraph separators and bidi overrides: a summary must stay one honest line in logs. */
// eslint-disable-next-line no-control-regex
const UNSAFE_SUMMARY_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

type JsonObject = Record<string, unknown>;
type KnownEventFacts = Pick<EventRejection, "eventId" | "eventType">;

/**
 * The parser's own rejections. A private class, so that nothing thrown from inside the input (a hostile getter) can pass
 * itself off as a validation result.
 */
class EventRejected extends ValidationError {}

function reject(code: string, field: string | undefined, reason: string): never {
  throw new EventRejected(reason, field === undefined ? { code } : { code, field });
}

/** Runs one of the project's value parsers and turns its `ValidationError` into the parser's own rejection. */
function adopt<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValidationError) {
      reject(error.code, error.field, error.message.endsWith(".") ? error.message : `${error.message}.`);
    }
    throw error;
  }
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
export function parseAdvancedMessageEvent(raw: unknown): ParseResult<AdvancedMessageEvent> {
  return parseGuarded(() => raw, true);
}

/**
 * Parses an Event Grid delivery (an array of events, as an array or as JSON text) or a single event.
 *
 * Each element is parsed on its own, so one bad event does not hide the good ones: the result has one entry per
 * element, in order. Input that is not readable as a whole (broken JSON, an oversized batch) gives a single rejection.
 * An empty array gives an empty result. Never throws.
 */
export function parseAdvancedMessageEvents(raw: unknown): ParseResult<AdvancedMessageEvent>[] {
  try {
    const value = typeof raw === "string" ? parseJsonText(raw) : raw;
    // Already decoded: a JSON string inside the JSON text is double encoding, not an event.
    if (!Array.isArray(value)) return [parseGuarded(() => value, false)];
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
    for (let index = 0; index < count; index += 1) results.push(parseGuarded(() => events[index], false));
    return results;
  } catch (error) {
    return [{ ok: false, rejection: toRejection(error, {}) }];
  }
}

/** `read` runs inside the guard too, because reading an element of a hostile array can throw. */
function parseGuarded(read: () => unknown, acceptText: boolean): ParseResult<AdvancedMessageEvent> {
  const known: KnownEventFacts = {};
  try {
    const raw = read();
    return { ok: true, value: parseEvent(acceptText && typeof raw === "string" ? parseJsonText(raw) : raw, known) };
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

function parseEvent(event: unknown, known: KnownEventFacts): AdvancedMessageEvent {
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
  if (type === ADVANCED_MESSAGE_RECEIVED.toLowerCase()) return readReceived(readData(event, envelope), envelope);
  if (type === ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED.toLowerCase()) {
    return readStatus(readData(event, envelope), envelope);
  }
  return { kind: "unhandled", envelope };
}

function readEnvelope(event: JsonObject, known: KnownEventFacts): EventEnvelope {
  const specversion = own(event, "specversion" satisfies keyof WireCloudEvent);
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

function readReceived(data: JsonObject, envelope: EventEnvelope): InboundMessage {
  type Key = keyof WireAdvancedMessageReceivedData;
  const key = <K extends Key>(name: K): K => name;

  const channelId = requiredChannel(data, key("to"));
  const { phone: fromPhone, bsuid: fromBsuid } = readParty(data, key("from"), key("fromBSUID"));
  if (fromPhone === undefined && fromBsuid === undefined) {
    reject(
      "no_sender",
      "data.fromBSUID",
      "The message has no sender: data.from holds no phone number and data.fromBSUID no BSUID, so it cannot be " +
        "attributed to a contact.",
    );
  }
  const messageId = requiredMessageId(data, key("messageId"), "data.messageId");
  const messageType = normaliseMessageType(requiredString(data, key("messageType"), "data.messageType"));
  const channelType = readChannelType(data);
  const receivedAt = readReceivedAt(data, envelope);

  const content = optionalString(data, key("content"), "data.content", MAX_CONTENT_LENGTH);
  const media = readMedia(data);
  const context = readContext(data);
  const button = readButton(data);
  const interactive = readInteractive(data);
  const reaction = readReaction(data);

  const message: InboundMessage = {
    kind: "received",
    envelope,
    messageId,
    channelId,
    channelType,
    fromPhone,
    fromBsuid,
    messageType,
    receivedAt,
    summary: "",
  };
  if (content !== undefined) message.content = content;
  if (media !== undefined) message.media = media;
  if (context !== undefined) message.context = context;
  if (button !== undefined) message.button = button;
  if (interactive !== undefined) message.interactive = interactive;
  if (reaction !== undefined) message.reaction = reaction;
  message.summary = summarise(message);
  return message;
}

function readStatus(data: JsonObject, envelope: EventEnvelope): DeliveryStatusUpdate {
  type Key = keyof WireAdvancedMessageDeliveryStatusUpdatedData;
  const key = <K extends Key>(name: K): K => name;

  const channelId = requiredChannel(data, key("from"));
  const { phone: toPhone, bsuid: toBsuid } = readParty(data, key("to"), key("toBSUID"));
  const messageId = requiredMessageId(data, key("messageId"), "data.messageId");
  const rawStatus = requiredString(data, key("status"), "data.status");
  const normalised = rawStatus.trim().toLowerCase();
  const status = KNOWN_STATUSES.has(normalised) ? (normalised as DeliveryStatusValue) : "unknown";
  const channelType = readChannelType(data);
  const receivedAt = readReceivedAt(data, envelope);
  const error = readDeliveryError(data);

  const update: DeliveryStatusUpdate = {
    kind: "status",
    envelope,
    messageId,
    channelId,
    channelType,
    toPhone,
    toBsuid,
    status,
    rawStatus,
    receivedAt,
  };
  if (error !== undefined) update.error = error;
  return update;
}

// ---- fields ----------------------------------------------------------------------------------------------------

function requiredChannel(data: JsonObject, key: string): ChannelId {
  const field = `data.${key}`;
  const value = requiredString(data, key, field);
  return adopt(() => parseChannelId(value, field));
}

/**
 * Reads a party's phone field and BSUID field. The phone field may itself hold a BSUID (the subject carries the BSUID
 * in the sender position when the phone is hidden, and `from` may follow it): that is taken as the BSUID rather than
 * rejected, because rejecting it would drop exactly the username users this app exists to keep.
 */
function readParty(
  data: JsonObject,
  phoneKey: string,
  bsuidKey: string,
): { phone: PhoneNumber | undefined; bsuid: Bsuid | undefined } {
  const raw = data[phoneKey];
  if (!(typeof raw === "string" && isBsuid(raw))) {
    const phone = optionalPhone(data, phoneKey);
    return { phone, bsuid: optionalBsuid(data, bsuidKey) };
  }
  const bsuid = optionalBsuid(data, bsuidKey);
  if (bsuid !== undefined && bsuid !== raw) {
    reject(
      "conflicting_identifiers",
      `data.${phoneKey}`,
      `data.${phoneKey} holds a BSUID that differs from data.${bsuidKey}, so the party is ambiguous.`,
    );
  }
  return { phone: undefined, bsuid: raw };
}

function optionalPhone(data: JsonObject, key: string): PhoneNumber | undefined {
  const field = `data.${key}`;
  // No length limit here: tryParsePhoneNumber refuses long input before doing any work.
  const value = optionalString(data, key, field, Number.POSITIVE_INFINITY);
  if (value === undefined) return undefined;
  const phone = tryParsePhoneNumber(value);
  if (phone !== undefined) return phone;
  reject(
    "invalid_phone",
    field,
    `${field} is not a valid phone number: expected international digits such as 14255551234, optionally with a ` +
      `leading +; got a string of ${value.length} characters.`,
  );
}

function optionalBsuid(data: JsonObject, key: string): Bsuid | undefined {
  const field = `data.${key}`;
  // No length limit here: the BSUID pattern is anchored and bounded, so long input fails fast.
  const value = optionalString(data, key, field, Number.POSITIVE_INFINITY);
  if (value === undefined) return undefined;
  return adopt(() => parseBsuid(value, field));
}

function requiredMessageId(object: JsonObject, key: string, field: string): MessageId {
  const value = requiredString(object, key, field);
  return adopt(() => parseMessageId(value, field));
}

function normaliseMessageType(value: string): string {
  const lower = value.toLowerCase();
  return KNOWN_MESSAGE_TYPES.has(lower) ? lower : value;
}

function readChannelType(data: JsonObject): string {
  const value = requiredString(data, "channelType", "data.channelType");
  const lower = value.toLowerCase();
  return KNOWN_CHANNEL_TYPES.has(lower) ? lower : value;
}

/**
 * Reads `receivedTimestamp` (docs) or `receivedTimeStamp` (generated SDKs); without either, the envelope time stands in,
 * since it is at most seconds later and a message without a time cannot drive the 24-hour window.
 */
function readReceivedAt(data: JsonObject, envelope: EventEnvelope): string {
  const documented = optionalString(data, "receivedTimestamp", "data.receivedTimestamp");
  const generated = optionalString(data, "receivedTimeStamp", "data.receivedTimeStamp");
  if (documented !== undefined) return toUtcIso(documented, "data.receivedTimestamp");
  if (generated !== undefined) return toUtcIso(generated, "data.receivedTimeStamp");
  const timeField = envelope.schema === "eventgrid" ? "eventTime" : "time";
  if (envelope.time !== undefined && envelope.time !== "") return toUtcIso(envelope.time, timeField);
  reject(
    "missing_field",
    "data.receivedTimestamp",
    `data.receivedTimestamp is missing and the envelope has no ${timeField} to fall back on.`,
  );
}

function toUtcIso(value: string, field: string): string {
  const match = TIMESTAMP_PATTERN.exec(value);
  const millis = match === null ? Number.NaN : timestampMillis(match);
  if (Number.isNaN(millis)) {
    reject(
      "invalid_timestamp",
      field,
      `${field} is not a valid ISO 8601 timestamp with a time zone (e.g. 2026-11-20T09:15:01+00:00).`,
    );
  }
  return new Date(millis).toISOString();
}

/** Milliseconds since the epoch, or NaN for impossible dates (Date.parse would roll 30 February over into March). */
function timestampMillis(match: RegExpExecArray): number {
  const number = (index: number): number => Number(match[index] ?? "0");
  const year = number(1);
  const month = number(2);
  const day = number(3);
  const hour = number(4);
  const minute = number(5);
  const second = number(6);
  const millisecond = Number((match[7] ?? "").padEnd(3, "0").slice(0, 3));
  const sign = match[9] === "-" ? -1 : 1;
  const offsetHours = number(10);
  const offsetMinutes = number(11);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  if (offsetHours > 23 || offsetMinutes > 59) return Number.NaN;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 onto 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return Number.NaN;
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

// ---- message parts ---------------------------------------------------------------------------------------------

function readMedia(data: JsonObject): InboundMedia | undefined {
  type Key = keyof WireMedia;
  const key = <K extends Key>(name: K): K => name;
  const media = optionalObject(data, "media" satisfies keyof WireAdvancedMessageReceivedData, "data.media");
  if (media === undefined) return undefined;

  const mimeType = requiredString(media, key("mimeType"), "data.media.mimeType");
  const id = requiredString(media, key("id"), "data.media.id");
  if (!MEDIA_ID_PATTERN.test(id)) {
    reject(
      "invalid_media_id",
      "data.media.id",
      "data.media.id must be a media ID of 1-200 letters, digits or . _ = + - starting with a letter or digit.",
    );
  }
  const fileName = optionalString(media, key("fileName"), "data.media.fileName", MAX_TEXT_LENGTH);
  const caption = optionalString(media, key("caption"), "data.media.caption", MAX_TEXT_LENGTH);
  const animated = optionalBoolean(media, key("animated"), "data.media.animated");

  const result: InboundMedia = { mimeType, id };
  if (fileName !== undefined) result.fileName = fileName;
  if (caption !== undefined) result.caption = caption;
  if (animated !== undefined) result.animated = animated;
  return result;
}

function readContext(data: JsonObject): InboundContext | undefined {
  type Key = keyof WireContext;
  const key = <K extends Key>(name: K): K => name;
  const context = optionalObject(data, "context" satisfies keyof WireAdvancedMessageReceivedData, "data.context");
  if (context === undefined) return undefined;

  const from = optionalString(context, key("from"), "data.context.from");
  const id = optionalString(context, key("id"), "data.context.id");
  const result: InboundContext = {};
  if (from !== undefined) result.from = from;
  if (id !== undefined) result.messageId = adopt(() => parseMessageId(id, "data.context.id"));
  return Object.keys(result).length === 0 ? undefined : result;
}

function readButton(data: JsonObject): InboundButton | undefined {
  type Key = keyof WireButton;
  const key = <K extends Key>(name: K): K => name;
  const button = optionalObject(data, "button" satisfies keyof WireAdvancedMessageReceivedData, "data.button");
  if (button === undefined) return undefined;

  const text = optionalString(button, key("text"), "data.button.text", MAX_TEXT_LENGTH);
  const payload = optionalString(button, key("payload"), "data.button.payload", MAX_TEXT_LENGTH);
  const result: InboundButton = {};
  if (text !== undefined) result.text = text;
  if (payload !== undefined) result.payload = payload;
  return Object.keys(result).length === 0 ? undefined : result;
}

function readInteractive(data: JsonObject): InboundInteractive | undefined {
  type Key = keyof WireInteractive;
  const key = <K extends Key>(name: K): K => name;
  const interactive = optionalObject(
    data,
    "interactive" satisfies keyof WireAdvancedMessageReceivedData,
    "data.interactive",
  );
  if (interactive === undefined) return undefined;

  const type = requiredString(interactive, key("type"), "data.interactive.type");
  const result: InboundInteractive = { type };

  const buttonReply = optionalObject(interactive, key("buttonReply"), "data.interactive.buttonReply");
  if (buttonReply !== undefined) {
    const field = (name: keyof WireButtonReply): string => `data.interactive.buttonReply.${name}`;
    result.buttonReply = {
      id: requiredString(buttonReply, "id", field("id"), MAX_TEXT_LENGTH),
      title: requiredString(buttonReply, "title", field("title"), MAX_TEXT_LENGTH),
    };
  }

  const listReply = optionalObject(interactive, key("listReply"), "data.interactive.listReply");
  if (listReply !== undefined) {
    const field = (name: keyof WireListReply): string => `data.interactive.listReply.${name}`;
    const description = optionalString(listReply, "description", field("description"), MAX_TEXT_LENGTH);
    result.listReply = {
      id: requiredString(listReply, "id", field("id"), MAX_TEXT_LENGTH),
      title: requiredString(listReply, "title", field("title"), MAX_TEXT_LENGTH),
      ...(description === undefined ? {} : { description }),
    };
  }
  return result;
}

function readReaction(data: JsonObject): InboundReaction | undefined {
  type Key = keyof WireReaction;
  const key = <K extends Key>(name: K): K => name;
  const reaction = optionalObject(data, "reaction" satisfies keyof WireAdvancedMessageReceivedData, "data.reaction");
  if (reaction === undefined) return undefined;

  const messageId = requiredMessageId(reaction, key("messageId"), "data.reaction.messageId");
  const emoji = optionalString(reaction, key("emoji"), "data.reaction.emoji");
  return emoji === undefined ? { messageId } : { messageId, emoji };
}

function readDeliveryError(data: JsonObject): DeliveryStatusUpdate["error"] {
  type Key = keyof WireDeliveryError;
  const key = <K extends Key>(name: K): K => name;
  const error = optionalObject(
    data,
    "error" satisfies keyof WireAdvancedMessageDeliveryStatusUpdatedData,
    "data.error",
  );
  if (error === undefined) return undefined;

  const code = own(error, key("channelCode"));
  // ACS sends the code as a string; Meta's own API as an integer. Both mean the same code.
  const channelCode =
    typeof code === "number" && Number.isSafeInteger(code)
      ? String(code)
      : checkString(code, "data.error.channelCode", MAX_TOKEN_LENGTH);
  const channelMessage = optionalString(error, key("channelMessage"), "data.error.channelMessage", MAX_TEXT_LENGTH);

  const result: NonNullable<DeliveryStatusUpdate["error"]> = {};
  if (channelCode !== undefined) result.channelCode = channelCode;
  if (channelMessage !== undefined) result.channelMessage = channelMessage;
  return Object.keys(result).length === 0 ? undefined : result;
}

// ---- summary ---------------------------------------------------------------------------------------------------

type SummaryInput = Pick<InboundMessage, "messageType" | "content" | "media" | "button" | "interactive" | "reaction">;

/** One short, log-safe line describing what the person sent, for previews and logs. */
function summarise(message: SummaryInput): string {
  const { messageType, content, media, button, interactive, reaction } = message;
  if (messageType === "text") return oneLine(content ?? "") || "[text]";
  if (MEDIA_MESSAGE_TYPES.has(messageType)) {
    const detail = media?.caption ?? (messageType === "document" ? media?.fileName : undefined);
    return labelled(`[${messageType}]`, detail);
  }
  if (messageType === "reaction") {
    if (reaction === undefined) return "[reaction]";
    return reaction.emoji === undefined ? "[reaction removed]" : labelled("[reaction]", reaction.emoji);
  }
  if (messageType === "button") return labelled("[button]", button?.text ?? button?.payload);
  if (messageType === "interactive") {
    // `type` says which reply counts; the presence of the objects is only the fallback.
    const buttonTitle = interactive?.buttonReply?.title;
    const listTitle = interactive?.listReply?.title;
    if (interactive?.type.toLowerCase() === "listreply" && listTitle !== undefined) {
      return labelled("[list reply]", listTitle);
    }
    if (buttonTitle !== undefined) return labelled("[button reply]", buttonTitle);
    if (listTitle !== undefined) return labelled("[list reply]", listTitle);
    return "[interactive]";
  }
  // A type this code does not know yet: say what it is, and show its text if it has any.
  return labelled(`[${oneLine(messageType.slice(0, 40))}]`, content ?? media?.caption);
}

function labelled(label: string, detail: string | undefined): string {
  const text = detail === undefined ? "" : oneLine(detail);
  return text === "" ? label : truncate(`${label} ${text}`);
}

/** Collapses a text of any length into one safe line of at most {@link MAX_SUMMARY_LENGTH} characters. */
function oneLine(text: string): string {
  let head = text.slice(0, SUMMARY_SCAN_LENGTH);
  const last = head.charCodeAt(head.length - 1);
  // Do not leave half of a surrogate pair at the cut.
  if (head.length < text.length && last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  const line = head.replace(UNSAFE_SUMMARY_CHARACTERS, " ").replace(/\s+/g, " ").trim();
  if (line === "") return "";
  return truncate(head.length < text.length ? `${line}…` : line);
}

/** Cuts at a grapheme boundary so an emoji or accented letter is never split, and marks the cut with an ellipsis. */
function truncate(text: string): string {
  if (text.length <= MAX_SUMMARY_LENGTH) return text;
  let result = "";
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)) {
    if (result.length + segment.length > MAX_SUMMARY_LENGTH - 1) break;
    result += segment;
  }
  return `${result.trimEnd()}…`;
}

// ---- primitives ------------------------------------------------------------------------------------------------

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Own properties only: a polluted `Object.prototype` must not be able to supply a sender. */
function own(object: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}

/** `undefined`, `null` and `""` all mean "no value": the service uses all three for hidden phone numbers. */
function optionalString(
  object: JsonObject,
  key: string,
  field: string,
  maxLength: number = MAX_TOKEN_LENGTH,
): string | undefined {
  return checkString(own(object, key), field, maxLength);
}

function checkString(value: unknown, field: string, maxLength: number): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") reject("invalid_type", field, `${field} must be a string; got ${describe(value)}.`);
  if (value.length > maxLength) {
    reject("field_too_long", field, `${field} is ${value.length} characters long; at most ${maxLength} are accepted.`);
  }
  return value;
}

/** Each property is read once: a getter may answer differently on a second read. */
function requiredString(object: JsonObject, key: string, field: string, maxLength: number = MAX_TOKEN_LENGTH): string {
  const raw = own(object, key);
  const value = checkString(raw, field, maxLength);
  if (value === undefined || value.trim() === "") {
    reject("missing_field", field, `${field} is ${raw === undefined || raw === null ? "missing" : "empty"}.`);
  }
  return value;
}

function optionalObject(object: JsonObject, key: string, field: string): JsonObject | undefined {
  const value = own(object, key);
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) reject("invalid_type", field, `${field} must be a JSON object; got ${describe(value)}.`);
  return value;
}

function optionalBoolean(object: JsonObject, key: string, field: string): boolean | undefined {
  const value = own(object, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean")
    reject("invalid_type", field, `${field} must be true or false; got ${describe(value)}.`);
  return value;
}
