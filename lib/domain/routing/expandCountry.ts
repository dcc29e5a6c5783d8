import { getCountries, getCountryCallingCode, isSupportedCountry } from "libphonenumber-js";
import { ValidationError } from "../../core/errors";

/** What a country looks like in the sender segment of AdvancedMessageReceived subjects. */
export interface CountrySenderPrefixes {
  /** ISO 3166 alpha-2 code, upper case, e.g. `GB`. */
  country: string;
  /** The international calling code without `+`, e.g. `44`. */
  callingCode: string;
  /** Prefix of a phone sender as ACS writes it (digits, no `+`), e.g. `44`. Equal to `callingCode`. */
  phonePrefix: string;
  /** Prefix of a BSUID sender (and of its parent form `GB.ENT.…`), e.g. `GB.`. */
  bsuidPrefix: string;
  /** Subject prefixes that together cover both sender forms, phone first. */
  subjectPrefixes: string[];
  /**
   * Other countries with the same calling code, alphabetically (`GG`, `IM`, `JE` for `GB`; 24 others for `US`): the
   * phone prefix cannot tell them apart, while the BSUID prefix can.
   */
  sharesCallingCodeWith: string[];
}

const SUBJECT_SENDER_PREFIX = "advancedMessage/sender/";

/**
 * Expands a country into the sender prefixes its users can appear under in AdvancedMessageReceived subjects: the
 * calling code for senders whose phone is visible and `CC.` for username users, who appear by BSUID. A filter on the
 * phone prefix alone silently drops the second group.
 *
 * The phone prefix is only a prefix: `1` matches every NANP number (US, CA and 23 more), `44` also matches GG, IM and
 * JE; `sharesCallingCodeWith` lists them. Accepts the code in either case (a judgement call; BSUID prefixes are always
 * upper case). Throws {@link ValidationError} (code `unknown_country`) when libphonenumber does not know the country.
 */
export function expandCountrySenderPrefixes(country: string): CountrySenderPrefixes {
  const code = typeof country === "string" ? country.toUpperCase() : "";
  if (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code)) {
    throw new ValidationError(
      `country must be an ISO 3166 alpha-2 code known to libphonenumber (e.g. GB, US); got ${describe(country)}`,
      { code: "unknown_country", field: "country" },
    );
  }
  const callingCode = getCountryCallingCode(code);
  const bsuidPrefix = `${code}.`;
  return {
    country: code,
    callingCode,
    phonePrefix: callingCode,
    bsuidPrefix,
    subjectPrefixes: [`${SUBJECT_SENDER_PREFIX}${callingCode}`, `${SUBJECT_SENDER_PREFIX}${bsuidPrefix}`],
    sharesCallingCodeWith: countriesForCallingCode(callingCode).filter((other) => other !== code),
  };
}

/**
 * The countries (ISO alpha-2, alphabetical) that use an international calling code, from libphonenumber's metadata:
 * `44` gives `GB`, `GG`, `IM`, `JE`; `1` gives 25 countries including `US` and `CA`. A leading `+` is accepted. An
 * unassigned or non-geographic code (e.g. `800`) gives an empty list. Throws {@link ValidationError} (code
 * `invalid_calling_code`) when `code` is not 1-3 digits.
 */
export function countriesForCallingCode(code: string): string[] {
  const digits = typeof code === "string" ? code.replace(/^\+/, "") : "";
  if (!/^[1-9]\d{0,2}$/.test(digits)) {
    throw new ValidationError(`calling code must be 1-3 digits, e.g. 44 or +44; got ${describe(code)}`, {
      code: "invalid_calling_code",
      field: "callingCode",
    });
  }
  return getCountries()
    .filter((country) => getCountryCallingCode(country) === digits)
    .sort();
}

function describe(value: unknown): string {
  return typeof value === "string" ? `"${value.slice(0, 20)}"` : typeof value;
}
