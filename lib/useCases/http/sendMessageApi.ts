import { sendDepsOf, type SendingPorts } from "../messaging/sendDeps";
import { ConfigurationError, TransientError, ValidationError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";
import { parseIdempotencyKey, sendToContact, type Recipient } from "../messaging/sendToContact";
import { checkSendRequestShape, parseOutboundMessage } from "../../domain/messaging/outboundMessage";
import { UpstreamError, UpstreamTransientError } from "../../domain/messaging/sendErrors";
import { parseBsuid } from "../../core/values/Bsuid";
import { parseChannelId } from "../../core/values/ChannelId";
import { parsePhoneNumber } from "../../core/values/PhoneNumber";
import { parseContactId } from "../../core/values/identifiers";
import { isTimeoutError, readJsonBody, toErrorResponse, type ApiRequest, type ApiResponse } from "./apiTypes";

function parseRecipient(value: unknown): Recipient {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ValidationError('recipient must be an object: { "contactId" }, { "bsuid" } or { "phone" }', {
      field: "recipient",
    });
  }
  const given = Object.keys(value).filter((k) => ["contactId", "bsuid", "phone"].includes(k));
  if (given.length !== 1 || Object.keys(value).length !== 1) {
    throw new ValidationError("recipient must have exactly one of contactId, bsuid and phone", { field: "recipient" });
  }
  const input = value as Record<string, unknown>;
  if ("contactId" in input) return { contactId: parseContactId(input.contactId, "recipient.contactId") };
  if ("bsuid" in input) return { bsuid: parseBsuid(input.bsuid, "recipient.bsuid") };
  return { phone: parsePhoneNumber(input.phone, "recipient.phone") };
}

/**
 * `POST /api/messages`: sends a message by the rules. 202 with `messageId`, the `to` used and `addressedBy`;
 * 400 invalid input (naming the field); 404 unknown contact; 422 rule refusal (`code` + reason); 429 with ACS's
 * `Retry-After`; 502 when ACS failed or refused (with its error code); 503 when storage or configuration is missing.
 */
export async function sendMessageApi(
  services: SendingPorts,
  request: ApiRequest,
  logger: Logger,
): Promise<ApiResponse> {
  try {
    const body = await readJsonBody(request);
    checkSendRequestShape(body);
    const input = body as Record<string, unknown>;
    const recipient = parseRecipient(input.recipient);
    const channelId = input.channelId === undefined ? undefined : parseChannelId(input.channelId, "channelId");
    const message = parseOutboundMessage(input.message, "message", {
      allowLoopbackUrls: services.channel?.loopbackUrls === true,
    });
    const keyHeader = request.headers.get("idempotency-key");
    const idempotencyKey = keyHeader === null ? undefined : parseIdempotencyKey(keyHeader);

    const sent = await sendToContact(sendDepsOf(services, logger), { recipient, channelId, message, idempotencyKey });
    return {
      status: 202,
      body: {
        messageId: sent.messageId,
        to: sent.to,
        addressedBy: sent.addressedBy,
        reason: sent.reason,
        contactId: sent.contactId,
        channelId: sent.channelId,
        replayed: sent.replayed,
      },
    };
  } catch (error) {
    return toSendErrorResponse(error, logger);
  }
}

function toSendErrorResponse(error: unknown, logger: Logger): ApiResponse {
  // ACS may still have accepted a send that timed out: the same Idempotency-Key sends it at most once.
  if (isTimeoutError(error)) return toErrorResponse(error, logger);
  if (error instanceof UpstreamTransientError && error.status === 429) {
    return {
      status: 429,
      body: {
        error: { code: "acs_throttled", message: "ACS is throttling sends", acsErrorCode: error.acsErrorCode ?? null },
      },
      headers: error.retryAfterSeconds === undefined ? {} : { "Retry-After": String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof UpstreamTransientError || error instanceof UpstreamError) {
    logger.warn("ACS send failed", { status: error.status, acsErrorCode: error.acsErrorCode, error: error.message });
    return {
      status: 502,
      body: {
        error: {
          code: error instanceof UpstreamError ? "acs_refused" : "acs_unavailable",
          message: error.message,
          acsStatus: error.status ?? null,
          acsErrorCode: error.acsErrorCode ?? null,
          ...(error instanceof UpstreamError && error.channelErrorCode
            ? { channelErrorCode: error.channelErrorCode }
            : {}),
        },
      },
    };
  }
  if (error instanceof ConfigurationError) {
    return { status: 503, body: { error: { code: error.code, message: error.message } } };
  }
  if (error instanceof TransientError) return toErrorResponse(error, logger);
  return toErrorResponse(error, logger);
}
