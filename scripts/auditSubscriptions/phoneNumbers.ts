/**
 * Phone numbers and number prefixes as they appear in filter values: where the sender's digits are in a subject, their
 * calling code, the countries (and so the BSUID prefixes) they stand for, and masking them in prose.
 *
 * @packageDocumentation
 */

import { parsePhoneNumberFromString } from "libphonenumber-js";
import { maskIdentifier } from "../../lib/core/logging/mask";
import { countriesForCallingCode } from "../../lib/domain/routing/expandCountry";
import { RECEIVED_SUBJECT_PREFIX } from "../../lib/domain/routing/senderCountryFilter";

/** The phone digits at the start of a subject value's sender segment, with their calling code. */
export function senderDigits(value: string): { digits: string; callingCode: string } | undefined {
  const lower = value.toLowerCase();
  const marker = "sender/";
  const at = lower.indexOf(marker);
  const rest = at >= 0 ? value.slice(at + marker.length) : /^\+?\d/.test(value) ? value : "";
  const digits = /^\+?(\d+)/.exec(rest)?.[1];
  if (!digits) return undefined;
  const callingCode = callingCodeOf(digits);
  return callingCode === undefined ? undefined : { digits, callingCode };
}

/** `/recipient/{channel}` at the end of a subject value, when it has one. */
export function recipientTail(value: string): string | undefined {
  const at = value.toLowerCase().lastIndexOf("/recipient/");
  return at >= 0 && value.length > at + "/recipient/".length ? value.slice(at) : undefined;
}

/** A whole subject used with StringIn, as a prefix that still pins the sender: `advancedMessage/sender/{x}/`. */
export function inToPrefix(value: string): string {
  const at = value.toLowerCase().lastIndexOf("/recipient/");
  return at >= 0 ? value.slice(0, at + 1) : value;
}

/**
 * The countries whose BSUIDs stand in for `digits`: the one country of a whole number when libphonenumber can place it
 * (+1 425… is US, +44 7797… is JE), else every country of its calling code (a prefix such as 44 or 1 stands for all).
 * The BSUID's country prefix is taken to be the country of the user's number, as Meta documents it for registration.
 */
export function countriesOfNumber(digits: string): string[] {
  const country = placeNumber(digits);
  if (country) return [country];
  const callingCode = callingCodeOf(digits);
  return callingCode === undefined ? [] : countriesForCallingCode(callingCode);
}

/** True when `digits` are a whole phone number (a plausible length for their calling code), not a prefix of some. */
export function isWholeNumber(digits: string): boolean {
  return digits.length >= 7 && parsePhoneNumberFromString(`+${digits}`)?.isPossible() === true;
}

/** The country of a whole phone number (digits), when libphonenumber can place it; undefined for a mere prefix. */
function placeNumber(digits: string): string | undefined {
  const parsed = digits.length >= 7 ? parsePhoneNumberFromString(`+${digits}`) : undefined;
  return parsed?.country && parsed.isPossible() ? parsed.country : undefined;
}

/** The subject prefixes of the BSUID senders who stand in for `digits`: `advancedMessage/sender/GB.` and so on. */
export function bsuidPrefixes(digits: string): string[] {
  return countriesOfNumber(digits).map((country) => `${RECEIVED_SUBJECT_PREFIX}${country}.`);
}

/** The calling code `digits` start with (1 to 3 digits), when they start with one. */
export function callingCodeOf(digits: string): string | undefined {
  for (const length of [1, 2, 3]) {
    const prefix = digits.slice(0, length);
    if (prefix.length < length || !/^[1-9]\d*$/.test(prefix)) return undefined;
    if (countriesForCallingCode(prefix).length > 0) return prefix;
  }
  return undefined;
}

/** Masks runs of 7 or more digits (phone numbers); calling codes and short prefixes stay readable. */
export function mask(value: string): string {
  return value.replace(/\+?\d{7,}/g, (digits) => maskIdentifier(digits));
}

/** The values without repeats, in first-seen order. */
export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

export function isString(value: unknown): value is string {
  return typeof value === "string";
}
