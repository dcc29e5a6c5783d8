import { isPermanentError, type AppError } from "../../core/errors";
import type { AdvancedMessageEvent, EventEnvelope, EventRejection, InboundEventParser } from "../../events/types";
import type { Logger } from "../../core/logging/createLogger";

import type { RejectedEventStore } from "../../domain/rejections/RejectedEventStore";

/** Where rejected events are recorded. */
export interface RejectionPorts {
  rejections: RejectedEventStore;
  clock: () => Date;
  /** The provider's event parser (the inbound port). */
  inbound: InboundEventParser;
}

/**
 * Acknowledges a permanently bad event: records it with its reason and the raw event in the rejected-events table, and
 * logs the reason (never the raw event, which holds personal data). If recording fails, that failure is transient and
 * propagates, so Event Grid redelivers rather than the event being lost.
 */
export async function rejectEvent(
  services: RejectionPorts,
  functionName: string,
  rejection: EventRejection,
  rawEvent: unknown,
  logger: Logger,
): Promise<{ result: "rejected"; code: string; reason: string }> {
  const stored = await services.rejections.record(
    {
      functionName,
      code: rejection.code,
      reason: rejection.reason,
      field: rejection.field,
      eventId: rejection.eventId,
      eventType: rejection.eventType,
    },
    rawEvent,
    services.clock(),
  );
  logger.warn("event rejected and recorded", {
    code: rejection.code,
    reason: rejection.reason,
    eventId: rejection.eventId,
    rejectedRow: `${stored.partitionKey}/${stored.rowKey}`,
  });
  return { result: "rejected", code: rejection.code, reason: rejection.reason };
}

/**
 * Parses an event for a function handling events of `kind`. Returns the event, or the outcome to answer with: a
 * rejection (recorded) for a malformed event, or `ignored` (logged) for a valid event of another type.
 */
export async function parseEventFor<K extends "received" | "status">(
  kind: K,
  services: RejectionPorts,
  functionName: string,
  rawEvent: unknown,
  logger: Logger,
): Promise<
  | { event: Extract<AdvancedMessageEvent, { kind: K }> }
  | { outcome: { result: "rejected"; code: string; reason: string } | { result: "ignored"; eventType: string } }
> {
  const parsed = services.inbound(rawEvent);
  if (!parsed.ok) return { outcome: await rejectEvent(services, functionName, parsed.rejection, rawEvent, logger) };
  const event = parsed.value;
  if (event.kind !== kind) {
    logger.warn("event type not handled by this function; acknowledged", {
      eventId: event.envelope.id,
      eventType: event.envelope.eventType,
    });
    return { outcome: { result: "ignored", eventType: event.envelope.eventType } };
  }
  return { event: event as Extract<AdvancedMessageEvent, { kind: K }> };
}

/**
 * Handles an error thrown while processing a valid event: a permanent one (the event can never succeed) is recorded as
 * a rejection and acknowledged; anything else is rethrown so Event Grid redelivers.
 */
export async function rejectIfPermanent(
  error: unknown,
  services: RejectionPorts,
  functionName: string,
  envelope: EventEnvelope,
  rawEvent: unknown,
  logger: Logger,
): Promise<{ result: "rejected"; code: string; reason: string }> {
  if (!isPermanentError(error)) throw error;
  const appError = error as AppError;
  return rejectEvent(
    services,
    functionName,
    { code: appError.code, reason: appError.message, eventId: envelope.id, eventType: envelope.eventType },
    rawEvent,
    logger,
  );
}
