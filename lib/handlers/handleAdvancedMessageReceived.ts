import { AppError, isPermanentError } from "../errors";
import { parseAdvancedMessageEvent } from "../events/parseAdvancedMessageEvent";
import type { InboundMessage } from "../events/types";
import { resolveScope } from "../config/loadConfig";
import { resolveContact, type ResolveAction } from "../identity/resolveContact";
import type { Contact } from "../identity/types";
import type { Logger } from "../logging/createLogger";
import { maskIdentifier } from "../logging/mask";
import type { AppServices } from "../app/createAppServices";
import { rejectEvent } from "./rejectEvent";

/** What happened to one event. */
export type EventOutcome =
  | { result: "processed"; contact: Contact; actions: ResolveAction[]; message: InboundMessage; duplicate: boolean }
  | { result: "rejected"; code: string; reason: string }
  | { result: "ignored"; eventType: string };

export const ADVANCED_MESSAGE_RECEIVED_FUNCTION = "advancedMessageReceived";

/**
 * Handles one `AdvancedMessageReceived` event: resolves the sender to a contact (BSUID first, then phone), records the
 * inbound time on the channel, and stores the message once in the ledger.
 *
 * Idempotent and order-independent (contact times only move forward; the ledger row is insert-once). Malformed events
 * are acknowledged and recorded with their reason; storage failures throw so Event Grid redelivers.
 */
export async function handleAdvancedMessageReceived(
  services: Pick<AppServices, "config" | "identityStore" | "ledger" | "rejections" | "clock">,
  rawEvent: unknown,
  logger: Logger,
): Promise<EventOutcome> {
  const parsed = parseAdvancedMessageEvent(rawEvent);
  if (!parsed.ok) return rejectEvent(services, ADVANCED_MESSAGE_RECEIVED_FUNCTION, parsed.rejection, rawEvent, logger);
  const event = parsed.value;
  if (event.kind !== "received") {
    logger.warn("event type not handled by this function; acknowledged", {
      eventId: event.envelope.id,
      eventType: event.envelope.eventType,
    });
    return { result: "ignored", eventType: event.envelope.eventType };
  }

  const log = logger.child({ eventId: event.envelope.id, messageId: event.messageId });
  try {
    const scope = resolveScope(services.config, event.channelId);
    const resolved = await resolveContact(
      { store: services.identityStore, logger: log, clock: services.clock },
      {
        scope,
        bsuid: event.fromBsuid,
        phone: event.fromPhone,
        inbound: { channelId: event.channelId, at: event.receivedAt },
      },
    );
    const stored = await services.ledger.recordInbound({
      messageId: event.messageId,
      contactId: resolved.contact.contactId,
      channelId: event.channelId,
      messageType: event.messageType,
      summary: event.summary,
      at: event.receivedAt,
    });
    log.info("inbound message stored", {
      contactId: resolved.contact.contactId,
      actions: resolved.actions.join(","),
      sender: maskIdentifier(event.fromBsuid ?? event.fromPhone),
      senderKind: event.fromBsuid ? "bsuid" : "phone",
      messageType: event.messageType,
      duplicate: !stored,
    });
    return {
      result: "processed",
      contact: resolved.contact,
      actions: resolved.actions,
      message: event,
      duplicate: !stored,
    };
  } catch (error) {
    if (isPermanentError(error)) {
      const appError = error as AppError;
      return rejectEvent(
        services,
        ADVANCED_MESSAGE_RECEIVED_FUNCTION,
        {
          code: appError.code,
          reason: appError.message,
          eventId: event.envelope.id,
          eventType: event.envelope.eventType,
        },
        rawEvent,
        logger,
      );
    }
    throw error;
  }
}
