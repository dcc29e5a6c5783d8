/**
 * ACS Advanced Messaging events exactly as the JSON arrives, in both delivery schemas.
 *
 * These types describe what the service documents; they promise nothing about a given payload. The parser treats its
 * input as `unknown` and uses these types only to name fields, so a misspelt key (`fromBsuid` for `fromBSUID`) fails to
 * compile instead of silently reading `undefined`.
 *
 * `@azure/eventgrid`'s ACS typings are deliberately not used: they rename wire fields (`mediaContent` for `media`,
 * `channelKind` for `channelType`) and have no BSUID fields.
 */

/** Event type of an inbound WhatsApp message. */
export const ADVANCED_MESSAGE_RECEIVED = "Microsoft.Communication.AdvancedMessageReceived";
/** Event type of a delivery status change of a message the business sent. */
export const ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated";

/**
 * A field the service may leave out, send as `null` or send as `""`; all three mean "no value".
 * `from`/`to` phone fields became like this when users could hide their number behind a username.
 */
export type WireOptional<T> = T | null | undefined;

/** Event Grid schema envelope. */
export interface WireEventGridEvent<TData = unknown> {
  id: string;
  /** Full resource path of the ACS resource; Event Grid adds it on delivery. */
  topic?: string;
  subject: string;
  eventType: string;
  dataVersion: string;
  metadataVersion?: string;
  eventTime: string;
  data: TData;
}

/**
 * CloudEvents 1.0 structured-mode envelope (JSON format). Deliveries spell the attribute `specversion`; the Event Grid
 * spec's own CloudEvents examples spell it `specVersion`, which is read too.
 */
export interface WireCloudEvent<TData = unknown> {
  specversion?: "1.0";
  specVersion?: "1.0";
  id: string;
  source: string;
  subject?: string;
  type: string;
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  data: TData;
}

/** Media part of image, document, video, audio and sticker messages; `id` is fetched from `/messages/streams/{id}`. */
export interface WireMedia {
  mimeType: string;
  id: string;
  fileName?: WireOptional<string>;
  caption?: WireOptional<string>;
  /** Stickers only. A boolean in the TypeSpec and its examples, a string (`"true"`) in the docs' table: both are read. */
  animated?: WireOptional<boolean | string>;
}

/** The message an inbound message replies to. */
export interface WireContext {
  /** The business number the original message came from (digits, no `+`). */
  from?: WireOptional<string>;
  /** ID of the original message: an ACS ID, or WhatsApp's own (`wamid.` + base64, which may hold `/`, `+`, `=`). */
  id?: WireOptional<string>;
}

/** A template quick-reply button press. */
export interface WireButton {
  text?: WireOptional<string>;
  payload?: WireOptional<string>;
}

/** Both fields are optional in the TypeSpec. */
export interface WireButtonReply {
  id?: WireOptional<string>;
  title?: WireOptional<string>;
}

/** `id` and `title` are optional in the TypeSpec. */
export interface WireListReply {
  id?: WireOptional<string>;
  title?: WireOptional<string>;
  /** Documented as present, but WhatsApp list rows may have no description, so the reply may lack it. */
  description?: WireOptional<string>;
}

/** Reply to an interactive message; `type` says which of the reply objects is filled. */
export interface WireInteractive {
  /** `buttonReply` or `listReply` today; other values may appear. Optional in the TypeSpec. */
  type?: WireOptional<string>;
  buttonReply?: WireOptional<WireButtonReply>;
  listReply?: WireOptional<WireListReply>;
}

/** A reaction to an earlier message; no `emoji` means the reaction was removed. */
export interface WireReaction {
  /** The message reacted to: an ACS ID or WhatsApp's own (`wamid.…`). */
  messageId?: WireOptional<string>;
  emoji?: WireOptional<string>;
}

/** Delivery failure details, e.g. `{ channelCode: "131026", channelMessage: "Message Undeliverable." }`. */
export interface WireDeliveryError {
  /** A string in ACS events; Meta's own API uses integers, so both are read. */
  channelCode?: WireOptional<string | number>;
  channelMessage?: WireOptional<string>;
}

/**
 * Timestamp keys: the docs and JSON samples write `receivedTimestamp`, the spec-generated Java/.NET SDKs
 * `receivedTimeStamp`. Both are read.
 */
export interface WireTimestamps {
  receivedTimestamp?: WireOptional<string>;
  receivedTimeStamp?: WireOptional<string>;
}

/** `data` of `Microsoft.Communication.AdvancedMessageReceived`. */
export interface WireAdvancedMessageReceivedData extends WireTimestamps {
  channelType: string;
  /** Sender phone number, digits without `+`; empty when the user hides it behind a username. */
  from?: WireOptional<string>;
  /** Sender BSUID ("when available"). Upper-case `BSUID` in the key. */
  fromBSUID?: WireOptional<string>;
  /** Channel registration ID (a GUID) that received the message. */
  to: string;
  /**
   * Optional in the TypeSpec, and absent from every received sample Microsoft publishes: without it the message is
   * keyed by the Event Grid event ID.
   */
  messageId?: WireOptional<string>;
  messageType: string;
  content?: WireOptional<string>;
  media?: WireOptional<WireMedia>;
  context?: WireOptional<WireContext>;
  button?: WireOptional<WireButton>;
  interactive?: WireOptional<WireInteractive>;
  reaction?: WireOptional<WireReaction>;
}

/** `data` of `Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated`. */
export interface WireAdvancedMessageDeliveryStatusUpdatedData extends WireTimestamps {
  /** The ID the send call returned. Optional in the TypeSpec. */
  messageId?: WireOptional<string>;
  /** `Sent`, `Delivered`, `Read`, `Failed`, ...; casing varies between sources. Optional in the TypeSpec. */
  status?: WireOptional<string>;
  channelType: string;
  /** Channel registration ID (a GUID) that sent the message. */
  from: string;
  /** Recipient phone number, digits without `+`; empty when the message was sent to a BSUID. */
  to?: WireOptional<string>;
  /** Recipient BSUID ("when available"). */
  toBSUID?: WireOptional<string>;
  error?: WireOptional<WireDeliveryError>;
}
