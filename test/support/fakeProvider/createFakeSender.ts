import { randomUUID } from "node:crypto";
import type { MessageSender, SendRequest, SendResult } from "../../../lib/domain/messaging/MessageSender";
import { UpstreamError, UpstreamTransientError } from "../../../lib/domain/messaging/sendErrors";

/** What the fake provider does with the next send. */
export type FakeOutcome = "accept" | "refuse" | "throttle" | "unknown";

/**
 * The fake provider's outbound port: it keeps what it was asked to send and answers with each of the four outcomes a
 * provider can give (accepted, refused with a reason, throttled, unknown), in the domain's own terms.
 */
export function createFakeSender(): MessageSender & { sent: SendRequest[]; next: FakeOutcome[] } {
  const sent: SendRequest[] = [];
  const next: FakeOutcome[] = [];
  return {
    sent,
    next,
    async send(request): Promise<SendResult> {
      const outcome = next.shift() ?? "accept";
      if (outcome === "refuse") {
        throw new UpstreamError("the fake provider refuses this recipient", { status: 400, channelErrorCode: "470" });
      }
      if (outcome === "throttle") {
        throw new UpstreamTransientError("the fake provider is busy", {
          code: "throttled",
          status: 429,
          retryAfterSeconds: 7,
        });
      }
      if (outcome === "unknown") {
        throw new UpstreamTransientError("the fake provider did not answer", { code: "provider_unreachable" });
      }
      sent.push(request);
      return { ok: true, messageId: randomUUID(), to: request.to };
    },
  };
}
