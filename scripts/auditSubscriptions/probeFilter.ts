/**
 * Probing a filter: builds events for the same person in each form ACS can send them (phone visible; BSUID only with
 * `data.from` empty, `null` or missing; parent BSUID), for phone numbers drawn from the filter's own values and from
 * several countries, for every message type and delivery status, and runs them through the runtime's Event Grid filter
 * engine. A filter that lets one form of a person through and drops another makes that person go silent; the filter
 * parts that drop the form are the causes.
 *
 * @packageDocumentation
 */

import {
  ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED,
  ADVANCED_MESSAGE_RECEIVED,
} from "../../lib/adapters/acs/events/wireTypes";
import { evaluateEventGridFilter, type EventGridFilter } from "../../lib/eventGridFilter/evaluateEventGridFilter";
import { countriesForCallingCode, expandCountrySenderPrefixes } from "../../lib/domain/routing/expandCountry";
import { RECEIVED_SUBJECT_PREFIX } from "../../lib/domain/routing/senderCountryFilter";
import type { Severity } from "./auditReport";
import { callingCodeOf, countriesOfNumber } from "./phoneNumbers";

const RECEIVED_TYPE = ADVANCED_MESSAGE_RECEIVED.toLowerCase();
const STATUS_TYPE = ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED.toLowerCase();
/** Countries probed for every filter, besides those the filter's own values point to: several calling-code lengths. */
const PROBE_COUNTRIES = ["GB", "US", "IN", "DE", "BR", "NG", "AE", "ID"];
const MESSAGE_TYPES = ["text", "image", "document", "video", "audio", "sticker", "reaction", "interactive", "button"];
const STATUSES = ["Sent", "Delivered", "Read", "Failed"];
const DEFAULT_CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const FILLER = "7700900123456";
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** How a sender appears in an event. `visible` is the form with the phone; the others are a user hiding it. */
export type SenderForm = "visible" | "bsuid-from-empty" | "bsuid-from-null" | "bsuid-from-absent" | "parent-bsuid";
export const HIDDEN_FORMS: SenderForm[] = ["bsuid-from-empty", "bsuid-from-null", "bsuid-from-absent", "parent-bsuid"];

export type EventKind = "received" | "status";

interface Person {
  phone: string;
  country: string;
  callingCode: string;
}

/** One probe situation: an event kind, a variant (message type or status), a channel, a person. */
export interface Situation {
  eventKind: EventKind;
  variant: string;
  channel: string;
  person: Person;
}

/** One sender form of one situation that a filter part treats differently from the others. */
export interface Observation {
  situation: Situation;
  form: SenderForm;
}

/** One part of a filter (the subject prefix, the subject suffix or one advanced filter), as a filter of its own. */
export interface FilterPart {
  path: string;
  filter: EventGridFilter;
  subject?: "beginsWith" | "endsWith";
  index?: number;
}

/** A filter part found to drop (or, for a warning, to let through) some sender forms. */
export interface Cause {
  part: FilterPart;
  observations: Observation[];
  severity: Severity;
  /** True when the part drops them only because the subject is compared case-sensitively. */
  caseOnly: boolean;
}

/** The probes of one filter. */
export interface Prober {
  /** Every country a probe person came from. */
  countries: Set<string>;
  situations: Situation[];
  /** Whether `filter` lets `form` of `situation` through. */
  passes(filter: EventGridFilter, situation: Situation, form: SenderForm): boolean;
  causes(): Cause[];
}

/** The Advanced Messaging event kinds a filter lets through by event type. */
export function eventKindsOf(filter: EventGridFilter): EventKind[] {
  const types = (filter.includedEventTypes ?? []).map((type) => type.toLowerCase());
  if (types.length === 0 || types.includes("all")) return ["received", "status"];
  const kinds: EventKind[] = [];
  if (types.includes(RECEIVED_TYPE)) kinds.push("received");
  if (types.includes(STATUS_TYPE)) kinds.push("status");
  return kinds;
}

