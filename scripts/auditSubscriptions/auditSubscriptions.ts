/**
 * The subscription audit: finds Event Grid subscriptions (and route filters) that stop seeing WhatsApp users once
 * they hide their phone number, explains why, and proposes a BSUID-aware rewrite checked with the same filter engine.
 *
 * How it decides, rather than guessing from the filter's text: every filter is run through
 * {@link evaluateEventGridFilter} against probe events for the same person in each form ACS can send them
 * (phone visible; BSUID only with `data.from` empty, `null` or missing; parent BSUID), for phone numbers drawn from
 * the filter's own values and from several countries, for every message type and delivery status. A filter that lets
 * one form of a person through and drops another makes that person go silent. The filter parts that drop the form
 * are the causes; each is classified and rewritten, and the rewrite is run through the same probes.
 *
 * @packageDocumentation
 */

import { parsePhoneNumberFromString } from "libphonenumber-js";
import { ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED, ADVANCED_MESSAGE_RECEIVED } from "../../lib/events/wireTypes";
import { maskIdentifier } from "../../lib/logging/mask";
import {
  EVENT_GRID_FILTER_LIMITS,
  evaluateEventGridFilter,
  validateEventGridFilter,
  type AdvancedFilter,
  type EventGridFilter,
  type StringAdvancedFilter,
  type StringOperatorType,
} from "../../lib/routing/evaluateEventGridFilter";
import { countriesForCallingCode, expandCountrySenderPrefixes } from "../../lib/routing/expandCountry";
import {
  readSubscriptionsInput,
  type SubscriptionUnderAudit,
  type SubscriptionsInputFormat,
} from "./readSubscriptions";
import { RECEIVED_SUBJECT_PREFIX } from "../../lib/routing/senderCountryFilter";

export type { SubscriptionUnderAudit, SubscriptionsInputFormat } from "./readSubscriptions";
export { readSubscriptionsInput } from "./readSubscriptions";

/** What a finding is about. Stable codes, for `--json` consumers. */
export type FindingKind =
  /** `subjectBeginsWith` (or a subject `StringBeginsWith`/`StringContains`/`StringIn`) names a phone number. */
  | "phone-subject-prefix"
  /** The same, with only a calling code (`advancedMessage/sender/44`). */
  | "calling-code-subject-prefix"
  /** `subjectEndsWith` (or a subject `StringEndsWith`) names the end of a phone number. */
  | "phone-subject-suffix"
  /** `data.from` must be present (`IsNotNull`) or absent (`IsNullOrUndefined`), which ACS does not do consistently. */
  | "requires-data-from"
  /** A string or number operator tests `data.from` as a phone number. */
  | "phone-test-on-data-from"
  /** A delivery-status filter tests `data.to` (the recipient phone), empty when the message went to a BSUID. */
  | "recipient-phone-filter"
  /** `isSubjectCaseSensitive` with a subject value whose case no BSUID has. */
  | "case-sensitive-subject"
  /** An exclusion by phone number that BSUID senders slip past (a warning: nothing goes silent). */
  | "exclusion-bypassed"
  /** Another filter part that treats the two kinds of sender differently. */
  | "other";

/** One cause of silence (or, for `exclusion-bypassed`, of a leak) in one subscription. */
export interface AuditFinding {
  kind: FindingKind;
  /** `silent`: some senders' messages never arrive; `warning`: senders arrive that the filter meant to keep out. */
  severity: "silent" | "warning";
  /** The filter part, e.g. `filter.subjectBeginsWith` or `filter.advancedFilters[1]`. */
  part: string;
  /** Who goes silent (or slips through), e.g. "BSUID-only senders from GB, GG, IM, JE". */
  affects: string;
  /** Why, in a sentence; phone numbers are masked. */
  why: string;
  /** What the rewrite does about this part. */
  fix: string;
}

/** The proposed replacement of a subscription's filter. */
export interface FilterRewrite {
  /** One filter, or several when one would break Event Grid's limits (one subscription each; same destination). */
  filters: EventGridFilter[];
  /** Things the rewrite cannot do by itself (e.g. picking out one person once they hide their number). */
  notes: string[];
  /**
   * Present when the rewrite lets through more senders than the original: sender prefixes narrower than a country
   * (an area code such as `1425`, a number range) can only be matched for BSUID senders by their country, so the
   * rewrite admits every BSUID sender of `countries`.
   */
  widens?: { senderPrefixes: string[]; countries: string[] };
  /**
   * Whether the rewrite, run through the filter engine with the same probes, delivers every form of every sender it
   * delivers at all, keeps everyone the original delivered, and keeps out BSUID senders the original meant to exclude.
   */
  verified: boolean;
  /** Why `verified` is false, or why no valid rewrite exists (limits). */
  problems: string[];
}

/** The audit of one subscription. */
export interface SubscriptionAudit {
  name: string;
  location: string;
  destination: string | undefined;
  eventDeliverySchema: string;
  /**
   * `silent`: some senders go silent; `warning`: only warnings; `ok`: every sender form is treated alike;
   * `not-relevant`: receives no Advanced Messaging event types; `unauditable`: the filter is not valid as written.
   */
  status: "silent" | "warning" | "ok" | "not-relevant" | "unauditable";
  findings: AuditFinding[];
  /** Present when there are findings. */
  rewrite?: FilterRewrite;
  /** For `unauditable`: the filter problems. */
  problems?: string[];
}

