import { ValidationError } from "../../core/errors";
import type { InboundMessage } from "../../events/types";
import type { Contact } from "../identity/types";

/**
 * The JSON a `forward` route puts on the queue (base64-encoded, the Functions queue trigger's default encoding).
 *
 * Delivery is **at least once**: the same message can arrive twice (an Event Grid redelivery racing another, or a
 * crash between enqueueing and recording). `dedupeKey` is the same on every copy; consumers keep the first.
 */
export interface ForwardMessage {
  /** Bumped on incompatible changes. */
  schemaVersion: 1;
  /** `{messageId}:{route}`: identical on every copy of this forward. */
  dedupeKey: string;
  route: string;
  /** The Event Grid event ID (redeliveries keep it). */
  eventId: string;
  /** The inbound WhatsApp message ID. */
  messageId: string;
  contactId: string;
  /** The contact's BSUID (this message's when the contact has none). */
  bsuid: string | null;
  /** The contact's phone, E.164 with `+`, when known, even if this message hid it; else null. */
  phone: string | null;
  /** The CRM ID of the contact, when it was imported with one. */
  externalId: string | null;
  /** The identifiers exactly as this message carried them (a username user has `phone: null`). */
  sender: { bsuid: string | null; phone: string | null };
  channelId: string;
  channelType: string;
  messageType: string;
  receivedAt: string;
  /** Text content; null for media, reactions and the like. */
  content: string | null;
  /** True when `content` was shortened to fit the 64 KiB queue message limit. */
  contentTruncated: boolean;
  summary: string;
  media: InboundMessage["media"] | null;
  context: InboundMessage["context"] | null;
  button: InboundMessage["button"] | null;
  interactive: InboundMessage["interactive"] | null;
  reaction: InboundMessage["reaction"] | null;
}

/** The forward queue. */
export interface ForwardQueue {
  readonly queueName: string;
  /** Enqueues `message` (base64 JSON). Throws {@link TransientError} when the queue is unreachable. */
  send(message: ForwardMessage): Promise<void>;
}

/** Storage Queue's limit for one message, counted on the encoded (base64) text. */
export const MAX_QUEUE_MESSAGE_BYTES = 64 * 1024;
// Base64 turns 3 bytes into 4 characters.
const MAX_JSON_BYTES = Math.floor(MAX_QUEUE_MESSAGE_BYTES / 4) * 3;

/**
 * Builds the forward message for one route and inbound message. Deterministic for a given input (no enqueue time, no
 * random IDs), so a redelivered event produces the same message with the same `dedupeKey`.
 *
 * WhatsApp text is at most 4,096 characters, so content normally goes whole; a longer text (the parser keeps up to
 * 1 MB) is cut at a character boundary to fit the queue's 64 KiB and flagged with `contentTruncated`.
 */
export function buildForwardMessage(
  route: string,
  inbound: InboundMessage,
  contact: Pick<Contact, "contactId" | "bsuid" | "phone" | "externalId">,
): ForwardMessage {
  const message: ForwardMessage = {
    schemaVersion: 1,
    dedupeKey: `${inbound.messageId}:${route}`,
    route,
    eventId: inbound.envelope.id,
    messageId: inbound.messageId,
    contactId: contact.contactId,
    bsuid: contact.bsuid ?? inbound.fromBsuid ?? null,
    phone: contact.phone ?? inbound.fromPhone ?? null,
    externalId: contact.externalId ?? null,
    sender: { bsuid: inbound.fromBsuid ?? null, phone: inbound.fromPhone ?? null },
    channelId: inbound.channelId,
    channelType: inbound.channelType,
    messageType: inbound.messageType,
    receivedAt: inbound.receivedAt,
    content: inbound.content ?? null,
    contentTruncated: false,
    summary: inbound.summary,
    media: inbound.media ?? null,
    context: inbound.context ?? null,
    button: inbound.button ?? null,
    interactive: inbound.interactive ?? null,
    reaction: inbound.reaction ?? null,
  };
  if (fitsInQueueMessage(message) || message.content === null) return message;
  // Binary search on code points, so a surrogate pair is never split and JSON escaping is accounted for exactly.
  const points = Array.from(message.content);
  const cut = (count: number): ForwardMessage => ({
    ...message,
    content: points.slice(0, count).join(""),
    contentTruncated: true,
  });
  let low = 0;
  let high = points.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fitsInQueueMessage(cut(middle))) low = middle;
    else high = middle - 1;
  }
  return cut(low);
}

/** True when `message` fits in one queue message once encoded. */
export function fitsInQueueMessage(message: ForwardMessage): boolean {
  return Buffer.byteLength(JSON.stringify(message), "utf8") <= MAX_JSON_BYTES;
}

/** The queue message text for `message`: base64 of its UTF-8 JSON, as a Functions queue trigger expects by default. */
export function encodeForwardMessage(message: ForwardMessage): string {
  return Buffer.from(JSON.stringify(message), "utf8").toString("base64");
}

/** Reads a queue message text written by {@link encodeForwardMessage}. Throws {@link ValidationError} otherwise. */
export function decodeForwardMessage(text: string): ForwardMessage {
  try {
    const parsed = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as ForwardMessage;
    if (parsed?.schemaVersion !== 1 || typeof parsed.dedupeKey !== "string") throw new Error("not a forward message");
    return parsed;
  } catch {
    throw new ValidationError("the queue message is not a base64 JSON forward message", { code: "invalid_forward" });
  }
}
