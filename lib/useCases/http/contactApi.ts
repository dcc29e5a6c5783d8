import type { CountryCode } from "libphonenumber-js";
import { isSupportedCountry } from "libphonenumber-js";
import type { IdentityStore } from "../../domain/identity/IdentityStore";
import { NotFoundError, ValidationError } from "../../core/errors";
import { isPhoneConfirmed } from "../../domain/identity/contactRules";
import { relinkContact } from "../identity/relinkContact";
import { followContact } from "../identity/resolveContact";
import type { Contact } from "../../domain/identity/types";
import type { Logger } from "../../core/logging/createLogger";
import { parseBsuid } from "../../core/values/Bsuid";
import { parsePhoneNumber } from "../../core/values/PhoneNumber";
import { parseContactId, parseScope, type Scope } from "../../core/values/identifiers";
import { readJsonBody, toErrorResponse, type ApiRequest, type ApiResponse } from "./apiTypes";

/** What the contacts API reads and writes. */
export interface ContactApiPorts {
  config: { defaultScope: Scope };
  identityStore: IdentityStore;
  clock: () => Date;
}

type Services = ContactApiPorts;

/**
 * The public JSON shape of a contact. `phoneConfirmed` says whether authentication templates may go to `phone` (see
 * `isPhoneConfirmed`), and `phoneConfirmedBy` why: `bsuid` (seen with the current BSUID), `import` or `message` (a
 * phone-only sender); null when unconfirmed. `previousPhones` are numbers the contact no longer has, in full like
 * `phone` and `previousBsuids`: the API serves authorised callers.
 */
export function toContactJson(contact: Contact) {
  const phoneConfirmed = isPhoneConfirmed(contact);
  return {
    contactId: contact.contactId,
    scope: contact.scope,
    bsuid: contact.bsuid,
    phone: contact.phone,
    phoneConfirmed,
    phoneConfirmedBy: phoneConfirmed ? (contact.phoneConfirmation?.by ?? null) : null,
    externalId: contact.externalId,
    name: contact.name,
    firstSeen: contact.firstSeen,
    lastSeen: contact.lastSeen,
    lastInboundByChannel: contact.lastInboundByChannel,
    createdAt: contact.createdAt,
    mergedContactIds: contact.mergedContactIds,
    previousBsuids: contact.previousBsuids,
    previousPhones: contact.previousPhones,
  };
}

function queryScope(services: { config: { defaultScope: Scope } }, request: ApiRequest): Scope {
  const scope = request.query.get("scope");
  return scope === null ? services.config.defaultScope : parseScope(scope, "scope");
}

/** The API answers with the table's state, not an instance's cache, which may miss another instance's writes. */
const FRESH = { fresh: true } as const;

/** `GET /api/contacts/{contactId}`: the contact, or the survivor it was merged into. */
export async function getContact(services: Services, request: ApiRequest, logger: Logger): Promise<ApiResponse> {
  try {
    const contactId = parseContactId(request.params.contactId, "contactId");
    const stored = await followContact(services.identityStore, contactId, undefined, FRESH);
    if (!stored) throw new NotFoundError(`No contact ${contactId}`, "contact_not_found");
    return { status: 200, body: toContactJson(stored.contact) };
  } catch (error) {
    return toErrorResponse(error, logger);
  }
}

/**
 * `GET /api/contacts?bsuid=…` or `?phone=…` (any common format; `country` for national formats), with an optional
 * `scope` (default: the default scope).
 */
export async function findContact(services: Services, request: ApiRequest, logger: Logger): Promise<ApiResponse> {
  try {
    const { scope, key } = parseIdentifierQuery(services, request);
    const found = await services.identityStore.getKey(scope, key.kind, key.value, FRESH);
    const stored = found ? await followContact(services.identityStore, found.contactId, undefined, FRESH) : undefined;
    if (!stored) throw new NotFoundError(`No contact with that ${key.kind} in scope ${scope}`, "contact_not_found");
    return { status: 200, body: toContactJson(stored.contact) };
  } catch (error) {
    return toErrorResponse(error, logger);
  }
}

/**
 * Reads `?bsuid=…` or `?phone=…` (any common format; `country` for national formats) and an optional `scope` (default:
 * the default scope), validated before anything reaches a table.
 */
export function parseIdentifierQuery(
  services: { config: { defaultScope: Scope } },
  request: ApiRequest,
): { scope: Scope; key: { kind: "bsuid" | "phone"; value: string } } {
  const scope = queryScope(services, request);
  const bsuid = request.query.get("bsuid");
  const phone = request.query.get("phone");
  if ((bsuid === null) === (phone === null)) {
    throw new ValidationError("Give exactly one of the query parameters bsuid and phone", { field: "bsuid" });
  }
  let key: { kind: "bsuid" | "phone"; value: string };
  if (bsuid !== null) {
    key = { kind: "bsuid", value: parseBsuid(bsuid, "bsuid") };
  } else {
    const country = request.query.get("country");
    if (country !== null && !isSupportedCountry(country.toUpperCase())) {
      throw new ValidationError("country must be an ISO 3166 alpha-2 code such as GB", { field: "country" });
    }
    key = {
      kind: "phone",
      value: parsePhoneNumber(phone, "phone", country ? (country.toUpperCase() as CountryCode) : undefined),
    };
  }
  return { scope, key };
}

/** `POST /api/contacts/{contactId}/relink` with `{ "bsuid": "…" }`: moves the contact to a new BSUID. */
export async function relinkContactApi(services: Services, request: ApiRequest, logger: Logger): Promise<ApiResponse> {
  try {
    const contactId = parseContactId(request.params.contactId, "contactId");
    const body = await readJsonBody(request);
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new ValidationError('The body must be a JSON object such as { "bsuid": "US.1234" }', { field: "body" });
    }
    const bsuid = parseBsuid((body as { bsuid?: unknown }).bsuid, "bsuid");
    const outcome = await relinkContact(
      { store: services.identityStore, logger, clock: services.clock },
      contactId,
      bsuid,
    );
    return {
      status: 200,
      body: {
        contact: toContactJson(outcome.contact),
        changed: outcome.changed,
        previousBsuid: outcome.previousBsuid,
        mergedContactId: outcome.mergedContactId ?? null,
      },
    };
  } catch (error) {
    return toErrorResponse(error, logger);
  }
}
