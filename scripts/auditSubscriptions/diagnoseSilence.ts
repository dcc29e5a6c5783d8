/**
 * Diagnosing what goes silent: for each filter part the probes blamed, which kind of problem it is, who it affects,
 * why, and the changes to the filter that fix it (applied together by the rewrite).
 *
 * @packageDocumentation
 */

import type { AdvancedFilter, EventGridFilter } from "../../lib/eventGridFilter/evaluateEventGridFilter";
import { RECEIVED_SUBJECT_PREFIX } from "../../lib/domain/routing/senderCountryFilter";
import type { FindingKind, Severity } from "./auditReport";
import { countryList, personAffected, personNote, suffixAffected } from "./describeSenders";
import {
  bsuidPrefixes,
  callingCodeOf,
  countriesOfNumber,
  inToPrefix,
  isString,
  isWholeNumber,
  mask,
  recipientTail,
  senderDigits,
  unique,
} from "./phoneNumbers";
import type { Cause, FilterPart } from "./probeFilter";

/** Digits a phone sender segment can start with: calling codes never start with 0. */
const PHONE_DIGIT_PREFIXES = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => `${RECEIVED_SUBJECT_PREFIX}${d}`);

/** A change to the filter, applied together with the others for the same subscription. */
export type Transform =
  | { op: "dropSubjectBeginsWith" }
  | { op: "setSubjectEndsWith"; value: string | undefined }
  | { op: "caseInsensitive" }
  | { op: "replaceAdvanced"; index: number; with: AdvancedFilter[] }
  | { op: "addAdvanced"; filter: AdvancedFilter }
  | { op: "splitAdvanced"; index: number; with: AdvancedFilter };

/** What one blamed filter part does wrong, and its fix. */
export interface Diagnosis {
  kind: FindingKind;
  /** Who is affected, when the filter says more precisely than the probes' countries (one number, a number's end). */
  affects?: string;
  why: string;
  fix: string;
  transforms: Transform[];
  notes: string[];
  /** Sender digits narrower than a country whose BSUID stand-in is the whole country (see `FilterRewrite.widens`). */
  widens?: string[];
}

/** Diagnoses one cause found by the probes of `filter`. */
export function diagnose({ part, observations, severity, caseOnly }: Cause, filter: EventGridFilter): Diagnosis {
  if (caseOnly) return diagnoseCaseSensitive(part, filter);
  if (part.subject === "beginsWith") return diagnoseSubjectPrefix(filter.subjectBeginsWith!);
  if (part.subject === "endsWith") return diagnoseSubjectSuffix(filter.subjectEndsWith!);
  const advanced = (filter.advancedFilters ?? [])[part.index!]!;
  const key = advanced.key.toLowerCase();
  if (key === "subject") return diagnoseSubjectAdvanced(advanced, part, severity);
  if (key === "data.from" && observations.some((o) => o.situation.eventKind === "received")) {
    return diagnoseDataFrom(advanced, part, severity);
  }
  if (key === "data.to" && observations.some((o) => o.situation.eventKind === "status")) {
    return diagnoseDataTo(advanced, part);
  }
  return {
    kind: severity === "warning" ? "exclusion-bypassed" : "other",
    why: `${part.path} (${advanced.operatorType} on ${advanced.key}) lets one form of the same sender through and not another`,
    fix: "no automatic rewrite: remove this part or filter in the app, where phone and BSUID resolve to one contact",
    transforms: [],
    notes: [`${part.path} needs a manual fix (${advanced.operatorType} on ${advanced.key}).`],
  };
}

function diagnoseCaseSensitive(part: FilterPart, filter: EventGridFilter): Diagnosis {
  return {
    kind: "case-sensitive-subject",
    why:
      `isSubjectCaseSensitive is true and ${part.path.replace("filter.", "")} is ` +
      `"${mask(part.subject === "beginsWith" ? filter.subjectBeginsWith! : filter.subjectEndsWith!)}", a case no ACS ` +
      "subject has: BSUIDs are written exactly as issued, with an upper-case country code (GB.…), and must never be changed",
    fix: "sets isSubjectCaseSensitive to false",
    transforms: [{ op: "caseInsensitive" }],
    notes: [],
  };
}