/** The whole audit. */
export interface AuditReport {
  format: SubscriptionsInputFormat | undefined;
  subscriptions: SubscriptionAudit[];
  /** Problems with the input as a whole (unreadable, unknown shape). */
  inputProblems: string[];
  /** 0 clean, 1 something goes silent, 2 the input (or a subscription's filter) could not be audited. */
  exitCode: 0 | 1 | 2;
}

const RECEIVED_TYPE = ADVANCED_MESSAGE_RECEIVED.toLowerCase();
const STATUS_TYPE = ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED.toLowerCase();
/** Countries probed for every filter, besides those the filter's own values point to: several calling-code lengths. */
const PROBE_COUNTRIES = ["GB", "US", "IN", "DE", "BR", "NG", "AE", "ID"];
const MESSAGE_TYPES = ["text", "image", "document", "video", "audio", "sticker", "reaction", "interactive", "button"];
const STATUSES = ["Sent", "Delivered", "Read", "Failed"];
const DEFAULT_CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const FILLER = "7700900123456";
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Digits a phone sender segment can start with: calling codes never start with 0. */
const PHONE_DIGIT_PREFIXES = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => `${RECEIVED_SUBJECT_PREFIX}${d}`);

/** How a sender appears in an event. `visible` is the form with the phone; the others are a user hiding it. */
type SenderForm = "visible" | "bsuid-from-empty" | "bsuid-from-null" | "bsuid-from-absent" | "parent-bsuid";
const HIDDEN_FORMS: SenderForm[] = ["bsuid-from-empty", "bsuid-from-null", "bsuid-from-absent", "parent-bsuid"];

interface Person {
  phone: string;
  country: string;
  callingCode: string;
}

/** One probe situation: an event kind, a variant (message type or status), a channel, a person. */
interface Situation {
  eventKind: "received" | "status";
  variant: string;
  channel: string;
  person: Person;
}

interface Observation {
  situation: Situation;
  form: SenderForm;
}

interface FilterPart {
  path: string;
  filter: EventGridFilter;
  subject?: "beginsWith" | "endsWith";
  index?: number;
}

/** A change to the filter, applied together with the others for the same subscription. */
type Transform =
  | { op: "dropSubjectBeginsWith" }
  | { op: "setSubjectEndsWith"; value: string | undefined }
  | { op: "caseInsensitive" }
  | { op: "replaceAdvanced"; index: number; with: AdvancedFilter[] }
  | { op: "addAdvanced"; filter: AdvancedFilter }
  | { op: "splitAdvanced"; index: number; with: AdvancedFilter };

interface Diagnosis {
  kind: FindingKind;
  /** Who is affected, when the filter says more precisely than the probes' countries (one number, a number's end). */
  affects?: string;
  why: string;
  fix: string;
  transforms: Transform[];
  notes: string[];
  /** Sender digits narrower than a country whose BSUID stand-in is the whole country (see {@link FilterRewrite}). */
  widens?: string[];
}

/** Audits every subscription in `input` (any shape {@link readSubscriptionsInput} reads). */
export function auditSubscriptions(input: unknown): AuditReport {
  const read = readSubscriptionsInput(input);
  const subscriptions = read.subscriptions.map(auditSubscription);
  const inputProblems = read.problems;
  let exitCode: AuditReport["exitCode"] = 0;
  if (read.subscriptions.length === 0 || subscriptions.some((audit) => audit.status === "unauditable")) exitCode = 2;
  else if (subscriptions.some((audit) => audit.status === "silent")) exitCode = 1;
  return { format: read.format, subscriptions, inputProblems, exitCode };
}

/** Audits one subscription. */
export function auditSubscription(subscription: SubscriptionUnderAudit): SubscriptionAudit {
  const base = {
    name: subscription.name,
    location: subscription.location,
    destination: subscription.destination,
    eventDeliverySchema: subscription.eventDeliverySchema,
  };
  const issues = validateEventGridFilter(subscription.filter);
  if (issues.length > 0) {
    return {
      ...base,
      status: "unauditable",
      findings: [],
      problems: issues.map((issue) => `filter${issue.path ? `.${issue.path}` : ""}: ${issue.message}`),
    };
  }
  const filter = subscription.filter as EventGridFilter;
  const kinds = eventKindsOf(filter);
  if (kinds.length === 0) return { ...base, status: "not-relevant", findings: [] };

  const cloud = /^CloudEvent/i.test(subscription.eventDeliverySchema);
  const probe = createProber(filter, kinds, cloud);
  const findings: AuditFinding[] = [];
  const transforms: Transform[] = [];
  const notes: string[] = [];
  const widened: string[] = [];
  const excluded = new Set<Situation>();
  for (const { part, observations, severity, caseOnly } of probe.causes()) {
    if (severity === "warning") for (const observation of observations) excluded.add(observation.situation);
    const diagnosis = diagnose(part, filter, observations, severity, caseOnly);
    findings.push({
      kind: diagnosis.kind,
      severity,
      part: part.path,
      affects: diagnosis.affects ?? describeAffected(observations, severity, probe.countries),
      why: diagnosis.why,
      fix: diagnosis.fix,
    });
    transforms.push(...diagnosis.transforms);
    for (const note of diagnosis.notes) if (!notes.includes(note)) notes.push(note);
    for (const digits of diagnosis.widens ?? []) if (!widened.includes(digits)) widened.push(digits);
  }
  if (findings.length === 0) return { ...base, status: "ok", findings };

  const widens = widened.length > 0 ? describeWidening(widened) : undefined;
  if (widens) notes.unshift(widens.note);
  const rewrite = buildRewrite(filter, transforms, notes, probe, excluded);
  if (widens) rewrite.widens = { senderPrefixes: widens.senderPrefixes, countries: widens.countries };
  const status = findings.some((finding) => finding.severity === "silent") ? "silent" : "warning";
  return { ...base, status, findings, rewrite };
}

