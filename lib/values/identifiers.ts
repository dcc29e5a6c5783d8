import { ValidationError } from "../errors";

declare const contactIdBrand: unique symbol;
declare const messageIdBrand: unique symbol;
declare const scopeBrand: unique symbol;

/** The durable ID of a contact: independent of BSUID and phone, so it survives relinks and merges. */
export type ContactId = string & { readonly [contactIdBrand]: true };
/** An ACS message ID (a GUID for outbound sends; inbound IDs are opaque but safe tokens). */
export type MessageId = string & { readonly [messageIdBrand]: true };
/** A business portfolio scope: BSUIDs are only unique within one. */
export type Scope = string & { readonly [scopeBrand]: true };

const CONTACT_ID_PATTERN = /^c_[0-9a-f]{32}$/;
// Table keys must not contain / \ # ? or control characters; message IDs are kept to a safe token alphabet.
const MESSAGE_ID_PATTERN = /^[A-Za-z0-9._:=+-]{1,200}$/;
const SCOPE_PATTERN = /^[A-Za-z0-9-]{1,63}$/;

/** Validates a contact ID (`c_` + 32 hex digits). */
export function parseContactId(value: unknown, field = "contactId"): ContactId {
  if (typeof value === "string" && CONTACT_ID_PATTERN.test(value)) return value as ContactId;
  throw new ValidationError(`${field} must be a contact ID (c_ followed by 32 hex digits)`, {
    code: "invalid_contact_id",
    field,
  });
}

/** Validates a message ID. */
export function parseMessageId(value: unknown, field = "messageId"): MessageId {
  if (typeof value === "string" && MESSAGE_ID_PATTERN.test(value)) return value as MessageId;
  throw new ValidationError(`${field} must be a message ID (1-200 letters, digits or . _ : = + -)`, {
    code: "invalid_message_id",
    field,
  });
}

/** Validates a scope name (1-63 letters, digits or hyphens). */
export function parseScope(value: unknown, field = "scope"): Scope {
  if (typeof value === "string" && SCOPE_PATTERN.test(value)) return value as Scope;
  throw new ValidationError(`${field} must be 1-63 letters, digits or hyphens`, { code: "invalid_scope", field });
}