function diagnoseSubjectPrefix(value: string): Diagnosis {
  const sender = senderDigits(value);
  const recipient = recipientTail(value);
  const transforms: Transform[] = [{ op: "dropSubjectBeginsWith" }];
  const prefixes = sender ? bsuidPrefixes(sender.digits) : [];
  transforms.push({
    op: "addAdvanced",
    filter: { operatorType: "StringBeginsWith", key: "subject", values: [value, ...prefixes] },
  });
  if (recipient) {
    transforms.push({
      op: "addAdvanced",
      filter: { operatorType: "StringEndsWith", key: "subject", values: [recipient] },
    });
  }
  const callingCodeOnly = sender !== undefined && sender.digits === sender.callingCode;
  const whole = sender !== undefined && isWholeNumber(sender.digits);
  const notes = whole ? [personNote(sender.digits)] : [];
  return {
    kind: callingCodeOnly ? "calling-code-subject-prefix" : "phone-subject-prefix",
    ...(whole ? { affects: personAffected([sender.digits]) } : {}),
    ...(sender && !callingCodeOnly && !whole ? { widens: [sender.digits] } : {}),
    why: callingCodeOnly
      ? `subjectBeginsWith "${value}" matches calling code ${sender!.digits} in the sender segment, but a user who ` +
        `hides their number appears there by BSUID (${countryList(sender!.digits)}), which starts with letters`
      : `subjectBeginsWith "${mask(value)}" names a phone number in the sender segment; once that user hides their ` +
        "number the segment carries their BSUID instead",
    fix:
      `moves the prefix into a StringBeginsWith filter on subject (subjectBeginsWith takes one value) together with ` +
      `the BSUID prefixes of ${countryList(sender?.digits)}` +
      (recipient ? `, and keeps the recipient with a StringEndsWith on subject` : ""),
    transforms,
    notes,
  };
}

function diagnoseSubjectSuffix(value: string): Diagnosis {
  const recipient = recipientTail(value);
  return {
    kind: "phone-subject-suffix",
    affects: suffixAffected(value),
    why:
      `subjectEndsWith "${mask(value)}" includes the end of a phone number; a user who hides their number has a ` +
      "BSUID in the subject, which does not end in those digits",
    fix: recipient
      ? `keeps only the recipient part "${recipient}" as subjectEndsWith`
      : "removes subjectEndsWith (a BSUID has no phone digits to match)",
    transforms: [{ op: "setSubjectEndsWith", value: recipient }],
    notes: [
      "The end of a phone number cannot be matched for users who hide it; the rewrite lets every such sender through " +
        "— narrow them in the app, where the identity map links BSUID and phone.",
    ],
  };
}

/** What an advanced filter on subject says about senders: its values, the calling codes in them, their BSUID prefixes. */
interface SubjectSenders {
  values: string[];
  codes: string[];
  prefixes: string[];
  callingCodeOnly: boolean;
  personNotes: string[];
  /** Sender digits narrower than a country and not a whole number (area codes, number ranges). */
  partial: string[];
  /** The values, quoted and masked, for prose. */
  listed: string;
}

function readSubjectSenders(advanced: AdvancedFilter): SubjectSenders {
  const values =
    "values" in advanced && Array.isArray(advanced.values) ? (advanced.values as unknown[]).filter(isString) : [];
  const senders = values.map(senderDigits).filter((sender) => sender !== undefined);
  const codes = unique(senders.map((sender) => sender.digits));
  return {
    values,
    codes,
    prefixes: unique(codes.flatMap(bsuidPrefixes)),
    callingCodeOnly: senders.length > 0 && senders.every((sender) => sender.digits === sender.callingCode),
    personNotes: senders.filter((s) => isWholeNumber(s.digits)).map((s) => personNote(s.digits)),
    partial: senders.filter((s) => s.digits !== s.callingCode && !isWholeNumber(s.digits)).map((s) => s.digits),
    listed: values.map((value) => `"${mask(value)}"`).join(", "),
  };
}

function diagnoseSubjectAdvanced(advanced: AdvancedFilter, part: FilterPart, severity: Severity): Diagnosis {
  const op = advanced.operatorType;
  const senders = readSubjectSenders(advanced);
  if (op === "StringBeginsWith" || op === "StringContains" || op === "StringIn") {
    return diagnoseSubjectInclusion(op, advanced.key, part, senders);
  }
  if (op === "StringNotBeginsWith" || op === "StringNotContains") {
    return diagnoseSubjectExclusion(op, advanced.key, part, senders);
  }
  return {
    kind: severity === "warning" ? "exclusion-bypassed" : "phone-subject-suffix",
    why: `${op} on subject with ${senders.listed} depends on phone digits, which a user who hides their number does not have in the subject`,
    fix: "removes this filter (it cannot be expressed for BSUIDs)",
    transforms: [{ op: "replaceAdvanced", index: part.index!, with: [] }],
    notes: [`${part.path} was removed: narrow senders in the app, where the identity map links BSUID and phone.`],
  };
}

