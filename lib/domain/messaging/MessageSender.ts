import type { ChannelId } from "../../core/values/ChannelId";
import type { OutboundMessage } from "./outboundMessage";

/** One send: a message to one recipient, made repeatable by the caller's request ID. */
export interface SendRequest {
  channelId: ChannelId;
  /** An E.164 phone number with `+`, or a BSUID. Sent byte for byte. */
  to: string;
  message: OutboundMessage;
  /**
   * A UUID identifying this logical send. Reuse it (with the same `repeatabilityFirstSent`) when retrying, so ACS
   * answers a repeat with the original result instead of sending the message twice.
   */
  repeatabilityRequestId: string;
  /** When this logical send was first attempted; ACS only deduplicates within its window (5 minutes). */
  repeatabilityFirstSent: Date;
  /**
   * The template's category when the caller knows it (see `listTemplates`). `AUTHENTICATION` to a BSUID is refused
   * before calling ACS, because WhatsApp rejects it anyway (error 131062).
   */
  templateCategory?: string;
}

/** A send ACS accepted (202). Delivery is reported later by `AdvancedMessageDeliveryStatusUpdated` events. */
export interface SendResult {
  ok: true;
  /** The ACS message ID, the key of later delivery status events. */
  messageId: string;
  /** The recipient as ACS's receipt names it. */
  to: string;
  /** ACS's `repeatability-result` header: `accepted` also when this was a replay of an earlier identical request. */
  repeatabilityResult?: "accepted" | "rejected";
}

/** Sends WhatsApp messages through ACS Advanced Messaging. */
export interface MessageSender {
  /**
   * Sends one message. Throws `ValidationError` for a malformed request, `RuleRefusalError` for an authentication
   * template to a BSUID, `UpstreamTransientError` (a `TransientError`) for 429/5xx/network failures, and
   * `UpstreamError` for other refusals.
   */
  send(request: SendRequest): Promise<SendResult>;
}
