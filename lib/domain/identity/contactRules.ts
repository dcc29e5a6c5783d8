import type { Bsuid } from "../../core/values/Bsuid";
import type { PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId, Scope } from "../../core/values/identifiers";
import type { Contact, PhoneConfirmation } from "./types";

function earlier(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a <= b ? a : b;
}

function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}

function union<T>(...lists: readonly (readonly T[])[]): T[] {
  return [...new Set(lists.flat())];
}

/**
 * Records an inbound message at `at` on `channelId`. Times only ever move forward, so applying the same or an older
 * message again changes nothing: this is what makes redelivered and reordered events harmless.
 */
export function recordInbound(contact: Contact, channelId: string, at: string): Contact {
  const previous = contact.lastInboundByChannel[channelId] ?? null;
  return {
    ...contact,
    firstSeen: earlier(contact.firstSeen, at),
    lastSeen: later(contact.lastSeen, at),
    lastInboundByChannel: { ...contact.lastInboundByChannel, [channelId]: later(previous, at) ?? at },
  };
}

/** A contact with an ID and nothing known about the person yet. */
export function createBlankContact(contactId: ContactId, scope: Scope, now: string): Contact {
  return {
    contactId,
    scope,
    bsuid: null,
    phone: null,
    phoneSeenAt: null,
    phoneConfirmation: null,
    externalId: null,
    name: null,
    firstSeen: null,
    lastSeen: null,
    lastInboundByChannel: {},
    createdAt: now,
    mergedContactIds: [],
    previousBsuids: [],
    previousPhones: [],
  };
}

/** Evidence that a BSUID used a phone number at some moment: a message or status carrying both (or the phone alone). */
export interface PhoneEvidence {
  phone: PhoneNumber;
  bsuid: Bsuid | null;
  /** When the message was received. */
  at: string;
}

/**
 * True when `evidence` is newer than what put `holder`'s phone there, so it may replace it (with another number on the
 * same contact, or with this number on another contact). A holder without a phone, or whose phone time is unknown,
 * always gives way. Equal times are ordered by BSUID and then phone, so every pair of contenders has one winner
 * whatever the order events arrive in: redelivered and reordered messages end where in-order delivery does.
 */
export function isNewerPhoneEvidence(evidence: PhoneEvidence, holder: Contact): boolean {
  if (holder.phone === null || holder.phoneSeenAt === null) return true;
  const [a, b] = [Date.parse(evidence.at), Date.parse(holder.phoneSeenAt)];
  if (a !== b) return a > b;
  const [ownBsuid, otherBsuid] = [evidence.bsuid ?? "", holder.bsuid ?? ""];
  if (ownBsuid !== otherBsuid) return ownBsuid > otherBsuid;
  return evidence.phone > holder.phone;
}

/** Where a phone was seen: an inbound message or a delivery status (either may pair it with a BSUID), or an import. */
export type PhoneSource = "message" | "status" | "import";

/** One sighting of a phone for a contact. */
export interface PhoneSighting {
  phone: PhoneNumber;
  /** The BSUID the event carried with the phone; null for a phone alone. */
  bsuid: Bsuid | null;
  /** When the message was received; undefined for statuses and imports, which no time orders. */
  at: string | undefined;
  source: PhoneSource;
}

/**
 * True when the contact's phone is confirmed as the person's number for their current BSUID, so a one-time code may go
 * to it: seen together with the current BSUID (a message or a delivery status), or, for a phone that came without a
 * BSUID (an import, a phone-only message), nothing has contradicted it: a BSUID seen with another number replaces it.
 * A relink to a new BSUID releases the phone, and a confirmation for a BSUID the contact no longer has does not count.
 */
export function isPhoneConfirmed(contact: Pick<Contact, "bsuid" | "phone" | "phoneConfirmation">): boolean {
  const confirmation = contact.phoneConfirmation;
  if (contact.phone === null || confirmation === null) return false;
  return confirmation.by === "bsuid" ? confirmation.bsuid === contact.bsuid : true;
}

/** True when the phone was seen with the contact's current BSUID (not merely uncontradicted). */
export function isPhonePairedWithBsuid(contact: Pick<Contact, "bsuid" | "phone" | "phoneConfirmation">): boolean {
  const confirmation = contact.phoneConfirmation;
  return contact.phone !== null && confirmation?.by === "bsuid" && confirmation.bsuid === contact.bsuid;
}

/**
 * What a sighting confirms for a contact holding (or taking) its phone. A pair confirms the phone for its BSUID. A phone
 * alone says nothing about a BSUID: it confirms only the number of a contact without one (the phone-only sender's own
 * number, or the business's import), and a delivery status to a bare phone confirms nothing.
 */
function confirmationAfter(contact: Contact, sighting: PhoneSighting): PhoneConfirmation | null {
  if (sighting.bsuid !== null) {
    return sighting.bsuid === contact.bsuid ? { by: "bsuid", bsuid: sighting.bsuid } : contact.phoneConfirmation;
  }
  if (contact.bsuid !== null || contact.phoneConfirmation !== null) return contact.phoneConfirmation;
  if (sighting.source === "message") return { by: "message" };
  if (sighting.source === "import") return { by: "import" };
  return null;
}

