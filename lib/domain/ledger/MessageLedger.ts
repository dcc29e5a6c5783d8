import type { MessageWarning } from "../../events/types";
import type { ContactId, MessageId } from "../../core/values/identifiers";

/** Delivery status values, compared case-insensitively on the way in. */
export type MessageStatus = "sent" | "delivered" | "read" | "failed" | "warning" | "unknown";

/** How far along a message is. Status only moves forward; failed is terminal; warning/unknown never move it. */
export const STATUS_RANK: Record<MessageStatus, number> = {
  unknown: 0,
  warning: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  failed: 4,
};

/** One delivery status event as recorded in a message's history. */
export interface StatusEntry {
  status: MessageStatus;
  rawStatus: string;
  at: string;
  eventId: string;
  errorCode: string | null;
  errorMessage: string | null;
  /** What was odd about this status event (see `MessageWarning`); empty for a clean one. */
  warnings: MessageWarning[];
}

/** A message in the ledger. */
export interface LedgerMessage {
  messageId: MessageId;
  direction: "inbound" | "outbound";
  contactId: ContactId | null;
  channelId: string;
  messageType: string | null;
  summary: string | null;
  /** When the message was received (inbound) or sent (outbound); null for an outbound message only known by status. */
  at: string | null;
  /** Outbound only: `bsuid` or `phone`, the identifier the send used. */
  addressedBy: "bsuid" | "phone" | null;
  templateName: string | null;
  /** Outbound only: current status, the furthest one seen whatever the arrival order. */
  status: MessageStatus | null;
  statusAt: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** Inbound only: what was odd about the event that brought the message (see `MessageWarning`). */
  warnings: MessageWarning[];
  /**
   * Outbound template to a BSUID only: the template as sent, kept so that an authentication template WhatsApp refuses
   * for the BSUID later (a `Failed` status with 131062) can be sent again to the phone. Null otherwise.
   */
  resendableTemplate: unknown;
  /** What the app did about a failure of this message (e.g. sent it again to the phone), for people to read. */
  followUp: FollowUp | null;
  history: StatusEntry[];
}

/** What the app did about a failed outbound message. */
export interface FollowUp {
  /** `resent_to_phone`, `needs_phone` (the user must share their number), or `not_resent` (see `reason`). */
  action: "resent_to_phone" | "needs_phone" | "not_resent";
  reason: string;
  /** The message ID of the new send, for `resent_to_phone`. */
  messageId?: string;
  at: string;
}

/** An inbound message to record. */
export interface InboundRecord {
  messageId: MessageId;
  contactId: ContactId;
  channelId: string;
  messageType: string;
  summary: string;
  at: string;
  /** What was odd about the event (see `MessageWarning`). */
  warnings?: MessageWarning[];
}

/** An accepted send to record. */
export interface OutboundRecord {
  messageId: MessageId;
  contactId: ContactId;
  channelId: string;
  messageType: string;
  summary: string;
  at: string;
  addressedBy: "bsuid" | "phone";
  templateName: string | null;
  /** The template as sent, when it went to a BSUID (see `LedgerMessage.resendableTemplate`). */
  resendableTemplate?: unknown;
}

/** A delivery status to apply: a history entry plus the message it belongs to. */
export interface StatusRecord extends Omit<StatusEntry, "warnings"> {
  warnings?: MessageWarning[];
  messageId: MessageId;
  channelId: string;
  contactId: ContactId | null;
}

/** The message ledger: every message once, by `messageId`, with its status history in the same partition. */
export interface MessageLedger {
  /** Stores an inbound message once; returns false when it was already stored (an Event Grid redelivery). */
  recordInbound(record: InboundRecord): Promise<boolean>;
  /** Stores an accepted send; statuses that arrived before it are kept. */
  recordOutbound(record: OutboundRecord): Promise<void>;
  /** Applies a delivery status: recorded in history once per event, current status only moves forward. */
  applyStatus(record: StatusRecord): Promise<{ duplicate: boolean; status: MessageStatus }>;
  getMessage(messageId: MessageId): Promise<LedgerMessage | undefined>;
  /** Records what the app did about a failure of the message (the last follow-up wins; the same one again is a no-op). */
  recordFollowUp(messageId: MessageId, followUp: FollowUp): Promise<void>;
  /** The IDs of every message recorded for a contact (a query across partitions: erasure, never the hot path). */
  messageIdsOf(contactId: ContactId): Promise<MessageId[]>;
  /** Deletes a message with its status history; returns how many rows went. */
  deleteMessage(messageId: MessageId): Promise<number>;
  /**
   * Deletes a message with its status history only while it is stored under one of `contactIds` (an erasure's sweep):
   * the message row goes with an ETag check, so a message moved to another contact meanwhile stays. Returns how many
   * rows went (0 when it stayed).
   */
  deleteMessageOf(messageId: MessageId, contactIds: readonly ContactId[]): Promise<number>;
  /**
   * Moves an inbound message stored under `from` to `to`, if it is still under `from`; false otherwise. For a message
   * stored under a contact that was erased meanwhile, so that it is kept with the contact its sender has now.
   */
  reassignInbound(messageId: MessageId, from: ContactId, to: ContactId): Promise<boolean>;
}