// ---- probing -------------------------------------------------------------------------------------------------

function eventKindsOf(filter: EventGridFilter): ("received" | "status")[] {
  const types = (filter.includedEventTypes ?? []).map((type) => type.toLowerCase());
  if (types.length === 0 || types.includes("all")) return ["received", "status"];
  const kinds: ("received" | "status")[] = [];
  if (types.includes(RECEIVED_TYPE)) kinds.push("received");
  if (types.includes(STATUS_TYPE)) kinds.push("status");
  return kinds;
}

interface Prober {
  /** Every country a probe person came from. */
  countries: Set<string>;
  situations: Situation[];
  /** Whether `filter` lets `form` of `situation` through. */
  passes(filter: EventGridFilter, situation: Situation, form: SenderForm): boolean;
  causes(): { part: FilterPart; observations: Observation[]; severity: "silent" | "warning"; caseOnly: boolean }[];
}

function createProber(filter: EventGridFilter, kinds: ("received" | "status")[], cloud: boolean): Prober {
  const values = stringValues(filter);
  const channels = [...new Set(values.flatMap((value) => value.match(GUID) ?? []).map((id) => id.toLowerCase()))];
  if (channels.length === 0) channels.push(DEFAULT_CHANNEL);
  const people = probePeople(values);
  const countries = new Set(people.map((person) => person.country));
  const situations: Situation[] = [];
  for (const eventKind of kinds) {
    for (const variant of eventKind === "received" ? MESSAGE_TYPES : STATUSES) {
      for (const channel of channels.slice(0, 3)) {
        for (const person of people) situations.push({ eventKind, variant, channel, person });
      }
    }
  }
  const passes = (target: EventGridFilter, situation: Situation, form: SenderForm) =>
    evaluateEventGridFilter(target, probeEvent(situation, form, cloud));
  const parts = filterParts(filter);
  const relaxed = filter.isSubjectCaseSensitive === true ? { ...filter, isSubjectCaseSensitive: false } : undefined;

  return {
    countries,
    situations,
    passes,
    causes() {
      const byPart = new Map<
        string,
        { part: FilterPart; observations: Observation[]; severity: "silent" | "warning"; caseOnly: boolean }
      >();
      const blame = (part: FilterPart, observation: Observation, severity: "silent" | "warning", caseOnly: boolean) => {
        const key = `${part.path}|${severity}`;
        const entry = byPart.get(key) ?? { part, observations: [], severity, caseOnly };
        entry.caseOnly &&= caseOnly;
        entry.observations.push(observation);
        byPart.set(key, entry);
      };
      for (const situation of situations) {
        const visible = passes(filter, situation, "visible");
        const hidden = HIDDEN_FORMS.map((form) => ({ form, pass: passes(filter, situation, form) }));
        const anyHidden = hidden.some((entry) => entry.pass);
        for (const { form, pass } of hidden) {
          if (pass) continue;
          const event = probeEvent(situation, form, cloud);
          if (visible || anyHidden) {
            // Silent: another form of this very person gets through. The parts that drop this form are the causes.
            for (const part of parts)
              if (!evaluateEventGridFilter(part.filter, event)) blame(part, { situation, form }, "silent", false);
          } else if (relaxed && evaluateEventGridFilter(relaxed, event)) {
            // Nothing gets through only because of case: BSUIDs are upper case, the filter's value is not.
            for (const part of parts) {
              if (part.subject && !evaluateEventGridFilter(part.filter, event)) {
                blame(part, { situation, form }, "silent", true);
              }
            }
          }
        }
        if (!visible && anyHidden) {
          // The visible form is kept out while hidden forms pass: an exclusion by phone that BSUIDs slip past. Only
          // parts that name digits count, so a deliberate "hidden senders only" filter is not reported as a leak.
          const event = probeEvent(situation, "visible", cloud);
          const passing = hidden.find((entry) => entry.pass)!;
          const hiddenEvent = probeEvent(situation, passing.form, cloud);
          for (const part of parts) {
            if (
              !evaluateEventGridFilter(part.filter, event) &&
              evaluateEventGridFilter(part.filter, hiddenEvent) &&
              /\d/.test(
                stringValues(part.filter)
                  .map((value) => value.replace(GUID, ""))
                  .join(""),
              )
            ) {
              blame(part, { situation, form: passing.form }, "warning", false);
            }
          }
        }
      }
      return [...byPart.values()];
    },
  };
}

