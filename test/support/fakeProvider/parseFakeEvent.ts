import { parseBsuid } from "../../../lib/core/values/Bsuid";
import { parseChannelId } from "../../../lib/core/values/ChannelId";
import { tryParsePhoneNumber } from "../../../lib/core/values/PhoneNumber";
import { parseMessageId } from "../../../lib/core/values/identifiers";
import type {
  AdvancedMessageEvent,
  DeliveryStatusValue,
  InboundEventParser,
  ParseResult,
} from "../../../lib/events/types";

/**
 * A made-up provider's webhook payload: not ACS's shape at all, so that a test driving the use cases with it shows the
 * provider seam holds (the use cases see only the normalized messages and statuses).
 */
export interface FakeProviderEvent {
  provider: "fake";
  deliveryId: string;
  kind: "message" | "receipt";
  line: string;
  person: { scopedId?: string; phone?: string };
  ref: string;
  body?: string;
  state?: DeliveryStatusValue;
  when: string;
}

/** The fake provider's inbound port: its payload read into the normalized model, like ACS's parser does for ACS. */
export const parseFakeEvent: InboundEventParser = (raw: unknown): ParseResult<AdvancedMessageEvent> => {
  const event = raw as FakeProviderEvent;
  if (typeof raw !== "object" || raw === null || event.provider !== "fake") {
    return { ok: false, rejection: { code: "not_fake", reason: "This is not a fake-provider event at all." } };
  }
  const envelope = {
    id: event.deliveryId,
    schema: "cloudevents" as const,
    eventType: `fake.${event.kind}`,
    subject: undefined,
    time: event.when,
    source: "fake",
  };
  const bsuid = event.person.scopedId === undefined ? undefined : parseBsuid(event.person.scopedId);
  const phone = tryParsePhoneNumber(event.person.phone);
  const channelId = parseChannelId(event.line);
  const messageId = parseMessageId(event.ref);
  if (event.kind === "message") {
    if (!bsuid && !phone) return { ok: false, rejection: { code: "no_sender", reason: "The message has no sender." } };
    return {
      ok: true,
      value: {
        kind: "received",
        envelope,
        messageId,
        channelId,
        channelType: "whatsapp",
        fromPhone: phone,
        fromBsuid: bsuid,
        messageType: "text",
        receivedAt: new Date(event.when).toISOString(),
        content: event.body ?? "",
        summary: (event.body ?? "").slice(0, 200),
        warnings: [],
      },
    };
  }
  return {
    ok: true,
    value: {
      kind: "status",
      envelope,
      messageId,
      channelId,
      channelType: "whatsapp",
      toPhone: phone,
      toBsuid: bsuid,
      status: event.state ?? "unknown",
      rawStatus: event.state ?? "",
      receivedAt: new Date(event.when).toISOString(),
      warnings: [],
    },
  };
};
