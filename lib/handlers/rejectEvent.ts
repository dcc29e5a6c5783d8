import type { AppServices } from "../app/createAppServices";
import type { EventRejection } from "../events/types";
import type { Logger } from "../logging/createLogger";

/**
 * Acknowledges a permanently bad event: records it with its reason and the raw event in the rejected-events table, and
 * logs the reason (never the raw event, which holds personal data). If recording fails, that failure is transient and
 * propagates, so Event Grid redelivers rather than the event being lost.
 */
export async function rejectEvent(
  services: Pick<AppServices, "rejections" | "clock">,
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
