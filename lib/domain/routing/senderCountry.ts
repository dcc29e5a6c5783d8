import { parsePhoneNumberFromString } from "libphonenumber-js";

/**
 * The country of the sender of an `AdvancedMessageReceived` event (Event Grid or CloudEvents schema), read from its
 * data, the source of truth: the BSUID's country prefix when there is a BSUID (`GB.…`, `GB.ENT.…` → `GB`), else the
 * country of the phone number in `data.from` (see {@link countryOfPhone}). Undefined when the event has neither.
 *
 * Preferring the BSUID means a user counts as from the same country whether their number is visible or hidden, which
 * a subject prefix cannot do where countries share a calling code (GB, GG, IM and JE are all +44).
 */
export function senderCountryOf(event: unknown): string | undefined {
  const data = isObject(event) ? event.data : undefined;
  if (!isObject(data)) return undefined;
  const bsuid = data.fromBSUID;
  if (typeof bsuid === "string") {
    const prefix = /^([A-Z]{2})\./.exec(bsuid)?.[1];
    if (prefix) return prefix;
  }
  return typeof data.from === "string" && data.from !== "" ? countryOfPhone(data.from) : undefined;
}

/**
 * The country of a phone number (digits, with or without `+`): the one libphonenumber places it in (`+44 7797…` is
 * JE), or, for a number it cannot place (new or fictional ranges such as `+44 7700 900…`), the main country of its
 * calling code (GB for 44, US for 1). Undefined when it is not a possible number at all.
 */
export function countryOfPhone(phone: string): string | undefined {
  const parsed = parsePhoneNumberFromString(phone.startsWith("+") ? phone : `+${phone}`);
  if (!parsed || !parsed.isPossible()) return undefined;
  return parsed.country ?? parsed.getPossibleCountries()[0];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
