import { RuleRefusalError } from "../../core/errors";
import type { DeliveryStatusUpdate } from "../../events/types";
import type { FollowUp, LedgerMessage } from "../../domain/ledger/MessageLedger";
import { maskIdentifier } from "../../core/logging/mask";
import { parseOutboundMessage } from "../../domain/messaging/outboundMessage";
import type { ContactId } from "../../core/values/identifiers";
import { sendToContact, type SendDeps } from "./sendToContact";

/** WhatsApp's code for "authentication templates cannot be sent to a BSUID". */
export const AUTHENTICATION_TEMPLATE_REFUSED_FOR_BSUID = "131062";

/** True for a `Failed` status carrying WhatsApp's 131062: an authentication template refused for a BSUID. */
export function isAuthenticationTemplateFailure(update: Pick<DeliveryStatusUpdate, "status" | "error">): boolean {
  return update.status === "failed" && update.error?.channelCode?.trim() === AUTHENTICATION_TEMPLATE_REFUSED_FOR_BSUID;
}

/** True for a template this app sent to a BSUID: the only kind of message a later 131062 refusal can be about. */
export function isTemplateSentToBsuid(message: LedgerMessage): boolean {
  return message.direction === "outbound" && message.addressedBy === "bsuid" && Boolean(message.templateName);
}

/**
 * Handles an authentication template that ACS accepted for a BSUID and WhatsApp then refused (a `Failed` status with
 * 131062, so nothing reached the user): remembers the template as an authentication one for the channel, and sends it
 * once to the contact's confirmed phone, or records that the user must share their number.
 *
 * Exactly once across redeliveries and instances: the resend's idempotency key is derived from the failed message's ID,
 * so a redelivered status replays the first resend's answer instead of sending again. A transient failure throws (Event
 * Grid redelivers the status); the outcome is recorded on the failed message as its follow-up.
 *
 * @returns the follow-up recorded, or undefined when the failed message is not a template this app sent to a BSUID.
 */
export async function resendRefusedAuthenticationTemplate(
  deps: SendDeps,
  failed: LedgerMessage,
): Promise<FollowUp | undefined> {
  if (!isTemplateSentToBsuid(failed) || !failed.templateName) return undefined;
  deps.templates.learnAuthenticationTemplate(failed.channelId, failed.templateName);
  const at = deps.clock().toISOString();
  const followUp = await attemptResend(deps, failed, at);
  await deps.ledger.recordFollowUp(failed.messageId, followUp);
  deps.logger.warn("WhatsApp refused an authentication template for a BSUID (131062)", {
    template: failed.templateName,
    followUp: followUp.action,
    ...(followUp.messageId ? { resentAs: followUp.messageId } : {}),
  });
  return followUp;
}

async function attemptResend(deps: SendDeps, failed: LedgerMessage, at: string): Promise<FollowUp> {
  const template = readKeptTemplate(failed.resendableTemplate);
  if (!failed.contactId || template === undefined) {
    return {
      action: "not_resent",
      reason: "The template's parameters were not kept with the message, so it cannot be sent again; send it anew.",
      at,
    };
  }
  try {
    const sent = await sendToContact(deps, {
      recipient: { contactId: failed.contactId as ContactId },
      channelId: failed.channelId as never,
      message: template,
      idempotencyKey: `authentication-template-to-phone:${failed.messageId}`,
      authenticationTemplate: true,
    });
    deps.logger.info("authentication template sent again to the phone", { to: maskIdentifier(sent.to) });
    return {
      action: "resent_to_phone",
      reason: "WhatsApp refuses authentication templates for BSUIDs (131062); sent to the contact's confirmed phone.",
      messageId: sent.messageId,
      at,
    };
  } catch (error) {
    if (error instanceof RuleRefusalError && error.code === "authentication_template_needs_phone") {
      return {
        action: "needs_phone",
        reason:
          "WhatsApp refuses authentication templates for BSUIDs (131062) and the contact has no confirmed phone: " +
          "ask the user to share their number.",
        at,
      };
    }
    if (error instanceof RuleRefusalError) return { action: "not_resent", reason: error.message, at };
    throw error;
  }
}

/** The kept template, validated again as a send request; a row that does not read as one is treated as absent. */
function readKeptTemplate(kept: unknown): ReturnType<typeof parseOutboundMessage> | undefined {
  if (kept === null || kept === undefined) return undefined;
  try {
    const message = parseOutboundMessage(kept);
    return message.kind === "template" ? message : undefined;
  } catch {
    return undefined;
  }
}
