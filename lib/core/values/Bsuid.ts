import { ValidationError } from "../errors";

declare const bsuidBrand: unique symbol;

/**
 * A WhatsApp business-scoped user ID, e.g. `US.13491208655302741918` or the parent form `US.ENT.11815799212886844830`.
 *
 * Opaque and case-sensitive: it is kept byte for byte (the country prefix and the period are part of the value), never
 * trimmed, case-folded or otherwise "normalised", because a modified value makes sends fail.
 */
export type Bsuid = string & { readonly [bsuidBrand]: true };

const BSUID_PATTERN = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;
const PARENT_BSUID_PATTERN = /^[A-Z]{2}\.ENT\.[A-Za-z0-9]{1,128}$/;

/** True when `value` is a well-formed BSUID (exactly, with no surrounding whitespace). */
export function isBsuid(value: unknown): value is Bsuid {
  return typeof value === "string" && BSUID_PATTERN.test(value);
}

/** True for the parent (`CC.ENT.…`) form used by managed businesses with linked portfolios. */
export function isParentBsuid(value: Bsuid): boolean {
  return PARENT_BSUID_PATTERN.test(value);
}

/** Validates a BSUID. Throws {@link ValidationError} naming `field` when the value is not one. */
export function parseBsuid(value: unknown, field = "bsuid"): Bsuid {
  if (isBsuid(value)) return value;
  const shown = typeof value === "string" ? `a string of ${value.length} characters` : typeof value;
  throw new ValidationError(
    `${field} must be a BSUID: a two-letter upper-case country code, a period, then 1-128 letters or digits ` +
      `(e.g. US.13491208655302741918); got ${shown}`,
    { code: "invalid_bsuid", field },
  );
}

/** The ISO 3166 alpha-2 country code a BSUID starts with. */
export function bsuidCountry(bsuid: Bsuid): string {
  return bsuid.slice(0, 2);
}
