import { ValidationError } from "../../core/errors";
import type { EventGridFilter, StringAdvancedFilter } from "../../eventGridFilter/evaluateEventGridFilter";
import { expandCountrySenderPrefixes } from "./expandCountry";

/** The subject prefix of every `AdvancedMessageReceived` event; the sender segment follows it. */
export const RECEIVED_SUBJECT_PREFIX = "advancedMessage/sender/";

/** Options of {@link senderCountrySubjectPrefixes}. */
export interface SenderCountryOptions {
  /**
   * Also list the BSUID prefixes of every country that shares a listed country's calling code (GB → GG., IM., JE.).
   * A subject prefix cannot tell +44 numbers apart, so without this a Jersey user matches a GB filter while their
   * number is visible and stops matching once it is hidden. Use it for Event Grid subscriptions; routes do not need
   * it, because the app checks the sender's exact country. Calling code 1 then stands for 25 countries: 26 values,
   * over Event Grid's 25 (run the result through `validateEventGridFilter`).
   */
  callingCodeArea?: boolean;
}

/**
 * The subject prefixes that catch every sender from `countries`, whichever form the subject carries: the calling code
 * for senders whose phone is visible (`advancedMessage/sender/44`) and `CC.` for username users who appear by BSUID
 * (`advancedMessage/sender/GB.`, which also covers parent BSUIDs `GB.ENT.…`).
 *
 * Phone prefixes come first, each once (GB and JE share `44`), then the BSUID prefixes, both in the order the
 * countries were given. A phone prefix is only as precise as a calling code: `44` also lets GG, IM and JE phone senders
 * through, `1` every NANP country; the BSUID prefixes are exact (see {@link SenderCountryOptions.callingCodeArea}).
 * Throws {@link ValidationError} for an empty list or an unknown country (code `unknown_country`).
 */
export function senderCountrySubjectPrefixes(
  countries: readonly string[],
  options: SenderCountryOptions = {},
): string[] {
  if (!Array.isArray(countries) || countries.length === 0) {
    throw new ValidationError("senderCountries needs at least one ISO 3166 alpha-2 country code, e.g. GB", {
      code: "no_countries",
      field: "senderCountries",
    });
  }
  const phone: string[] = [];
  const bsuid: string[] = [];
  for (const country of countries) {
    const expanded = expandCountrySenderPrefixes(country);
    const [phonePrefix] = expanded.subjectPrefixes as [string, string];
    if (!phone.includes(phonePrefix)) phone.push(phonePrefix);
    const area = options.callingCodeArea ? [expanded.country, ...expanded.sharesCallingCodeWith] : [expanded.country];
    for (const code of area) {
      const prefix = `${RECEIVED_SUBJECT_PREFIX}${code}.`;
      if (!bsuid.includes(prefix)) bsuid.push(prefix);
    }
  }
  return [...phone, ...bsuid];
}

/**
 * An advanced filter that lets through every `AdvancedMessageReceived` event whose sender is from one of `countries`,
 * phone senders and BSUID senders alike: `StringBeginsWith` on `subject` with {@link senderCountrySubjectPrefixes}.
 *
 * `subjectBeginsWith` takes a single prefix, so it cannot say "44 or GB."; values inside one advanced filter are ORed,
 * which can. Each value counts towards Event Grid's 25-values-per-subscription limit (run the result through
 * `validateEventGridFilter`): calling code 1 alone stands for 25 countries.
 */
export function senderCountriesAdvancedFilter(
  countries: readonly string[],
  options: SenderCountryOptions = {},
): StringAdvancedFilter {
  return { operatorType: "StringBeginsWith", key: "subject", values: senderCountrySubjectPrefixes(countries, options) };
}

/**
 * `filter` with {@link senderCountriesAdvancedFilter} appended to its advanced filters (ANDed with what is there).
 * Returns a new filter; `filter` is not changed.
 */
export function withSenderCountries(
  filter: EventGridFilter,
  countries: readonly string[],
  options: SenderCountryOptions = {},
): EventGridFilter {
  return {
    ...filter,
    advancedFilters: [...(filter.advancedFilters ?? []), senderCountriesAdvancedFilter(countries, options)],
  };
}
