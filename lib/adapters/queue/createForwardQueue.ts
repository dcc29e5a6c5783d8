import type { QueueClient, StoragePipelineOptions } from "@azure/storage-queue";
import type { Contact } from "../../domain/identity/types";
import type { InboundMessage } from "../../events/types";
import { TransientError, ValidationError } from "../../core/errors";
import { createCredential } from "../tableStorage/createTableClients";

/** Where forwarded messages go: a connection string (local, Azurite) or a queue service URI with a managed identity. */
export type ForwardQueueConfig =
  | { kind: "connectionString"; connectionString: string; queueName: string }
  | { kind: "serviceUri"; serviceUri: string; queueName: string; managedIdentityClientId: string | undefined };

/** The queue name used when `FORWARD_QUEUE_NAME` is not set. */
export const DEFAULT_FORWARD_QUEUE_NAME = "inbound-messages";

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
  if (fits(message) || message.content === null) return message;
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
    if (fits(cut(middle))) low = middle;
    else high = middle - 1;
  }
  return cut(low);
}

function fits(message: ForwardMessage): boolean {
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

/**
 * The forward queue for `config`. The queue is created on first use if missing (once per process; a failure is retried
 * on the next send). With a managed identity the app needs Storage Queue Data Contributor; if it may not create
 * queues (403), sending still goes ahead, for a queue that infrastructure created.
 */
export function createForwardQueue(config: ForwardQueueConfig, options: StoragePipelineOptions = {}): ForwardQueue {
  // Loaded here, not at start-up: only deployments with a forward queue pay for it (the app's cold start is measured).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const storage = require("@azure/storage-queue") as typeof import("@azure/storage-queue");
  const client: QueueClient =
    config.kind === "connectionString"
      ? new storage.QueueClient(config.connectionString, config.queueName, options)
      : new storage.QueueServiceClient(
          config.serviceUri,
          createCredential(config.managedIdentityClientId),
          options,
        ).getQueueClient(config.queueName);
  let created: Promise<void> | undefined;
  const ensure = (): Promise<void> => {
    if (!created) {
      created = client.createIfNotExists().then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof storage.RestError && error.statusCode === 403) return undefined;
          throw error;
        },
      );
      created.catch(() => (created = undefined));
    }
    return created;
  };
  return {
    queueName: config.queueName,
    async send(message) {
      // Other parts than the content (captions) are bounded far below this by WhatsApp; if one is not, retrying can
      // never help, so the refusal is permanent and the route records it instead of Event Grid retrying for a day.
      if (!fits(message)) {
        throw new ValidationError(`the forward message is larger than the queue's ${MAX_QUEUE_MESSAGE_BYTES} bytes`, {
          code: "forward_too_large",
        });
      }
      try {
        await ensure();
        await client.sendMessage(encodeForwardMessage(message));
      } catch (error) {
        throw new TransientError(`Storage Queue send to ${config.queueName} failed`, {
          code: "queue_unavailable",
          cause: error,
        });
      }
    },
  };
}