/** The people probed: a few countries always, plus numbers built from every digit run in the filter's values. */
function probePeople(values: string[]): Person[] {
  // Made-up numbers stand for everyone with their calling code; a number taken whole from the filter is one person,
  // from the one country libphonenumber places it in when it can.
  const phones = new Map<string, "made-up" | "from-filter">();
  const codes = PROBE_COUNTRIES.map((country) => expandCountrySenderPrefixes(country).callingCode);
  for (const code of codes) phones.set(`${code}${FILLER}`.slice(0, 12), "made-up");
  for (const value of values) {
    for (const run of value.replace(GUID, "").match(/\d+/g) ?? []) {
      if (run.length > 15) continue;
      // As a prefix (a calling code or the start of a number), as a whole number, and as the end of a number.
      if (run.length >= 7) phones.set(run, "from-filter");
      const padded = `${run}${FILLER}`.slice(0, Math.max(run.length, 12));
      if (!phones.has(padded)) phones.set(padded, "made-up");
      for (const code of codes) {
        const head = `${code}${FILLER}`.slice(0, Math.max(code.length + 1, 12 - run.length));
        if (head.length + run.length <= 15 && !phones.has(`${head}${run}`)) phones.set(`${head}${run}`, "made-up");
      }
    }
  }
  const people: Person[] = [];
  for (const [phone, origin] of phones) {
    const callingCode = callingCodeOf(phone);
    if (callingCode === undefined) continue;
    const countries = origin === "from-filter" ? countriesOfNumber(phone) : countriesForCallingCode(callingCode);
    for (const country of countries) people.push({ phone, country, callingCode });
  }
  return people;
}

function probeEvent(situation: Situation, form: SenderForm, cloud: boolean): Record<string, unknown> {
  const { person, channel, variant } = situation;
  const bsuid =
    form === "parent-bsuid" ? `${person.country}.ENT.11815799212886844830` : `${person.country}.13491208655302741918`;
  const phone: string | null | undefined =
    form === "visible"
      ? person.phone
      : form === "bsuid-from-null"
        ? null
        : form === "bsuid-from-absent"
          ? undefined
          : "";
  const id = "00000000-0000-4000-8000-0000000000a1";
  let type: string;
  let subject: string;
  const data: Record<string, unknown> = { channelType: "whatsapp", receivedTimestamp: "2026-11-20T09:15:01+00:00" };
  if (situation.eventKind === "received") {
    type = ADVANCED_MESSAGE_RECEIVED;
    subject = `${RECEIVED_SUBJECT_PREFIX}${form === "visible" ? person.phone : bsuid}/recipient/${channel}`;
    Object.assign(data, { to: channel, messageId: id, messageType: variant, fromBSUID: bsuid });
    if (phone !== undefined) data.from = phone;
  } else {
    type = ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED;
    subject = `advancedMessage/${id}/status/${variant}`;
    Object.assign(data, { from: channel, messageId: id, status: variant, toBSUID: bsuid });
    if (phone !== undefined) data.to = phone;
  }
  const source =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs";
  return cloud
    ? { specversion: "1.0", id, source, subject, type, time: "2026-11-20T09:15:02Z", data }
    : {
        id,
        topic: source,
        subject,
        eventType: type,
        dataVersion: "1.0",
        metadataVersion: "1",
        eventTime: "2026-11-20T09:15:02Z",
        data,
      };
}

function filterParts(filter: EventGridFilter): FilterPart[] {
  const parts: FilterPart[] = [];
  const caseSensitive = filter.isSubjectCaseSensitive === true;
  if (filter.subjectBeginsWith) {
    parts.push({
      path: "filter.subjectBeginsWith",
      subject: "beginsWith",
      filter: { subjectBeginsWith: filter.subjectBeginsWith, isSubjectCaseSensitive: caseSensitive },
    });
  }
  if (filter.subjectEndsWith) {
    parts.push({
      path: "filter.subjectEndsWith",
      subject: "endsWith",
      filter: { subjectEndsWith: filter.subjectEndsWith, isSubjectCaseSensitive: caseSensitive },
    });
  }
  (filter.advancedFilters ?? []).forEach((advanced, index) => {
    parts.push({
      path: `filter.advancedFilters[${index}]`,
      index,
      filter: {
        advancedFilters: [advanced],
        enableAdvancedFilteringOnArrays: filter.enableAdvancedFilteringOnArrays === true,
      },
    });
  });
  return parts;
}

// ---- diagnosis -----------------------------------------------------------------------------------------------

