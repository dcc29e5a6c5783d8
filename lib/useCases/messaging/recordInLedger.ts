import type { MessageLedger } from "../../domain/ledger/MessageLedger";
import type { OutboundMessage } from "../../domain/messaging/outboundMessage";
import type { SendOutcome } from "../../domain/messaging/SendRecordStore";

function summaryOf(message: OutboundMessage): string {
  switch (message.kind) {
    case "text":
      return message.text.slice(0, 200);
    case "template":
      return `[template] ${message.name}`;
    case "reaction":
      return `[reaction] ${message.emoji}`;
    case "interactive":
      return `[interactive] ${message.body.slice(0, 180)}`;
    default:
      return `[${message.kind}]${"caption" in message && message.caption ? ` ${message.caption.slice(0, 180)}` : ""}`;
  }
}

/** Records an accepted send in the ledger; an upsert, so recording a replayed send again changes nothing. */
export async function recordInLedger(
  ledger: MessageLedger,
  message: OutboundMessage,
  outcome: SendOutcome,
  at: Date,
): Promise<void> {
  await ledger.recordOutbound({
    messageId: outcome.messageId as never,
    contactId: outcome.contactId as never,
    channelId: outcome.channelId,
    messageType: message.kind,
    summary: summaryOf(message),
    at: at.toISOString(),
    addressedBy: outcome.addressedBy,
    templateName: message.kind === "template" ? message.name : null,
    // Only a template to a BSUID can come back refused as an authentication template (131062) after it was accepted;
    // it is kept so that it can then be sent to the phone.
    ...(message.kind === "template" && outcome.addressedBy === "bsuid" ? { resendableTemplate: message } : {}),
  });
}
