import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import { ValidationError } from "../errors";

declare const phoneBrand: unique symbol;

/** A phone number in E.164 form with the leading `+`, e.g. `+14255551234`. */
export type PhoneNumber = string & { readonly [phoneBrand]: true };

const MAX_INPUT_LENGTH = 40;

/**
 * International numbers parsed lately, by input. Parsing costs more than anything else the app does per event (for
 * calling codes shared by several countries, such as +1, libphonenumber matches the number against each country's
 * patterns), and the same number is read from an event's data and its subject, and again from a returning sender.
 * Bounded; the oldest entry goes first.
 */
const recentlyParsed = new Map<string, PhoneNumber | null>();
const RECENTLY_PARSED_LIMIT = 4096;

function parseInternational(candidate: string): PhoneNumber | undefined {
  const known = recentlyParsed.get(candidate);
  if (known !== undefined) return known ?? undefined;
  const parsed = parsePhoneNumberFromString(candidate);
  const phone = parsed?.isPossible() ? (parsed.number as PhoneNumber) : null;
  if (recentlyParsed.size >= RECENTLY_PARSED_LIMIT) recentlyParsed.delete(recentlyParsed.keys().next().value!);
  recentlyParsed.set(candidate, phone);
  return phone ?? undefined;
}

/**
 * Parses a phone number as ACS sends it (digits without `+`) or as people write it (`+44 7700 900123`,
 * `(425) 555-1234` with a default country). Returns `undefined` when it is not a valid number.
 */
export function tryParsePhoneNumber(value: unknown, defaultCountry?: CountryCode): PhoneNumber | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_INPUT_LENGTH) return undefined;
  // ACS sends international numbers as bare digits; read them as international, not national.
  const candidate = /^\d+$/.test(trimmed) ? `+${trimmed}` : trimmed.replace(/^00/, "+");
  // "Possible" (a real country calling code and a plausible length), not "valid" (a number range libphonenumber
  // knows is allocated): ACS is the authority on who wrote, and rejecting numbers from ranges newer than the metadata
  // would silently drop real senders, the failure this product exists to prevent.
  if (candidate.startsWith("+")) return parseInternational(candidate);
  if (!defaultCountry) return undefined;
  const parsed = parsePhoneNumberFromString(candidate, defaultCountry);
  return parsed?.isPossible() ? (parsed.number as PhoneNumber) : undefined;
}

/** Validates a phone number; throws {@link ValidationError} naming `field` when it is not a valid number. */
export function parsePhoneNumber(value: unknown, field = "phone", defaultCountry?: CountryCode): PhoneNumber {
  const phone = tryParsePhoneNumber(value, defaultCountry);
  if (phone) return phone;
  throw new ValidationError(
    `${field} must be a valid international phone number (E.164, e.g. +14255551234 or 14255551234)`,
    { code: "invalid_phone", field },
  );
}

/** The number as ACS writes it in events: E.164 digits without the `+`. */
export function toAcsDigits(phone: PhoneNumber): string {
  return phone.slice(1);
}
