import type { Bsuid } from "../core/values/Bsuid";
import type { ChannelId } from "../core/values/ChannelId";
import type { PhoneNumber } from "../core/values/PhoneNumber";
import type { MessageId } from "../core/values/identifiers";

/** Which delivery schema an event arrived in. */
export type EventSchema = "eventgrid" | "cloudevents";

/** Envelope metadata common to both schemas, with the schema-specific names mapped onto one shape. */
export interface EventEnvelope {
  id: string;
  schema: EventSchema;
  /** As sent (Event Grid `eventType`, CloudEvents `type`). */
  eventType: string;
  /** As sent; informational only, because its sender segment may be a phone or a BSUID. Read `data` instead. */
  subject: string | undefined;
  /** As sent (Event Grid `eventTime`, CloudEvents `time`), not normalised. */
  time: string | undefined;
  /** Event Grid `topic` or CloudEvents `source`: the ACS resource. */
  source: string | undefined;
}

/** Why an event was refused. Safe to log: reasons describe the problem but never repeat phone numbers or BSUIDs. */
export interface EventRejection {
  /** Stable snake_case code, e.g. `invalid_bsuid`, `no_sender`, `malformed_json`. */
  code: string;
  /** A sentence a person can read, naming the field. */
  reason: string;
  /** Path of the offending field as it appears on the wire, e.g. `data.fromBSUID`. */
  field?: string;
  /** Set once the envelope was readable enough to know it. */
  eventId?: string;
  eventType?: string;
}

/**
 * Something unusual in an event that was accepted anyway: an optional part missing or malformed. The message is kept
 * and processed; the warning says what was odd, so a person can look. Safe to store and show: identifiers in `raw` are
 * masked.
 */
export interface MessageWarning {
  /** Stable snake_case code, e.g. `missing_message_id`, `unusable_phone`, `timestamp_without_offset`. */
  code: string;
  /** Path of the field on the wire, e.g. `data.media.animated`. */
  field: string;
  /** A sentence saying what was odd and what the app did instead. */
  message: string;
  /** The value as sent, as JSON, cut to 200 characters; phone numbers and BSUIDs masked. Absent when missing. */
  raw?: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; rejection: EventRejection };

/**
 * The inbound port of a messaging provider: one raw event as the platform delivered it, read into the normalized
 * message or status the use cases consume (or a rejection saying why it cannot be processed). ACS's Event Grid events
 * are read by `parseAdvancedMessageEvent`; another provider brings its own parser and wires it in `lib/app`.
 */
export type InboundEventParser = (raw: unknown) => ParseResult<AdvancedMessageEvent>;

/** Media of an image, document, video, audio or sticker message. */
export interface InboundMedia {
  mimeType: string;
  /** Download with `/messages/streams/{id}`; checked to be a safe path segment. Absent when unusable (see warnings). */
  id?: string;
  fileName?: string;
  caption?: string;
  animated?: boolean;
}

/** The earlier message this one replies to. */
export interface InboundContext {
  /** The business number the earlier message came from, as sent (not validated: it is ours, not the sender's). */
  from?: string;
  messageId?: MessageId;
}

/** A template quick-reply button press. */
export interface InboundButton {
  text?: string;
  payload?: string;
}

/** A reply to an interactive (button or list) message. */
export interface InboundInteractive {
  /** As sent, e.g. `buttonReply`, `listReply`; absent when the event leaves it out (it is optional). */
  type?: string;
  buttonReply?: { id?: string; title?: string };
  listReply?: { id?: string; title?: string; description?: string };
}

/** A reaction to an earlier message. */
export interface InboundReaction {
  /** Absent when the event's ID is missing or unusable (see warnings). */
  messageId?: MessageId;
  /** Absent when the user removed their reaction. */
  emoji?: string;
}

/** An inbound WhatsApp message (`AdvancedMessageReceived`). At least one of `fromPhone` and `fromBsuid` is set. */
export interface InboundMessage {
  kind: "received";
  envelope: EventEnvelope;
  /** `data.messageId` in its stored form; `event!{event ID}` when the event has none (see `parseMessageId`). */
  messageId: MessageId;
  /** The channel that received the message (`data.to`), lower case. */
  channelId: ChannelId;
  channelType: string;
  /** E.164 with `+`; undefined when the user hides their number. */
  fromPhone: PhoneNumber | undefined;
  /** Byte for byte as sent; undefined only on events from before BSUIDs. */
  fromBsuid: Bsuid | undefined;
  /** Lower case for known types; unknown (future) types are kept as sent rather than dropping the message. */
  messageType: string;
  /** ISO 8601 UTC (`toISOString()`); the envelope time when the data carried no timestamp. */
  receivedAt: string;
  /** Kept whole, however long; use `summary` for logs and previews. */
  content?: string;
  media?: InboundMedia;
  context?: InboundContext;
  button?: InboundButton;
  interactive?: InboundInteractive;
  reaction?: InboundReaction;
  /** One line of at most 200 characters, e.g. `[image] The damaged box`, `[reaction] 👍`, `[list reply] Priority Mail`. */
  summary: string;
  /** What was odd about the event but did not stop it from being processed; empty for a clean event. */
  warnings: MessageWarning[];
  /**
   * Where the event's routing subject names another sender or channel than its data (masked descriptions, never the
   * identifiers). The data is used; set by providers whose events carry such a subject (ACS's Event Grid events), only
   * when they disagree.
   */
  subjectMismatches?: string[];
}

export type DeliveryStatusValue = "sent" | "delivered" | "read" | "failed" | "warning" | "unknown";

/** A delivery status change of a message the business sent (`AdvancedMessageDeliveryStatusUpdated`). */
export interface DeliveryStatusUpdate {
  kind: "status";
  envelope: EventEnvelope;
  /** The ID the send call returned; `event!{event ID}` when the event has none (then it matches no send). */
  messageId: MessageId;
  /** The channel that sent the message (`data.from`), lower case. */
  channelId: ChannelId;
  channelType: string;
  toPhone: PhoneNumber | undefined;
  toBsuid: Bsuid | undefined;
  /** Case-insensitive reading of `rawStatus`; anything outside the known set is `unknown`, never dropped. */
  status: DeliveryStatusValue;
  /** As sent. */
  rawStatus: string;
  error?: { channelCode?: string; channelMessage?: string };
  /** ISO 8601 UTC (`toISOString()`); the envelope time when the data carried no timestamp. */
  receivedAt: string;
  /** What was odd about the event but did not stop it from being processed; empty for a clean event. */
  warnings: MessageWarning[];
}

/** A well-formed event of another type (e.g. `AdvancedMessageAnalysisCompleted`): acknowledge, do not process. */
export interface UnhandledEvent {
  kind: "unhandled";
  envelope: EventEnvelope;
}

export type AdvancedMessageEvent = InboundMessage | DeliveryStatusUpdate | UnhandledEvent;
