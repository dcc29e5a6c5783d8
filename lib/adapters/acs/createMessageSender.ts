import { isUnexpected } from "@azure-rest/communication-messages";
import { RuleRefusalError, ValidationError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";
import { silentLogger } from "../../core/logging/createLogger";
import { maskIdentifier } from "../../core/logging/mask";
import { isBsuid } from "../../core/values/Bsuid";
import type { AcsMessagesClient } from "./createAcsMessagesClient";
import type { OutboundMessageKind } from "../../domain/messaging/outboundMessage";
import { apiVersionFor, toNotificationContent } from "./toNotificationContent";
import { errorFromAcsResponse, errorFromThrown } from "./UpstreamError";
import { UpstreamError } from "../../domain/messaging/sendErrors";
import type { MessageSender, SendRequest } from "../../domain/messaging/MessageSender";

/** Optional sender settings. */
export interface MessageSenderOptions {
  /** Per-kind api-version overrides of `API_VERSION_BY_KIND` (e.g. once a stable version has a kind). */
  apiVersions?: Partial<Record<OutboundMessageKind, string>>;
}

const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates a {@link MessageSender} on an ACS Messages client (see `createAcsMessagesClient`). */
export function createMessageSender(
  client: AcsMessagesClient,
  logger: Logger = silentLogger,
  options: MessageSenderOptions = {},
): MessageSender {
  return {
    async send(request) {
      checkRequest(request);
      const { message, to } = request;
      const apiVersion = options.apiVersions?.[message.kind] ?? apiVersionFor(message.kind);
      const fields = { kind: message.kind, to: maskIdentifier(to), apiVersion: apiVersion ?? "client default" };

      let response;
      try {
        response = await client.path("/messages/notifications:send").post({
          body: toNotificationContent(message, request.channelId, to),
          headers: {
            "Repeatability-Request-ID": request.repeatabilityRequestId,
            "Repeatability-First-Sent": request.repeatabilityFirstSent.toUTCString(),
          },
          ...(apiVersion === undefined ? {} : { queryParameters: { "api-version": apiVersion } }),
        });
      } catch (error) {
        logger.warn("ACS send failed without a response", { ...fields, error: errorName(error) });
        throw errorFromThrown(error, "send");
      }

      if (isUnexpected(response)) {
        const failure = errorFromAcsResponse(response, "send", [to]);
        logger.warn("ACS refused the send", {
          ...fields,
          status: failure.status,
          acsErrorCode: failure.acsErrorCode,
          errorCode: failure.code,
        });
        throw failure;
      }

      const receipt = response.body.receipts?.[0];
      if (receipt === undefined || typeof receipt.messageId !== "string") {
        throw new UpstreamError("ACS accepted the send but returned no message receipt", { status: 202 });
      }
      const repeatabilityResult = response.headers["repeatability-result"];
      logger.info("ACS accepted the send", { ...fields, messageId: receipt.messageId, repeatabilityResult });
      return {
        ok: true,
        messageId: receipt.messageId,
        to: typeof receipt.to === "string" && receipt.to !== "" ? receipt.to : to,
        ...(repeatabilityResult === "accepted" || repeatabilityResult === "rejected" ? { repeatabilityResult } : {}),
      };
    },
  };
}

function checkRequest(request: SendRequest): void {
  const { to } = request;
  if (typeof to !== "string" || !(E164_PATTERN.test(to) || isBsuid(to))) {
    throw new ValidationError("to must be an E.164 phone number with + (e.g. +14255551234) or a BSUID", {
      code: "invalid_recipient",
      field: "to",
    });
  }
  if (!UUID_PATTERN.test(request.repeatabilityRequestId)) {
    throw new ValidationError("repeatabilityRequestId must be a UUID", { field: "repeatabilityRequestId" });
  }
  if (!(request.repeatabilityFirstSent instanceof Date) || Number.isNaN(request.repeatabilityFirstSent.getTime())) {
    throw new ValidationError("repeatabilityFirstSent must be a valid Date", { field: "repeatabilityFirstSent" });
  }
  if (
    request.message.kind === "template" &&
    isBsuid(to) &&
    request.templateCategory?.toUpperCase() === "AUTHENTICATION"
  ) {
    throw new RuleRefusalError(
      "authentication_template_needs_phone",
      `Template "${request.message.name}" is an authentication template; WhatsApp delivers those only to phone ` +
        "numbers, not to BSUIDs (error 131062). Send it to the user's phone number, or use another template.",
    );
  }
}

function errorName(error: unknown): string {
  if (error instanceof Error) return (error as Error & { code?: string }).code ?? error.name;
  return typeof error;
}
