import type { DeliveryStatusUpdate } from "../../events/types";
import { resolveScope } from "../../domain/identity/resolveScope";
import { resolveContact } from "../identity/resolveContact";
import type { FollowUp, MessageStatus } from "../../domain/ledger/MessageLedger";
import type { Logger } from "../../core/logging/createLogger";
import { maskIdentifier } from "../../core/logging/mask";
import type { ContactId } from "../../core/values/identifiers";
import { sendDepsOf, type SendingPorts } from "../messaging/sendDeps";
import type { RejectionPorts } from "./rejectEvent";
import {
  isAuthenticationTemplateFailure,
  isTemplateSentToBsuid,
  resendRefusedAuthenticationTemplate,
} from "../messaging/resendRefusedAuthenticationTemplate";
import { parseEventFor, rejectIfPermanent } from "./rejectEvent";

/**
 * What the status handler uses: the identity map and ledger, where rejections go, and, to answer an authentication
 * template WhatsApp refused for a BSUID, the sending side when one is configured.
 */
export interface StatusEventPorts
  extends RejectionPorts, Pick<SendingPorts, "config" | "identityStore" | "ledger" | "clock"> {
  sends?: SendingPorts["sends"] | undefined;
  channel?: SendingPorts["channel"];
}

export const DELIVERY_STATUS_UPDATED_FUNCTION = "deliveryStatusUpdated";

/** What happened to one status event. */
export type StatusOutcome =
  | {
      result: "processed";
      update: DeliveryStatusUpdate;
      status: MessageStatus;
      duplicate: boolean;
      contactId: ContactId | null;
      /** What was done about an authentication template WhatsApp refused for a BSUID (131062), if this was one. */
      followUp?: FollowUp;
    }
  | { result: "rejected"; code: string; reason: string }
  | { result: "ignored"; eventType: string };

/**
 * Handles one `AdvancedMessageDeliveryStatusUpdated` event: captures the recipient's phone↔BSUID pair when both are
 * present (it may never come again), then applies the status to the ledger, where it only moves forward whatever the
 * arrival order. A status for a message this app did not send is stored, not dropped. A `Failed` status with 131062 (an
 * authentication template refused for a BSUID) sends the template once to the contact's confirmed phone, or records
 * that the user must share their number (see `resendRefusedAuthenticationTemplate`).
 */
export async function handleDeliveryStatusUpdated(
  services: StatusEventPorts,
  rawEvent: unknown,
  logger: Logger,
): Promise<StatusOutcome> {
  const parsed = await parseEventFor("status", services, DELIVERY_STATUS_UPDATED_FUNCTION, rawEvent, logger);
  if ("outcome" in parsed) return parsed.outcome;
  const update = parsed.event;

  const log = logger.child({ eventId: update.envelope.id, messageId: update.messageId });
  try {
    let contactId: ContactId | null = null;
    if (update.toBsuid || update.toPhone) {
      const resolved = await resolveContact(
        { store: services.identityStore, logger: log, clock: services.clock },
        { scope: resolveScope(services.config, update.channelId), bsuid: update.toBsuid, phone: update.toPhone },
      );
      contactId = resolved.contact.contactId;
    }
    const applied = await services.ledger.applyStatus({
      messageId: update.messageId,
      channelId: update.channelId,
      contactId,
      status: update.status,
      rawStatus: update.rawStatus,
      at: update.receivedAt,
      eventId: update.envelope.id,
      errorCode: update.error?.channelCode ?? null,
      errorMessage: update.error?.channelMessage ?? null,
      warnings: update.warnings,
    });
    log.info("delivery status applied", {
      status: update.status,
      currentStatus: applied.status,
      duplicate: applied.duplicate,
      contactId,
      recipient: maskIdentifier(update.toBsuid ?? update.toPhone),
    });
    const followUp = isAuthenticationTemplateFailure(update) ? await followUpRefusal(services, update, log) : undefined;
    return {
      result: "processed",
      update,
      status: applied.status,
      duplicate: applied.duplicate,
      contactId,
      ...(followUp ? { followUp } : {}),
    };
  } catch (error) {
    return rejectIfPermanent(error, services, DELIVERY_STATUS_UPDATED_FUNCTION, update.envelope, rawEvent, logger);
  }
}

/** Runs on every delivery of the failure (a redelivery may follow a crash mid-way); the resend itself is idempotent. */
async function followUpRefusal(
  services: StatusEventPorts,
  update: DeliveryStatusUpdate,
  log: Logger,
): Promise<FollowUp | undefined> {
  const failed = await services.ledger.getMessage(update.messageId);
  if (!failed) return undefined;
  if (!services.sends || !services.channel) {
    if (!isTemplateSentToBsuid(failed)) return undefined;
    const followUp: FollowUp = {
      action: "not_resent",
      reason: "WhatsApp refused an authentication template for a BSUID (131062); sending is not configured here.",
      at: services.clock().toISOString(),
    };
    await services.ledger.recordFollowUp(failed.messageId, followUp);
    return followUp;
  }
  const deps = sendDepsOf({ ...services, sends: services.sends, channel: services.channel }, log);
  return resendRefusedAuthenticationTemplate(deps, failed);
}
