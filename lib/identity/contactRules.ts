import type { Bsuid } from "../values/Bsuid";
import type { PhoneNumber } from "../values/PhoneNumber";
import type { ContactId, Scope } from "../values/identifiers";
import type { Contact } from "./types";

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
    externalId: null,
    name: null,
    firstSeen: null,
    lastSeen: null,
    lastInboundByChannel: {},
    createdAt: now,
    mergedContactIds: [],
    previousBsuids: [],
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

/** Sets `phone` on the contact as seen at `at`: a new phone starts its own time, the same phone keeps the later one. */
export function recordPhone(contact: Contact, phone: PhoneNumber, at: string | undefined): Contact {
  const since = contact.phone === phone ? contact.phoneSeenAt : null;
  return { ...contact, phone, phoneSeenAt: at === undefined ? since : later(since, at) };
}

/**
 * Folds `folded` into `survivor`: the survivor keeps its own ID and identifiers, gains whatever it lacks from the folded
 * contact, and takes over its history (times, merged IDs, previous BSUIDs). Idempotent: absorbing twice is absorbing once.
 */
export function absorbContact(survivor: Contact, folded: Contact): Contact {
  const channels = union(Object.keys(survivor.lastInboundByChannel), Object.keys(folded.lastInboundByChannel));
  const lastInboundByChannel: Record<string, string> = {};
  for (const channel of channels) {
    const time = later(survivor.lastInboundByChannel[channel] ?? null, folded.lastInboundByChannel[channel] ?? null);
    if (time !== null) lastInboundByChannel[channel] = time;
  }
  return {
    ...survivor,
    bsuid: survivor.bsuid ?? folded.bsuid,
    phone: survivor.phone ?? folded.phone,
    phoneSeenAt:
      survivor.phone === null
        ? folded.phoneSeenAt
        : later(survivor.phoneSeenAt, folded.phone === survivor.phone ? folded.phoneSeenAt : null),
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
  };
}

/** True when two contact records hold the same data (so a write can be skipped). */
export function sameContact(a: Contact, b: Contact): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
