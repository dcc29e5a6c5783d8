import { randomBytes } from "node:crypto";
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import { tryParsePhoneNumber } from "../../lib/core/values/PhoneNumber";

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** The BSUID form WhatsApp issues to users: `{ISO 3166 alpha-2}.{1-128 letters or digits}` (no parent `ENT.` form). */
export const SIMULATED_BSUID_PATTERN = /^[A-Z]{2}\.[A-Za-z0-9]{1,128}$/;

/** A thrown simulator error with the HTTP status and code its API answers with. */
export class SimulatorError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "SimulatorError";
    this.status = status;
    this.code = code;
  }
}

/**
 * A seeded pseudo-random source (mulberry32) when `seed` is given, so a scripted run issues the same BSUIDs every time;
 * otherwise one backed by `crypto.randomBytes`.
 */
export function createRandom(seed?: number): Random {
  if (seed === undefined) return () => randomBytes(6).readUIntBE(0, 6) / 2 ** 48;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` random decimal digits; the first is never 0 when `leadingNonZero`. */
export function randomDigits(random: Random, count: number, leadingNonZero = false): string {
  let digits = "";
  for (let i = 0; i < count; i++) {
    const low = i === 0 && leadingNonZero ? 1 : 0;
    digits += String(low + Math.floor(random() * (10 - low)));
  }
  return digits;
}

/** The country code upper-cased, or a 400 when libphonenumber does not know it. */
export function parseCountry(value: unknown, field = "country"): CountryCode {
  const code = typeof value === "string" ? value.trim().toUpperCase() : "";
  if (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code)) {
    throw new SimulatorError(400, "invalid_country", `${field} must be an ISO 3166 alpha-2 country code such as GB`);
  }
  return code as CountryCode;
}

/**
 * A new BSUID for a user from `country`: the country code, a period and 14-20 random digits (the lengths seen in
 * Meta's examples), drawn again while `isTaken` says the value is already issued in the portfolio.
 */
export function generateBsuid(country: string, random: Random, isTaken: (bsuid: string) => boolean): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const length = 14 + Math.floor(random() * 7);
    const bsuid = `${country}.${randomDigits(random, length, true)}`;
    if (!isTaken(bsuid)) return bsuid;
  }
  throw new SimulatorError(500, "bsuid_space_exhausted", `Could not draw an unused BSUID for ${country}`);
}

/**
 * A fictitious mobile number (E.164) for `country`, not yet `isTaken`: from the ranges regulators reserve for drama
 * where there is one (GB `+44 7700 900xxx`, NANP `NXX-555-01xx`), otherwise libphonenumber's example mobile number
 * with a random tail, kept only when libphonenumber calls it valid.
 */
export function generatePhone(country: CountryCode, random: Random, isTaken: (phone: string) => boolean): string {
  for (let attempt = 0; attempt < 2000; attempt++) {
    const candidate = drawPhone(country, random);
    if (candidate && !isTaken(candidate)) return candidate;
  }
  throw new SimulatorError(
    409,
    "phone_space_exhausted",
    `No unused fictitious ${country} number found; give one explicitly`,
  );
}

const NANP_AREA_CODES: Partial<Record<CountryCode, readonly string[]>> = {
  US: ["201", "206", "212", "312", "415", "425", "617", "702"],
  CA: ["416", "514", "604"],
};

function drawPhone(country: CountryCode, random: Random): string | undefined {
  if (country === "GB") return `+447700900${randomDigits(random, 3)}`;
  const areas = NANP_AREA_CODES[country];
  if (areas) return `+1${areas[Math.floor(random() * areas.length)]}55501${randomDigits(random, 2)}`;
  const example = exampleMobileNumber(country);
  if (!example) return undefined;
  const tail = Math.min(4, example.length - 4);
  const candidate = `${example.slice(0, example.length - tail)}${randomDigits(random, tail)}`;
  return parsePhoneNumberFromString(candidate)?.isValid() ? candidate : undefined;
}

let examples: Record<string, string> | undefined;

function exampleMobileNumber(country: CountryCode): string | undefined {
  // Loaded on first use: the examples file is only needed for countries without a drama range.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  examples ??= require("libphonenumber-js/mobile/examples") as Record<string, string>;
  const national = examples[country];
  if (!national) return undefined;
  return parsePhoneNumberFromString(national, country)?.number;
}

/** The phone as E.164 with `+`, or a 400. */
export function parseSimulatedPhone(value: unknown, field = "phone"): string {
  const phone = tryParsePhoneNumber(value);
  if (!phone) {
    throw new SimulatorError(
      400,
      "invalid_phone",
      `${field} must be an international phone number such as +447700900123`,
    );
  }
  return phone;
}

/**
 * The country of an E.164 number: libphonenumber's answer for numbers it knows, else the main country of the calling
 * code (GB for +44, US for +1), so drama-range numbers such as `+44 7700 900123`, which libphonenumber does not call
 * valid, still get their country.
 */
export function countryOfPhone(phone: string): CountryCode | undefined {
  const parsed = parsePhoneNumberFromString(phone);
  if (!parsed) return undefined;
  if (parsed.country) return parsed.country;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const metadata = require("libphonenumber-js/metadata.min.json") as {
    country_calling_codes: Record<string, string[]>;
  };
  return metadata.country_calling_codes[parsed.countryCallingCode]?.[0] as CountryCode | undefined;
}
