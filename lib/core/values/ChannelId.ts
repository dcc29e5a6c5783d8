import { ValidationError } from "../errors";

declare const channelBrand: unique symbol;

/** An ACS channel registration ID (a GUID), stored in lower case. */
export type ChannelId = string & { readonly [channelBrand]: true };

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a GUID. */
export function isGuid(value: unknown): value is string {
  return typeof value === "string" && GUID_PATTERN.test(value);
}

/** Validates a channel registration ID; GUIDs compare case-insensitively, so it is lower-cased. */
export function parseChannelId(value: unknown, field = "channelId"): ChannelId {
  if (isGuid(value)) return value.toLowerCase() as ChannelId;
  throw new ValidationError(`${field} must be an ACS channel registration ID (a GUID)`, {
    code: "invalid_channel_id",
    field,
  });
}