function diagnose(
  part: FilterPart,
  filter: EventGridFilter,
  observations: Observation[],
  severity: "silent" | "warning",
  caseOnly: boolean,
): Diagnosis {
  if (caseOnly) {
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

function diagnoseSubjectAdvanced(
  advanced: AdvancedFilter,
  part: FilterPart,
  severity: "silent" | "warning",
): Diagnosis {
  const op = advanced.operatorType;
  const values =
    "values" in advanced && Array.isArray(advanced.values) ? (advanced.values as unknown[]).filter(isString) : [];
  const senders = values.map(senderDigits).filter((sender) => sender !== undefined);
  const codes = unique(senders.map((sender) => sender.digits));
  const prefixes = unique(codes.flatMap(bsuidPrefixes));
  const callingCodeOnly = senders.length > 0 && senders.every((sender) => sender.digits === sender.callingCode);
  const personNotes = senders.filter((s) => isWholeNumber(s.digits)).map((s) => personNote(s.digits));
  const partial = senders.filter((s) => s.digits !== s.callingCode && !isWholeNumber(s.digits)).map((s) => s.digits);
  const listed = values.map((value) => `"${mask(value)}"`).join(", ");

  if (op === "StringBeginsWith" || op === "StringContains" || op === "StringIn") {
    const added =
      op === "StringContains" ? prefixes.map((prefix) => prefix.slice("advancedMessage/".length)) : prefixes;
    const kept = op === "StringIn" ? values.map((value) => inToPrefix(value)) : values;
    const recipients = op === "StringIn" ? unique(values.map(recipientTail).filter(isString)) : [];
    const replacement: AdvancedFilter[] = [
      {
        operatorType: op === "StringIn" ? "StringBeginsWith" : op,
        key: advanced.key,
        values: unique([...kept, ...added]),
      },
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
  if (op === "StringNotBeginsWith" || op === "StringNotContains") {
    const added = op === "StringNotContains" ? prefixes.map((p) => p.slice("advancedMessage/".length)) : prefixes;
    return {
      kind: "exclusion-bypassed",
      why: `${op} on subject with ${listed} keeps out senders by phone number, but the same users write unseen by BSUID (${countryList(codes)})`,
      fix: `adds the BSUID prefixes of ${countryList(codes)} to the exclusion`,
      transforms: [
        {
          op: "replaceAdvanced",
          index: part.index!,
          with: [{ operatorType: op, key: advanced.key, values: unique([...values, ...added]) }],
        },
      ],
      notes: personNotes,
    };
  }
  return {
    kind: severity === "warning" ? "exclusion-bypassed" : "phone-subject-suffix",
    why: `${op} on subject with ${listed} depends on phone digits, which a user who hides their number does not have in the subject`,
    fix: "removes this filter (it cannot be expressed for BSUIDs)",
    transforms: [{ op: "replaceAdvanced", index: part.index!, with: [] }],
    notes: [`${part.path} was removed: narrow senders in the app, where the identity map links BSUID and phone.`],
  };
}

function diagnoseDataFrom(advanced: AdvancedFilter, part: FilterPart, severity: "silent" | "warning"): Diagnosis {
  const op = advanced.operatorType;
  const index = part.index!;
  if (op === "IsNotNull") {
    return {
      kind: "requires-data-from",
      why:
        "IsNotNull on data.from requires a phone field, which ACS sends as null or leaves out when the user hides " +
        "their number (an empty string passes, so this fails only some of the time)",
      fix: "removes the filter: every AdvancedMessageReceived event has a sender, in data.from or data.fromBSUID",
      transforms: [{ op: "replaceAdvanced", index, with: [] }],
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
          index,
          with: [{ operatorType: "StringNotBeginsWith", key: "subject", values: PHONE_DIGIT_PREFIXES }],
        },
      ],
      notes: [],
    };
  }
  const values =
    "values" in advanced && Array.isArray(advanced.values) ? (advanced.values as unknown[]).map(String) : [];
  const digits = values.map((value) => value.replace(/^\+/, "")).filter((value) => /^\d+$/.test(value));
  const codes = digits.filter((d) => callingCodeOf(d) !== undefined);
  const prefixes = unique(codes.flatMap(bsuidPrefixes));
  const listed = values.map((value) => `"${mask(value)}"`).join(", ");
  const phoneWhy =
    `${op} on data.from${values.length > 0 ? ` with ${listed}` : ""} tests the sender's phone number, which ` +
    "a user who hides their number does not send";
  if ((op === "StringBeginsWith" || op === "StringIn") && digits.length > 0) {
    const subjects = digits.map((d) => `${RECEIVED_SUBJECT_PREFIX}${d}${op === "StringIn" ? "/" : ""}`);
    const people = digits.filter((d) => d.length >= 7);
    return {
      kind: "phone-test-on-data-from",
      ...(op === "StringIn" && people.length === digits.length ? { affects: personAffected(people) } : {}),
      why: phoneWhy,
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
  if (op === "StringNotBeginsWith" && digits.length > 0) {
    return {
      kind: severity === "warning" ? "exclusion-bypassed" : "phone-test-on-data-from",
      why: `${phoneWhy}; a missing or null phone fails StringNotBeginsWith, and the BSUID users of those countries are not excluded`,
      fix: `excludes the same calling codes and the BSUID prefixes of ${countryList(codes)} on the subject instead`,
      transforms: [
        {
          op: "replaceAdvanced",
          index,
          with: [
            {
              operatorType: "StringNotBeginsWith",
              key: "subject",
              values: unique([...digits.map((d) => `${RECEIVED_SUBJECT_PREFIX}${d}`), ...prefixes]),
            },
          ],
        },
      ],
      notes: [],
    };
  }
  return {
    kind: severity === "warning" ? "exclusion-bypassed" : "phone-test-on-data-from",
    why: phoneWhy,
    fix: "removes this filter (a BSUID cannot be tested this way)",
    transforms: [{ op: "replaceAdvanced", index, with: [] }],
    notes: [
      `${part.path} (${op} on data.from) was removed: check those people in the app, or add their BSUIDs ` +
        "(data.fromBSUID) in a subscription of their own.",
    ],
  };
}

function diagnoseDataTo(advanced: AdvancedFilter, part: FilterPart): Diagnosis {
  const op = advanced.operatorType;
  const index = part.index!;
  const why =
    `${op} on data.to tests the recipient's phone number in delivery statuses; it is empty or null when the message ` +
    "went to a BSUID, so statuses of messages to users who hide their number never arrive";
  if (op === "IsNotNull") {
    return {
      kind: "recipient-phone-filter",
      why,
      fix: "removes the filter",
      transforms: [{ op: "replaceAdvanced", index, with: [] }],
      notes: [],
    };
  }
  const values =
    "values" in advanced && Array.isArray(advanced.values) ? (advanced.values as unknown[]).map(String) : [];
  const codes = values
    .map((value) => value.replace(/^\+/, ""))
    .filter((d) => /^\d+$/.test(d) && callingCodeOf(d) !== undefined);
  if ((op === "StringBeginsWith" || op === "StringIn") && codes.length > 0) {
    return {
      kind: "recipient-phone-filter",
      why,
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
  return {
    kind: "recipient-phone-filter",
    why,
    fix: "removes the filter",
    transforms: [{ op: "replaceAdvanced", index, with: [] }],
    notes: [`${part.path} (${op} on data.to) was removed: filter statuses by recipient in the app.`],
  };
}

// ---- rewrite -------------------------------------------------------------------------------------------------

function buildRewrite(
  original: EventGridFilter,
  transforms: Transform[],
  notes: string[],
  probe: Prober,
  excluded: Set<Situation>,
): FilterRewrite {
  const replaced = new Map<number, AdvancedFilter[]>();
  const added: AdvancedFilter[] = [];
  const splits: { index: number; with: AdvancedFilter }[] = [];
  const filter: EventGridFilter = { ...original };
  for (const transform of transforms) {
    switch (transform.op) {
      case "dropSubjectBeginsWith":
        delete filter.subjectBeginsWith;
        break;
      case "setSubjectEndsWith":
        if (transform.value === undefined) delete filter.subjectEndsWith;
        else filter.subjectEndsWith = transform.value;
        break;
      case "caseInsensitive":
        filter.isSubjectCaseSensitive = false;
        break;
      case "replaceAdvanced":
        replaced.set(transform.index, transform.with);
        break;
      case "addAdvanced":
        added.push(transform.filter);
        break;
      case "splitAdvanced":
        splits.push({ index: transform.index, with: transform.with });
        break;
    }
  }
  const advancedWith = (swap?: { index: number; with: AdvancedFilter }): AdvancedFilter[] => [
    ...(original.advancedFilters ?? []).flatMap((entry, index) =>
      swap?.index === index ? [swap.with] : (replaced.get(index) ?? [entry]),
    ),
    ...added,
  ];
  const tidy = (candidate: EventGridFilter): EventGridFilter => {
    const copy = { ...candidate };
    if (!copy.subjectBeginsWith) delete copy.subjectBeginsWith;
    if (!copy.subjectEndsWith) delete copy.subjectEndsWith;
    if (!copy.advancedFilters || copy.advancedFilters.length === 0) delete copy.advancedFilters;
    return copy;
  };
  let filters = [tidy({ ...filter, advancedFilters: advancedWith() })];
  for (const split of splits) filters.push(tidy({ ...filter, advancedFilters: advancedWith(split) }));

  const problems: string[] = [];
  filters = filters.flatMap((candidate) => fitLimits(candidate, problems, notes));
  const verified = problems.length === 0 && verifyRewrite(original, filters, probe, excluded, problems);
  return { filters, notes, verified, problems };
}

/**
 * Returns `filter`, or when it breaks Event Grid's limits and the cause is one long positive value list, the same
 * filter split into several (one subscription each: an event matching any of them is delivered, by one of them).
 */
function fitLimits(filter: EventGridFilter, problems: string[], notes: string[]): EventGridFilter[] {
  const issues = validateEventGridFilter(filter);
  if (issues.length === 0) return [filter];
  const advanced = filter.advancedFilters ?? [];
  const counts = advanced.map((entry) => ("values" in entry && Array.isArray(entry.values) ? entry.values.length : 1));
  const total = counts.reduce((sum, count) => sum + count, 0);
  const positive = new Set<StringOperatorType>(["StringBeginsWith", "StringIn", "StringContains", "StringEndsWith"]);
  let widest = -1;
  advanced.forEach((entry, index) => {
    if (positive.has(entry.operatorType as StringOperatorType) && (widest < 0 || counts[index]! > counts[widest]!)) {
      widest = index;
    }
  });
  const budget = widest < 0 ? 0 : EVENT_GRID_FILTER_LIMITS.maxAdvancedFilterValues - (total - counts[widest]!);
  if (widest < 0 || budget < 1 || advanced.length > EVENT_GRID_FILTER_LIMITS.maxAdvancedFilters) {
    problems.push(
      `the rewrite breaks Event Grid's limits (${issues.map((issue) => issue.message).join("; ")}) and cannot be ` +
        "split without changing its meaning (only a positive list of values splits into an OR of subscriptions); " +
        "cover fewer countries per subscription or filter in the app",
    );
    return [filter];
  }
  const values = (advanced[widest] as StringAdvancedFilter).values;
  const parts: EventGridFilter[] = [];
  for (let start = 0; start < values.length; start += budget) {
    const chunk = values.slice(start, start + budget);
    parts.push({
      ...filter,
      advancedFilters: advanced.map((entry, index) =>
        index === widest ? { ...(entry as StringAdvancedFilter), values: chunk } : entry,
      ),
    });
  }
  notes.push(
    `One filter would need ${total} values, over Event Grid's ${EVENT_GRID_FILTER_LIMITS.maxAdvancedFilterValues} ` +
      `per subscription, so the rewrite is split into ${parts.length} subscriptions with the same destination.`,
  );
  for (const part of parts) {
    for (const issue of validateEventGridFilter(part)) problems.push(`after splitting: ${issue.message}`);
  }
  return parts;
}

/**
 * Runs the rewrite through the same probes: every person it delivers at all it must deliver in every form; everyone
 * the original delivered in some form it must deliver, except where the original's exclusion by phone number was
 * bypassed (`excluded`): there every form must be kept out; and what the original missed only because of case it must
 * deliver.
 */
function verifyRewrite(
  original: EventGridFilter,
  filters: EventGridFilter[],
  probe: Prober,
  excluded: Set<Situation>,
  problems: string[],
): boolean {
  const forms: SenderForm[] = ["visible", ...HIDDEN_FORMS];
  const relaxed = original.isSubjectCaseSensitive === true ? { ...original, isSubjectCaseSensitive: false } : original;
  const failures = new Set<string>();
  for (const situation of probe.situations) {
    const before = new Map(forms.map((form) => [form, probe.passes(original, situation, form)]));
    const after = new Map(forms.map((form) => [form, filters.some((filter) => probe.passes(filter, situation, form))]));
    const who = `${situation.eventKind === "received" ? "senders" : "recipients"} from ${situation.person.country}`;
    const anyAfter = forms.some((form) => after.get(form));
    const hiddenAfter = HIDDEN_FORMS.map((form) => after.get(form));
    if (anyAfter && after.get("visible") && hiddenAfter.some((pass) => !pass)) {
      failures.add(`still drops some BSUID-only ${who}`);
    }
    if (anyAfter && new Set(hiddenAfter).size > 1) failures.add(`treats the BSUID-only forms of ${who} differently`);
    if (excluded.has(situation)) {
      if (anyAfter) failures.add(`still lets BSUID-only ${who} past an exclusion by phone number`);
      continue;
    }
    for (const form of forms) {
      if (before.get(form) && !after.get(form)) failures.add(`no longer delivers ${who} it used to deliver`);
    }
    for (const form of HIDDEN_FORMS) {
      if (relaxed !== original && probe.passes(relaxed, situation, form) && !after.get(form)) {
        failures.add(`does not deliver BSUID-only ${who} that only the subject's case kept out`);
      }
    }
  }
  problems.push(
    ...[...failures].slice(0, 5).map((failure) => `checked with the filter engine, the rewrite ${failure}`),
  );
  return failures.size === 0;
}

// ---- helpers -------------------------------------------------------------------------------------------------

function describeAffected(observations: Observation[], severity: "silent" | "warning", probed: Set<string>): string {
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

/** The phone digits at the start of a subject value's sender segment, with their calling code. */
function senderDigits(value: string): { digits: string; callingCode: string } | undefined {
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
function recipientTail(value: string): string | undefined {
  const at = value.toLowerCase().lastIndexOf("/recipient/");
  return at >= 0 && value.length > at + "/recipient/".length ? value.slice(at) : undefined;
}

/** A whole subject used with StringIn, as a prefix that still pins the sender: `advancedMessage/sender/{x}/`. */
function inToPrefix(value: string): string {
  const at = value.toLowerCase().lastIndexOf("/recipient/");
  return at >= 0 ? value.slice(0, at + 1) : value;
}

/**
 * The countries whose BSUIDs stand in for `digits`: the one country of a whole number when libphonenumber can place it
 * (+1 425… is US, +44 7797… is JE), else every country of its calling code (a prefix such as 44 or 1 stands for all).
 * The BSUID's country prefix is taken to be the country of the user's number, as Meta documents it for registration.
 */
function countriesOfNumber(digits: string): string[] {
  const country = placeNumber(digits);
  if (country) return [country];
  const callingCode = callingCodeOf(digits);
  return callingCode === undefined ? [] : countriesForCallingCode(callingCode);
}

/** True when `digits` are a whole phone number (a plausible length for their calling code), not a prefix of some. */
function isWholeNumber(digits: string): boolean {
  return digits.length >= 7 && parsePhoneNumberFromString(`+${digits}`)?.isPossible() === true;
}

/** The country of a whole phone number (digits), when libphonenumber can place it; undefined for a mere prefix. */
function placeNumber(digits: string): string | undefined {
  const parsed = digits.length >= 7 ? parsePhoneNumberFromString(`+${digits}`) : undefined;
  return parsed?.country && parsed.isPossible() ? parsed.country : undefined;
}

/**
 * The note for sender prefixes narrower than a country (`1425` and `1206`, area codes of one US region): a BSUID
 * carries only its country, so the rewrite matches every BSUID sender of those countries, more than the original.
 */
function describeWidening(prefixes: string[]): { note: string; senderPrefixes: string[]; countries: string[] } {
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

function bsuidPrefixes(digits: string): string[] {
  return countriesOfNumber(digits).map((country) => `${RECEIVED_SUBJECT_PREFIX}${country}.`);
}

function countryList(numbers: string | string[] | undefined): string {
  const list = unique((Array.isArray(numbers) ? numbers : numbers ? [numbers] : []).flatMap(countriesOfNumber));
  if (list.length === 0) return "no country";
  return list.length > 8 ? `${list.slice(0, 6).join(", ")} and ${list.length - 6} more` : list.join(", ");
}

function personAffected(numbers: string[]): string {
  const list = numbers.map((digits) => maskIdentifier(digits)).join(", ");
  return `messages from the user${numbers.length === 1 ? "" : "s"} with number ${list}, once they hide it`;
}

function suffixAffected(value: string): string {
  const digits = /(\d+)(?:\/recipient\/.*)?$/i.exec(value)?.[1] ?? "";
  return `messages from users whose number ends in ${digits.length >= 7 ? maskIdentifier(digits) : digits}, once they hide it (any country)`;
}

function personNote(digits: string): string {
  return (
    `The number ${maskIdentifier(digits)} picks out one person; once they hide it, a subscription can only tell ` +
    "their country (from the BSUID prefix), so the rewrite lets that country's BSUID senders through. Narrow in the " +
    "app, or add their exact BSUID (advancedMessage/sender/<BSUID>/) once it is known."
  );
}

function callingCodeOf(digits: string): string | undefined {
  for (const length of [1, 2, 3]) {
    const prefix = digits.slice(0, length);
    if (prefix.length < length || !/^[1-9]\d*$/.test(prefix)) return undefined;
    if (countriesForCallingCode(prefix).length > 0) return prefix;
  }
  return undefined;
}

/** Every string a filter compares with: the subject values and the advanced filters' string values. */
function stringValues(filter: EventGridFilter): string[] {
  const values: string[] = [];
  if (filter.subjectBeginsWith) values.push(filter.subjectBeginsWith);
  if (filter.subjectEndsWith) values.push(filter.subjectEndsWith);
  for (const advanced of filter.advancedFilters ?? []) {
    if ("values" in advanced && Array.isArray(advanced.values)) {
      for (const value of advanced.values as unknown[]) if (typeof value === "string") values.push(value);
    }
  }
  return values;
}

/** Masks runs of 7 or more digits (phone numbers); calling codes and short prefixes stay readable. */
function mask(value: string): string {
  return value.replace(/\+?\d{7,}/g, (digits) => maskIdentifier(digits));
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

// ---- report --------------------------------------------------------------------------------------------------

const FORMAT_NAMES: Record<SubscriptionsInputFormat, string> = {
  "az-cli": "az CLI output",
  "arm-rest": "ARM REST response",
  "arm-template": "ARM template",
  "subscriptions-file": "subscriptions file",
  "routes-file": "routes file",
};

/**
 * The report as text for people: one block per subscription (findings with what goes silent, why and the fix; the
 * rewrite as JSON to paste), then a summary line with the exit code. Phone numbers in prose are masked; the rewrite
 * repeats the subscription's own values verbatim, because it must be usable as it stands.
 */
export function formatAuditReport(report: AuditReport, source: string): string {
  const lines: string[] = [];
  const count = report.subscriptions.length;
  const format = report.format ? FORMAT_NAMES[report.format] : "unrecognised input";
  lines.push(`Event Grid subscription audit of ${source} (${format}, ${count} subscription${count === 1 ? "" : "s"})`);
  for (const problem of report.inputProblems) lines.push(`  input problem: ${problem}`);
  for (const audit of report.subscriptions) {
    lines.push("");
    const to = audit.destination ? ` -> ${audit.destination}` : "";
    const label = {
      silent: "SILENT",
      warning: "WARNING",
      ok: "OK",
      "not-relevant": "SKIPPED",
      unauditable: "CANNOT AUDIT",
    }[audit.status];
    lines.push(`${label}  ${audit.name}${to}  (at ${audit.location}, ${audit.eventDeliverySchema})`);
    if (audit.status === "ok") lines.push("  Phone and BSUID senders are treated alike.");
    if (audit.status === "not-relevant") lines.push("  Receives no Advanced Messaging events; not audited.");
    for (const problem of audit.problems ?? []) lines.push(`  ${problem}`);
    for (const finding of audit.findings) {
      lines.push(`  - ${finding.kind} in ${finding.part}`);
      lines.push(`    ${finding.severity === "silent" ? "Goes silent" : "Slips through"}: ${finding.affects}`);
      lines.push(`    Why: ${finding.why}`);
      lines.push(`    Fix: ${finding.fix}`);
    }
    const rewrite = audit.rewrite;
    if (rewrite) {
      const check = rewrite.verified
        ? "checked with the filter engine: phone and BSUID senders now match alike"
        : "NOT verified";
      const many = rewrite.filters.length > 1 ? ` (${rewrite.filters.length} subscriptions)` : "";
      lines.push(`  Proposed filter${many}, ${check}:`);
      for (const filter of rewrite.filters) {
        for (const line of JSON.stringify(filter, null, 2).split("\n")) lines.push(`    ${line}`);
      }
      for (const note of rewrite.notes) lines.push(`  Note: ${note}`);
      for (const problem of rewrite.problems) lines.push(`  Problem: ${problem}`);
    }
  }
  const silent = report.subscriptions.filter((audit) => audit.status === "silent").length;
  const warnings = report.subscriptions.filter((audit) => audit.status === "warning").length;
  const unauditable = report.subscriptions.filter((audit) => audit.status === "unauditable").length;
  lines.push("");
  lines.push(
    `${silent} subscription${silent === 1 ? "" : "s"} would go silent for some senders, ${warnings} with warnings, ` +
      `${unauditable} not auditable. Exit code ${report.exitCode}.`,
  );
  return `${lines.join("\n")}\n`;
}
