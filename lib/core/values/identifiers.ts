import { createHash } from "node:crypto";
import { ValidationError } from "../errors";

declare const contactIdBrand: unique symbol;
declare const messageIdBrand: unique symbol;
declare const scopeBrand: unique symbol;

/** The durable ID of a contact: independent of BSUID and phone, so it survives relinks and merges. */
export type ContactId = string & { readonly [contactIdBrand]: true };
/**
 * A message ID in its stored form, safe as a Table Storage key. ACS gives GUIDs for sends; inbound IDs are opaque
 * tokens, and WhatsApp's own message IDs (`wamid.` + base64) may hold `/`, which a table key refuses: the stored form
 * writes each `/` as `~` (no ACS or WhatsApp ID holds `~`, so the mapping is one-to-one and reversible). Events without
 * a `messageId` are keyed by their Event Grid event ID, as `event!{hash}` (see {@link messageIdFromEventId}).
 */
export type MessageId = string & { readonly [messageIdBrand]: true };
/** A business portfolio scope: BSUIDs are only unique within one. */
export type Scope = string & { readonly [scopeBrand]: true };

const CONTACT_ID_PATTERN = /^c_[0-9a-f]{32}$/;
/**
 * Message IDs as ACS and WhatsApp write them: a token of letters, digits and `. _ : = + / -` (base64 and base64url
 * included), bounded well inside Table Storage's 1 KiB key limit. `~` and `!` are the stored form's own (see
 * {@link MessageId}) and are accepted too, so an ID read back from the API can be passed in again.
 */
const MESSAGE_ID_PATTERN = /^[A-Za-z0-9._:=+/~!-]{1,512}$/;
const SCOPE_PATTERN = /^[A-Za-z0-9-]{1,63}$/;

/** Validates a contact ID (`c_` + 32 hex digits). */
export function parseContactId(value: unknown, field = "contactId"): ContactId {
  if (typeof value === "string" && CONTACT_ID_PATTERN.test(value)) return value as ContactId;
  throw new ValidationError(`${field} must be a contact ID (c_ followed by 32 hex digits)`, {
    code: "invalid_contact_id",
    field,
  });
}

/** Validates a message ID as ACS or WhatsApp writes it (or in its stored form) and returns its stored form. */
export function parseMessageId(value: unknown, field = "messageId"): MessageId {
  if (typeof value === "string" && MESSAGE_ID_PATTERN.test(value)) return value.replaceAll("/", "~") as MessageId;
  throw new ValidationError(`${field} must be a message ID (1-512 letters, digits or . _ : = + / -)`, {
    code: "invalid_message_id",
    field,
  });
}

/**
 * The message ID of an event that carries none: `event!` and the SHA-256 (hex) of its Event Grid event ID together with
 * its data as delivered. A redelivery is the same event, byte for byte, so it lands on the same ledger row; a publisher
 * that reuses event IDs (Microsoft's docs samples all carry the all-zero ID) still gets one row per distinct event.
 * `event!` cannot start an ID ACS or WhatsApp wrote (`!` is not in their alphabet).
 */
export function messageIdFromEventId(eventId: string, data: string): MessageId {
  return `event!${createHash("sha256").update(eventId).update("\n").update(data).digest("hex")}` as MessageId;
}
/** Validates a scope name (1-63 letters, digits or hyphens). */
export function parseScope(value: unknown, field = "scope"): Scope {
  if (typeof value === "string" && SCOPE_PATTERN.test(value)) return value as Scope;
  throw new ValidationError(`${field} must be 1-63 letters, digits or hyphens`, { code: "invalid_scope", field });
}