/**
 * Sets the sighted phone on the contact. A new phone starts its own time and confirmation, and the number it replaces
 * becomes a previous phone; the same phone keeps the later time and gains what the sighting confirms.
 */
export function recordPhone(contact: Contact, sighting: PhoneSighting): Contact {
  const kept = contact.phone === sighting.phone ? contact : releasePhone(contact);
  const since = kept.phone === sighting.phone ? kept.phoneSeenAt : null;
  return {
    ...kept,
    phone: sighting.phone,
    phoneSeenAt: sighting.at === undefined ? since : later(since, sighting.at),
    phoneConfirmation: confirmationAfter(kept, sighting),
    previousPhones: kept.previousPhones.filter((previous) => previous !== sighting.phone),
  };
}

/** Takes the phone off the contact and keeps it as a previous phone: it no longer reaches this person. */
export function releasePhone(contact: Contact): Contact {
  if (contact.phone === null) return contact;
  return {
    ...contact,
    phone: null,
    phoneSeenAt: null,
    phoneConfirmation: null,
    previousPhones: union(contact.previousPhones, [contact.phone]),
  };
}

/** Adds a number the person used before (under a previous BSUID) to the contact's history, unless it is current. */
export function rememberPreviousPhone(contact: Contact, phone: PhoneNumber): Contact {
  if (contact.phone === phone || contact.previousPhones.includes(phone)) return contact;
  return { ...contact, previousPhones: [...contact.previousPhones, phone] };
}

/**
 * The confirmation of a phone stored before confirmations were recorded, from what the row tells:
 * - no BSUID: the phone is the contact's only identifier and nothing contradicts it; a phone time means a phone-only
 *   message set it (the sender's own number), none an import (or, rarely, a delivery status: treated as an import);
 * - a BSUID and no previous BSUIDs: only an event pairing the phone with this BSUID (or the fold of such a contact)
 *   attached a phone to a contact with a BSUID, so it is paired;
 * - a BSUID and previous BSUIDs: the contact was relinked, and relinks kept the old number, so the phone may belong to
 *   a BSUID the person no longer has: unconfirmed until seen with the current BSUID.
 */
export function inferPhoneConfirmation(
  contact: Pick<Contact, "bsuid" | "phone" | "phoneSeenAt" | "previousBsuids">,
): PhoneConfirmation | null {
  if (contact.phone === null) return null;
  if (contact.bsuid === null) return contact.phoneSeenAt === null ? { by: "import" } : { by: "message" };
  return contact.previousBsuids.length === 0 ? { by: "bsuid", bsuid: contact.bsuid } : null;
}

/**
 * Folds `folded` into `survivor`: the survivor keeps its own ID and identifiers, gains whatever it lacks from the folded
 * contact, and takes over its history (times, merged IDs, previous BSUIDs and phones; a phone of the folded contact it
 * does not take becomes a previous one). Idempotent: absorbing twice is absorbing once.
 */
export function absorbContact(survivor: Contact, folded: Contact): Contact {
  const channels = union(Object.keys(survivor.lastInboundByChannel), Object.keys(folded.lastInboundByChannel));
  const lastInboundByChannel: Record<string, string> = {};
  for (const channel of channels) {
    const time = later(survivor.lastInboundByChannel[channel] ?? null, folded.lastInboundByChannel[channel] ?? null);
    if (time !== null) lastInboundByChannel[channel] = time;
  }
  const phone = survivor.phone ?? folded.phone;
  return {
    ...survivor,
    bsuid: survivor.bsuid ?? folded.bsuid,
    phone,
    phoneSeenAt:
      survivor.phone === null
        ? folded.phoneSeenAt
        : later(survivor.phoneSeenAt, folded.phone === survivor.phone ? folded.phoneSeenAt : null),
    phoneConfirmation:
      survivor.phone === null
        ? folded.phoneConfirmation
        : (survivor.phoneConfirmation ?? (folded.phone === survivor.phone ? folded.phoneConfirmation : null)),
    externalId: survivor.externalId ?? folded.externalId,
    name: survivor.name ?? folded.name,
    firstSeen: earlier(survivor.firstSeen, folded.firstSeen),
    lastSeen: later(survivor.lastSeen, folded.lastSeen),
    lastInboundByChannel,
    createdAt: earlier(survivor.createdAt, folded.createdAt) ?? survivor.createdAt,
    mergedContactIds: union(survivor.mergedContactIds, [folded.contactId], folded.mergedContactIds).filter(
      (id): id is ContactId => id !== survivor.contactId,
    ),
    previousBsuids: union(
      survivor.previousBsuids,
      folded.previousBsuids,
      folded.bsuid && folded.bsuid !== survivor.bsuid && survivor.bsuid ? [folded.bsuid] : [],
    ),
    previousPhones: union(survivor.previousPhones, folded.previousPhones, folded.phone ? [folded.phone] : []).filter(
      (previous) => previous !== phone,
    ),
  };
}

/** True when two contact records hold the same data (so a write can be skipped). */
export function sameContact(a: Contact, b: Contact): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
