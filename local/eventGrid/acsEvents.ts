import { randomUUID } from "node:crypto";
import { isBsuidRecipient } from "../acsEmulator/validateNotification";

/** The ACS resource the local stack pretends to be (the `topic` of the events it makes). */
export const LOCAL_ACS_RESOURCE_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Communication/communicationServices/local-acs";

/** Delivery statuses ACS reports for WhatsApp messages. */
export type AcsDeliveryStatus = "Sent" | "Delivered" | "Read" | "Failed" | "Warning";

/** What a delivery status event is about: a message the business sent (e.g. an emulator `SentMessage`). */
export interface SentMessageRef {
  messageId: string;
  channelId: string;
  /** The recipient as sent: E.164 phone (`+14255551234`) or BSUID. */
  to: string;
}

/**
 * An `AdvancedMessageDeliveryStatusUpdated` event (Event Grid schema) as ACS publishes it for a send: subject
 * `advancedMessage/<messageId>/status/<Status>`; `data.to` is the phone without `+`, empty for a send to a BSUID;
 * `data.toBSUID` the BSUID when known (always for a BSUID send; pass `toBsuid` for a phone send).
 */
export function createDeliveryStatusEvent(
  message: SentMessageRef,
  status: AcsDeliveryStatus,
  options: {
    toBsuid?: string;
    error?: { channelCode: string; channelMessage: string };
    at?: Date;
    topic?: string;
  } = {},
): Record<string, unknown> {
  const at = options.at ?? new Date();
  const bsuid = isBsuidRecipient(message.to) ? message.to : options.toBsuid;
  const phone = isBsuidRecipient(message.to) ? "" : message.to.replace(/^\+/, "");
  return {
    id: randomUUID(),
    topic: options.topic ?? LOCAL_ACS_RESOURCE_ID,
    subject: `advancedMessage/${message.messageId}/status/${status}`,
    data: {
      messageId: message.messageId,
      status,
      channelType: "whatsapp",
      from: message.channelId,
      to: phone,
      ...(bsuid ? { toBSUID: bsuid } : {}),
      receivedTimestamp: at.toISOString(),
      ...(options.error ? { error: options.error } : {}),
    },
    eventType: "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated",
    dataVersion: "1.0",
    metadataVersion: "1",
    eventTime: at.toISOString(),
  };
}