/** A subject filter that lets senders in by phone prefix: the BSUID prefixes of the same countries are added. */
function diagnoseSubjectInclusion(
  op: "StringBeginsWith" | "StringContains" | "StringIn",
  key: string,
  part: FilterPart,
  { values, codes, prefixes, callingCodeOnly, personNotes, partial, listed }: SubjectSenders,
): Diagnosis {
  const added = op === "StringContains" ? prefixes.map((prefix) => prefix.slice("advancedMessage/".length)) : prefixes;
  const kept = op === "StringIn" ? values.map((value) => inToPrefix(value)) : values;
  const recipients = op === "StringIn" ? unique(values.map(recipientTail).filter(isString)) : [];
  const replacement: AdvancedFilter[] = [
    { operatorType: op === "StringIn" ? "StringBeginsWith" : op, key, values: unique([...kept, ...added]) },
  ];
  if (recipients.length > 0) replacement.push({ operatorType: "StringEndsWith", key: "subject", values: recipients });
  return {
    kind: callingCodeOnly ? "calling-code-subject-prefix" : "phone-subject-prefix",
    why: `${op} on subject with ${listed} matches phone numbers in the sender segment, where a user who hides their number appears by BSUID (${countryList(codes)})`,
    fix:
      (op === "StringIn" ? "turns the exact subjects into sender prefixes and adds" : "adds") +
      ` the BSUID prefixes of ${countryList(codes)} to the same filter (values in one filter are ORed)`,
    transforms: [{ op: "replaceAdvanced", index: part.index!, with: replacement }],
    notes: personNotes,
    widens: partial,
  };
}

/** A subject filter that keeps senders out by phone prefix: the BSUID prefixes of the same countries are excluded too. */
function diagnoseSubjectExclusion(
  op: "StringNotBeginsWith" | "StringNotContains",
  key: string,
  part: FilterPart,
  { values, codes, prefixes, personNotes, listed }: SubjectSenders,
): Diagnosis {
  const added = op === "StringNotContains" ? prefixes.map((p) => p.slice("advancedMessage/".length)) : prefixes;
  return {
    kind: "exclusion-bypassed",
    why: `${op} on subject with ${listed} keeps out senders by phone number, but the same users write unseen by BSUID (${countryList(codes)})`,
    fix: `adds the BSUID prefixes of ${countryList(codes)} to the exclusion`,
    transforms: [
      {
        op: "replaceAdvanced",
        index: part.index!,
        with: [{ operatorType: op, key, values: unique([...values, ...added]) }],
      },
    ],
    notes: personNotes,
  };
}

function diagnoseDataFrom(advanced: AdvancedFilter, part: FilterPart, severity: Severity): Diagnosis {
  const op = advanced.operatorType;
  if (op === "IsNotNull") {
    return {
      kind: "requires-data-from",
      why:
        "IsNotNull on data.from requires a phone field, which ACS sends as null or leaves out when the user hides " +
        "their number (an empty string passes, so this fails only some of the time)",
      fix: "removes the filter: every AdvancedMessageReceived event has a sender, in data.from or data.fromBSUID",
      transforms: [{ op: "replaceAdvanced", index: part.index!, with: [] }],
      notes: [],
    };
  }
  if (op === "IsNullOrUndefined") {
    return {
      kind: "requires-data-from",
      why:
        "IsNullOrUndefined on data.from picks senders without a visible phone, but ACS also writes a hidden phone as an " +
        "empty string, which this does not match",
      fix: "tests the subject instead: a sender segment that does not start with a digit is a BSUID",
      transforms: [
        {
          op: "replaceAdvanced",
          index: part.index!,
          with: [{ operatorType: "StringNotBeginsWith", key: "subject", values: PHONE_DIGIT_PREFIXES }],
        },
      ],
      notes: [],
    };
  }
  return diagnosePhoneTestOnDataFrom(advanced, part, severity);
}

