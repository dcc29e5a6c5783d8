import type { IdentityStore } from "../../domain/identity/IdentityStore";
import type { MessageLedger } from "../../domain/ledger/MessageLedger";
import { NotFoundError } from "../../core/errors";
import { followContact } from "../identity/resolveContact";
import type { Logger } from "../../core/logging/createLogger";
import type { ContactId } from "../../core/values/identifiers";
import { parseMessageId } from "../../core/values/identifiers";
import { toErrorResponse, type ApiRequest, type ApiResponse } from "./apiTypes";

/** `GET /api/messages/{messageId}`: direction, contact (the merge survivor), channel, current status and history. */
export async function getMessage(
  services: { ledger: MessageLedger; identityStore: IdentityStore },
  request: ApiRequest,
  logger: Logger,
): Promise<ApiResponse> {
  try {
    const messageId = parseMessageId(request.params.messageId, "messageId");
    const message = await services.ledger.getMessage(messageId);
    if (!message) throw new NotFoundError(`No message ${messageId}`, "message_not_found");
    let contactId: ContactId | null = message.contactId;
    if (contactId) {
      // Fresh: a merge done by another instance must show here, not after this instance's cache expires.
      const survivor = await followContact(services.identityStore, contactId, undefined, { fresh: true });
      contactId = survivor?.contact.contactId ?? contactId;
    }
    return {
      status: 200,
      body: {
        messageId: message.messageId,
        direction: message.direction,
        contactId,
        channelId: message.channelId,
        messageType: message.messageType,
        summary: message.summary,
        at: message.at,
        addressedBy: message.addressedBy,
        templateName: message.templateName,
        status: message.status,
        statusAt: message.statusAt,
        error:
          message.errorCode || message.errorMessage ? { code: message.errorCode, message: message.errorMessage } : null,
        warnings: message.warnings,
        followUp: message.followUp,
        history: message.history,
      },
    };
  } catch (error) {
    return toErrorResponse(error, logger);
  }
}
