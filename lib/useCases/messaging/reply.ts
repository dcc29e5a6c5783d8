import type { InboundMessage } from "../../events/types";
import type { OutboundMessage } from "../../domain/messaging/outboundMessage";
import { sendToContact, type SendDeps, type SentMessage } from "./sendToContact";

/**
 * Answers the sender of an inbound message on the channel it arrived on, by the same rules as any send. The
 * idempotency key is derived from the inbound message (and `purpose`, when one message triggers several replies), so an
 * Event Grid redelivery of the inbound event never sends a second reply.
 */
export function reply(
  deps: SendDeps,
  inbound: Pick<InboundMessage, "messageId" | "channelId" | "fromBsuid" | "fromPhone">,
  message: OutboundMessage,
  options: { purpose?: string } = {},
): Promise<SentMessage> {
  const recipient = inbound.fromBsuid
    ? { bsuid: inbound.fromBsuid }
    : inbound.fromPhone
      ? { phone: inbound.fromPhone }
      : undefined;
  if (!recipient) throw new Error("An inbound message always has a sender");
  return sendToContact(deps, {
    recipient,
    channelId: inbound.channelId,
    message,
    idempotencyKey: `reply:${inbound.messageId}:${options.purpose ?? "reply"}`,
  });
}
