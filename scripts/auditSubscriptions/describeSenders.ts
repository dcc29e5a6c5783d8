/**
 * The sentences that say who goes silent (or slips through) and what a rewrite cannot do for them. Phone numbers in
 * them are masked.
 *
 * @packageDocumentation
 */

import { maskIdentifier } from "../../lib/core/logging/mask";
import type { Severity } from "./auditReport";
import { callingCodeOf, countriesOfNumber, isString, mask, unique } from "./phoneNumbers";
import { HIDDEN_FORMS, type Observation } from "./probeFilter";

/** Who the probes saw go silent (or slip through): which events, from which countries, in which sender forms. */
export function describeAffected(observations: Observation[], severity: Severity, probed: Set<string>): string {
  const kinds = unique(observations.map((o) => o.situation.eventKind));
  const countries = unique(observations.map((o) => o.situation.person.country)).sort();
  const forms = new Set(observations.map((o) => o.form));
  const where =
    countries.length >= probed.size
      ? "every country"
      : countries.length > 12
        ? `${countries.length} countries`
        : countries.join(", ");
  const who = kinds
    .map((kind) =>
      kind === "received"
        ? "messages from users who hide their number"
        : "delivery statuses of messages sent to users who hide their number",
    )
    .join(" and ");
  if (severity === "warning") return `${who} (${where}) get through although their phone number is excluded`;
  if (HIDDEN_FORMS.every((form) => forms.has(form))) return `${who} (${where})`;
  // A parent BSUID probe sends the phone field as an empty string, so it fails for the same reason as that form.
  const field = kinds.length === 1 && kinds[0] === "status" ? "data.to" : "data.from";
  const values = (["bsuid-from-empty", "bsuid-from-null", "bsuid-from-absent"] as const)
    .filter((form) => forms.has(form))
    .map(
      (form) =>
        ({ "bsuid-from-empty": "an empty string", "bsuid-from-null": "null", "bsuid-from-absent": "missing" })[form],
    );
  const parts = values.length > 0 ? [`${field} is ${values.join(" or ")}`] : [];
  if (forms.has("parent-bsuid") && !forms.has("bsuid-from-empty")) parts.push("the user has a parent BSUID (CC.ENT.…)");
  return `${who} (${where}) when ${parts.join(", or when ")}`;
}

/**
 * The note for sender prefixes narrower than a country (`1425` and `1206`, area codes of one US region): a BSUID
 * carries only its country, so the rewrite matches every BSUID sender of those countries, more than the original.
 */
export function describeWidening(prefixes: string[]): { note: string; senderPrefixes: string[]; countries: string[] } {
  const countries = unique(prefixes.flatMap(countriesOfNumber)).sort();
  const codes = unique(prefixes.map(callingCodeOf).filter(isString)).map((code) => `+${code}`);
  const listed = prefixes.map((digits) => mask(digits)).join(", ");
  const shown =
    countries.length > 12
      ? `${countries.slice(0, 10).join(", ")} and ${countries.length - 10} more`
      : countries.join(", ");
  return {
    note:
      `The rewrite matches more senders than the original: ${listed} pick${prefixes.length === 1 ? "s" : ""} out ` +
      `part of the numbers of ${codes.join(", ")} (an area code or number range), but a BSUID shows only its ` +
      `country, so BSUID senders from all of ${countries.length} ${countries.length === 1 ? "country" : "countries"} ` +
      `(${shown}) get through. Narrow them in the app, where the identity map links BSUID and phone.`,
    senderPrefixes: prefixes,
    countries,
  };
}

/** The countries a number or prefix (or several) stands for, shortened when long. */
export function countryList(numbers: string | string[] | undefined): string {
  const list = unique((Array.isArray(numbers) ? numbers : numbers ? [numbers] : []).flatMap(countriesOfNumber));
  if (list.length === 0) return "no country";
  return list.length > 8 ? `${list.slice(0, 6).join(", ")} and ${list.length - 6} more` : list.join(", ");
}

/** Who is affected when a filter names whole numbers: those people. */
export function personAffected(numbers: string[]): string {
  const list = numbers.map((digits) => maskIdentifier(digits)).join(", ");
  return `messages from the user${numbers.length === 1 ? "" : "s"} with number ${list}, once they hide it`;
}

/** Who is affected when a filter names the end of a number: everyone whose number ends so. */
export function suffixAffected(value: string): string {
  const digits = /(\d+)(?:\/recipient\/.*)?$/i.exec(value)?.[1] ?? "";
  return `messages from users whose number ends in ${digits.length >= 7 ? maskIdentifier(digits) : digits}, once they hide it (any country)`;
}

/** Why a rewrite of a filter naming one person's number lets their whole country's BSUID senders through. */
export function personNote(digits: string): string {
  return (
    `The number ${maskIdentifier(digits)} picks out one person; once they hide it, a subscription can only tell ` +
    "their country (from the BSUID prefix), so the rewrite lets that country's BSUID senders through. Narrow in the " +
    "app, or add their exact BSUID (advancedMessage/sender/<BSUID>/) once it is known."
  );
}