/** A string or number test of `data.from` as a phone: moved to the subject's sender segment where it can be. */
function diagnosePhoneTestOnDataFrom(advanced: AdvancedFilter, part: FilterPart, severity: Severity): Diagnosis {
  const op = advanced.operatorType;
  const index = part.index!;
  const values =
    "values" in advanced && Array.isArray(advanced.values) ? (advanced.values as unknown[]).map(String) : [];
  const digits = values.map((value) => value.replace(/^\+/, "")).filter((value) => /^\d+$/.test(value));
  const listed = values.map((value) => `"${mask(value)}"`).join(", ");
  const why =
    `${op} on data.from${values.length > 0 ? ` with ${listed}` : ""} tests the sender's phone number, which ` +
    "a user who hides their number does not send";
  if ((op === "StringBeginsWith" || op === "StringIn") && digits.length > 0) {
    return diagnosePhonePrefixOnDataFrom(op, index, digits, why);
  }
  const kind = severity === "warning" ? "exclusion-bypassed" : "phone-test-on-data-from";
  if (op === "StringNotBeginsWith" && digits.length > 0) {
    const codes = digits.filter((d) => callingCodeOf(d) !== undefined);
    const prefixes = unique(codes.flatMap(bsuidPrefixes));
    const excluded = unique([...digits.map((d) => `${RECEIVED_SUBJECT_PREFIX}${d}`), ...prefixes]);
    return {
      kind,
      why: `${why}; a missing or null phone fails StringNotBeginsWith, and the BSUID users of those countries are not excluded`,
      fix: `excludes the same calling codes and the BSUID prefixes of ${countryList(codes)} on the subject instead`,
      transforms: [
        {
          op: "replaceAdvanced",
          index,
          with: [{ operatorType: "StringNotBeginsWith", key: "subject", values: excluded }],
        },
      ],
      notes: [],
    };
  }
  return {
    kind,
    why,
    fix: "removes this filter (a BSUID cannot be tested this way)",
    transforms: [{ op: "replaceAdvanced", index, with: [] }],
    notes: [
      `${part.path} (${op} on data.from) was removed: check those people in the app, or add their BSUIDs ` +
        "(data.fromBSUID) in a subscription of their own.",
    ],
  };
}

/** `data.from` tested against phone prefixes or numbers: the same test on the subject's sender segment, plus BSUIDs. */
function diagnosePhonePrefixOnDataFrom(
  op: "StringBeginsWith" | "StringIn",
  index: number,
  digits: string[],
  why: string,
): Diagnosis {
  const codes = digits.filter((d) => callingCodeOf(d) !== undefined);
  const prefixes = unique(codes.flatMap(bsuidPrefixes));
  const subjects = digits.map((d) => `${RECEIVED_SUBJECT_PREFIX}${d}${op === "StringIn" ? "/" : ""}`);
  const people = digits.filter((d) => d.length >= 7);
  return {
    kind: "phone-test-on-data-from",
    ...(op === "StringIn" && people.length === digits.length ? { affects: personAffected(people) } : {}),
    why,
    fix: `tests the subject's sender segment instead, which carries the phone or the BSUID, with the BSUID prefixes of ${countryList(codes)} added`,
    transforms: [
      {
        op: "replaceAdvanced",
        index,
        with: [{ operatorType: "StringBeginsWith", key: "subject", values: unique([...subjects, ...prefixes]) }],
      },
    ],
    notes: op === "StringIn" ? digits.filter((d) => d.length >= 7).map(personNote) : [],
    widens: codes.filter((d) => d !== callingCodeOf(d) && !isWholeNumber(d)),
  };
}

function diagnoseDataTo(advanced: AdvancedFilter, part: FilterPart): Diagnosis {
  const op = advanced.operatorType;
  const index = part.index!;
  const why =
    `${op} on data.to tests the recipient's phone number in delivery statuses; it is empty or null when the message ` +
    "went to a BSUID, so statuses of messages to users who hide their number never arrive";
  const removed: Diagnosis = {
    kind: "recipient-phone-filter",
    why,
    fix: "removes the filter",
    transforms: [{ op: "replaceAdvanced", index, with: [] }],
    notes: [],
  };
  if (op === "IsNotNull") return removed;
  const values =
    "values" in advanced && Array.isArray(advanced.values) ? (advanced.values as unknown[]).map(String) : [];
  const codes = values
    .map((value) => value.replace(/^\+/, ""))
    .filter((d) => /^\d+$/.test(d) && callingCodeOf(d) !== undefined);
  if ((op === "StringBeginsWith" || op === "StringIn") && codes.length > 0) {
    return { ...removed, ...recipientBsuidSubscription(index, codes) };
  }
  return {
    ...removed,
    notes: [`${part.path} (${op} on data.to) was removed: filter statuses by recipient in the app.`],
  };
}

/** The fix for a status filter on recipient phone prefixes: a second subscription on the recipient's BSUID country. */
function recipientBsuidSubscription(index: number, codes: string[]): Pick<Diagnosis, "fix" | "transforms" | "notes"> {
  return {
    fix:
      `adds a second subscription testing data.toBSUID against the BSUID prefixes of ${countryList(codes)} (the ` +
      "subject of a status event names no recipient, so one subscription cannot test both fields)",
    transforms: [
      {
        op: "splitAdvanced",
        index,
        with: {
          operatorType: "StringBeginsWith",
          key: "data.toBSUID",
          values: unique(codes.flatMap(countriesOfNumber).map((c) => `${c}.`)),
        },
      },
    ],
    notes: [
      "A status that carries both a phone and a BSUID matches both subscriptions and arrives twice; the handler must " +
        "be idempotent (Event Grid delivers at least once anyway).",
    ],
  };
}
