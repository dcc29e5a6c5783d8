import { NotFoundError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";
import { parseContactId, type ContactId, type Scope } from "../../core/values/identifiers";
import type { ErasureReceipt } from "../../domain/erasure/ErasureLog";
import { eraseContact, type ErasurePorts } from "../erasure/eraseContact";
import { parseIdentifierQuery } from "./contactApi";
import { toErrorResponse, type ApiRequest, type ApiResponse } from "./apiTypes";

/** What the erasure API reaches: every store (see {@link ErasurePorts}) and the default scope. */
export interface ErasureApiPorts extends ErasurePorts {
  config: { defaultScope: Scope };
}

/** The receipt as the API shows it: the app's own contact ID, when, and counts per kind; never an identifier. */
function toReceiptJson(receipt: ErasureReceipt) {
  return {
    contactId: receipt.contactId,
    state: receipt.state,
    erasedAt: receipt.erasedAt,
    erased: receipt.counts,
  };
}

/**
 * `DELETE /api/contacts/{contactId}`: erases the person everywhere the app stores them (see `eraseContact`) and answers
 * 200 with the receipt; a repeated request answers the same receipt. 404 when no such contact was ever here.
 */
export async function eraseContactApi(
  services: ErasureApiPorts,
  request: ApiRequest,
  logger: Logger,
): Promise<ApiResponse> {
  try {
    const contactId = parseContactId(request.params.contactId, "contactId");
    return { status: 200, body: toReceiptJson(await eraseContact(services, contactId, logger)) };
  } catch (error) {
    return toErrorResponse(error, logger);
  }
}

/**
 * `DELETE /api/contacts?bsuid=…` or `?phone=…` (with `scope`, `country` as for the lookup): erases the contact that
 * identifier resolves to. Without one, the identifier may still be named by rejected events: those are deleted and
 * the receipt says so (`contactId` null), so a request about a person the app never attributed still clears them.
 */
export async function eraseByIdentifierApi(
  services: ErasureApiPorts,
  request: ApiRequest,
  logger: Logger,
): Promise<ApiResponse> {
  try {
    const { scope, key } = parseIdentifierQuery(services, request);
    const found = await services.identityStore.getKey(scope, key.kind, key.value, { fresh: true });
    if (found) {
      try {
        const receipt = await eraseContact(services, found.contactId as ContactId, logger);
        return { status: 200, body: toReceiptJson(receipt) };
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    const needles = key.kind === "phone" ? [key.value, key.value.replace(/^\+/, "")] : [key.value];
    const rejectedEvents = await services.rejections.deleteNaming(needles);
    logger.info("identifier without a contact erased from rejected events", { kind: key.kind, rejectedEvents });
    return {
      status: 200,
      body: { contactId: null, state: "erased", erasedAt: services.clock().toISOString(), erased: { rejectedEvents } },
    };
  } catch (error) {
    return toErrorResponse(error, logger);
  }
}
