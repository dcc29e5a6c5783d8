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
 * Reads `value` as an international number: `+…`, the `00` international prefix, or bare digits (ACS writes numbers
 * as E.164 digits without the `+`; no country calling code starts with 0, so bare digits starting with 00 are the
 * prefix, never a calling code).
 */
function readInternational(value: string): PhoneNumber | undefined {
  if (value.startsWith("+")) return parseInternational(value);
  if (value.startsWith("00")) return parseInternational(`+${value.slice(2)}`);
  return /^\d+$/.test(value) ? parseInternational(`+${value}`) : undefined;
}

/**
 * Parses a phone number as ACS sends it (digits without `+`) or as people write it: `+44 7700 900123`,
 * `0044 7700 900123`, and with a default country national numbers, spaced or not (`07700 900123`, `07700900123`,
 * `(425) 555-1234`). Returns `undefined` when it is not a possible number.
 *
 * "Possible" (a real country calling code and a plausible length), not "valid" (a number range libphonenumber knows
 * is allocated): ACS is the authority on who wrote, and rejecting numbers from ranges newer than the metadata would
 * silently drop real senders, the failure this product exists to prevent.
 *
 * With a default country, libphonenumber-js reads the number first, as that country's users write it: nationally
 * (with or without the trunk prefix), with the country's own international prefix (`00` in GB, `011` in the US), or
 * as the country's calling code without `+` (`447700900123` for GB). Only when that is not a possible number is it
 * read as international (bare digits as ACS writes them, or the `00` prefix from a country whose prefix differs): a
 * CRM export of one country may hold other countries' numbers in those forms.
 */
export function tryParsePhoneNumber(value: unknown, defaultCountry?: CountryCode): PhoneNumber | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_INPUT_LENGTH) return undefined;
  if (trimmed.startsWith("+") || !defaultCountry) return readInternational(trimmed);
  const national = parsePhoneNumberFromString(trimmed, defaultCountry);
  if (national?.isPossible()) return national.number as PhoneNumber;
  return readInternational(trimmed.replace(/[\s().-]/g, ""));
}

/** Validates a phone number; throws {@link ValidationError} naming `field` when it is not a valid number. */
export function parsePhoneNumber(value: unknown, field = "phone", defaultCountry?: CountryCode): PhoneNumber {
  const phone = tryParsePhoneNumber(value, defaultCountry);
  if (phone) return phone;
  throw new ValidationError(
    defaultCountry
      ? `${field} must be a phone number of ${defaultCountry} or an international one (e.g. +14255551234)`
      : `${field} must be a valid international phone number (E.164, e.g. +14255551234 or 14255551234; ` +
          "national numbers need a country)",
    { code: "invalid_phone", field },
  );
}

/** The number as ACS writes it in events: E.164 digits without the `+`. */
export function toAcsDigits(phone: PhoneNumber): string {
  return phone.slice(1);
}
