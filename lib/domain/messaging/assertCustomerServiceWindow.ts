import { RuleRefusalError } from "../../core/errors";
import type { Contact } from "../identity/types";
import type { OutboundMessage } from "./outboundMessage";

/** WhatsApp's customer service window: free-form messages only within 24 hours of the user's last inbound message. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Refuses a non-template message when the contact's last inbound message on `channelId` is older than 24 hours, or
 * when they never wrote on that channel (the window is per business number). Templates are always allowed.
 */
export function assertCustomerServiceWindow(
  contact: Pick<Contact, "lastInboundByChannel">,
  channelId: string,
  message: Pick<OutboundMessage, "kind">,
  now: Date,
): void {
  if (message.kind === "template") return;
  const last = contact.lastInboundByChannel[channelId];
  if (!last) {
    throw new RuleRefusalError(
      "outside_customer_service_window",
      "The contact has never written to this channel, so only an approved template can be sent (the 24-hour " +
        "customer service window is not open).",
    );
  }
  const age = now.getTime() - Date.parse(last);
  // An unreadable time fails closed: an open window cannot be shown, and WhatsApp would refuse the message anyway.
  if (Number.isNaN(age)) {
    throw new RuleRefusalError(
      "outside_customer_service_window",
      "The contact's last inbound time on this channel is unreadable, so the 24-hour customer service window cannot " +
        "be shown to be open; only an approved template can be sent.",
    );
  }
  if (age > CUSTOMER_SERVICE_WINDOW_MS) {
    throw new RuleRefusalError(
      "outside_customer_service_window",
      `The contact last wrote on this channel ${Math.floor(age / 3_600_000)} hours ago; outside the 24-hour ` +
        "customer service window only an approved template can be sent.",
    );
  }
}