/** Builds the probes for `filter`, delivered in the CloudEvents schema when `cloud`, else the Event Grid schema. */
export function createProber(filter: EventGridFilter, kinds: EventKind[], cloud: boolean): Prober {
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
  const relaxed = filter.isSubjectCaseSensitive === true ? { ...filter, isSubjectCaseSensitive: false } : undefined;
  const probed: ProbedFilter = { filter, relaxed, parts: filterParts(filter), cloud, passes };
  return { countries, situations, passes, causes: () => findCauses(probed, situations) };
}

/** What finding the causes needs to know about the filter being probed. */
interface ProbedFilter {
  filter: EventGridFilter;
  /** The filter compared case-insensitively, when it compares the subject case-sensitively. */
  relaxed: EventGridFilter | undefined;
  parts: FilterPart[];
  cloud: boolean;
  passes: Prober["passes"];
}

type Blame = (part: FilterPart, observation: Observation, severity: Severity, caseOnly: boolean) => void;

/** The filter parts that treat the forms of one person differently, each with what it was seen to do. */
function findCauses(probed: ProbedFilter, situations: Situation[]): Cause[] {
  const byPart = new Map<string, Cause>();
  const blame: Blame = (part, observation, severity, caseOnly) => {
    const key = `${part.path}|${severity}`;
    const entry = byPart.get(key) ?? { part, observations: [], severity, caseOnly };
    entry.caseOnly &&= caseOnly;
    entry.observations.push(observation);
    byPart.set(key, entry);
  };
  for (const situation of situations) {
    const visible = probed.passes(probed.filter, situation, "visible");
    const hidden = HIDDEN_FORMS.map((form) => ({ form, pass: probed.passes(probed.filter, situation, form) }));
    const anyHidden = hidden.some((entry) => entry.pass);
    for (const { form, pass } of hidden) {
      if (!pass) blameDroppedForm(probed, { situation, form }, visible || anyHidden, blame);
    }
    if (!visible && anyHidden)
      blameBypassedExclusion(probed, situation, hidden.find((entry) => entry.pass)!.form, blame);
  }
  return [...byPart.values()];
}

/** A hidden form the filter drops: silent when another form of the same person gets through, or when only case stops it. */
function blameDroppedForm(probed: ProbedFilter, dropped: Observation, othersPass: boolean, blame: Blame): void {
  const event = probeEvent(dropped.situation, dropped.form, probed.cloud);
  if (othersPass) {
    // Silent: another form of this very person gets through. The parts that drop this form are the causes.
    for (const part of probed.parts)
      if (!evaluateEventGridFilter(part.filter, event)) blame(part, dropped, "silent", false);
  } else if (probed.relaxed && evaluateEventGridFilter(probed.relaxed, event)) {
    // Nothing gets through only because of case: BSUIDs are upper case, the filter's value is not.
    for (const part of probed.parts) {
      if (part.subject && !evaluateEventGridFilter(part.filter, event)) blame(part, dropped, "silent", true);
    }
  }
}

/**
 * The visible form is kept out while hidden forms pass: an exclusion by phone that BSUIDs slip past. Only parts that
 * name digits count, so a deliberate "hidden senders only" filter is not reported as a leak.
 */
function blameBypassedExclusion(probed: ProbedFilter, situation: Situation, passing: SenderForm, blame: Blame): void {
  const event = probeEvent(situation, "visible", probed.cloud);
  const hiddenEvent = probeEvent(situation, passing, probed.cloud);
  for (const part of probed.parts) {
    if (
      !evaluateEventGridFilter(part.filter, event) &&
      evaluateEventGridFilter(part.filter, hiddenEvent) &&
      /\d/.test(
        stringValues(part.filter)
          .map((value) => value.replace(GUID, ""))
          .join(""),
      )
    ) {
      blame(part, { situation, form: passing }, "warning", false);
    }
  }
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

/** The event ACS would publish for `situation` with the sender (or recipient) in `form`, in either delivery schema. */
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

/** The filter's parts, each as a filter of its own, so each can be blamed on its own. */
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
