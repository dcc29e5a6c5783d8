import { randomUUID } from "node:crypto";
import { ConcurrencyError, NotFoundError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";
import { maskIdentifier } from "../../core/logging/mask";
import type { Bsuid } from "../../core/values/Bsuid";
import type { ChannelId } from "../../core/values/ChannelId";
import type { PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId, Scope } from "../../core/values/identifiers";
import {
  absorbContact,
  createBlankContact,
  isNewerPhoneEvidence,
  isPhonePairedWithBsuid,
  recordInbound,
  recordPhone,
  releasePhone,
  rememberPreviousPhone,
  sameContact,
  type PhoneEvidence,
  type PhoneSighting,
} from "../../domain/identity/contactRules";
import type { IdentityStore, StoredContact, StoredKey } from "../../domain/identity/IdentityStore";
import type { Contact, IdentityKind } from "../../domain/identity/types";

/** What resolution needs from the outside world. */
export interface IdentityDeps {
  store: IdentityStore;
  logger: Logger;
  clock?: () => Date;
  newContactId?: () => ContactId;
}

/**
 * The identifiers an event carried, and the inbound message to record. Without `inbound` the identifiers come from a
 * delivery status (`to` + `toBSUID`), or from a contact import when `imported` is set.
 */
export interface ResolveInput {
  scope: Scope;
  bsuid?: Bsuid | undefined;
  phone?: PhoneNumber | undefined;
  inbound?: { channelId: ChannelId; at: string } | undefined;
  /** A row of a contact import (CSV): its phone is confirmed for a contact without a BSUID. */
  imported?: boolean | undefined;
}

/** What resolution did, for logs and tests. */
export type ResolveAction =
  "matched" | "created" | "attachedBsuid" | "attachedPhone" | "merged" | "phoneMoved" | "releasedPhone";

export interface ResolveOutcome {
  contact: Contact;
  actions: ResolveAction[];
  /** The contact folded into `contact`, when this resolution merged two. */
  mergedContactId?: ContactId;
}

const MAX_ATTEMPTS = 12;
/** How long past HEAL_AFTER_MS a resolution keeps waiting for a creation in flight: the healing read's own time. */
const WAIT_MARGIN_MS = 2_000;
const MAX_MERGE_HOPS = 8;

/** A fresh durable contact ID: `c_` + 32 hex digits. */
export function createContactId(): ContactId {
  return `c_${randomUUID().replaceAll("-", "")}` as ContactId;
}

/** Signals that a concurrent writer got there first: re-read and try again. */
class Retry {
  /** `waiting`: another writer is mid-way (a creation in flight); waiting for it is bounded by time, not attempts. */
  constructor(
    readonly why: string,
    readonly waiting = false,
  ) {}
}

async function pause(attempt: number): Promise<void> {
  // Jittered backoff spreads instances that collided on the same new user.
  const ms = Math.min(200, 5 * 2 ** attempt) * Math.random();
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How long a key may point at a contact that does not exist before it is treated as a crashed creation and healed.
 * Younger keys belong to a creation still in flight on another instance: the reader waits and retries instead.
 */
export const HEAL_AFTER_MS = 10_000;

/**
 * Reads a contact, following merge tombstones to the survivor. When an identity key points at a contact that does not
 * exist and the key is older than {@link HEAL_AFTER_MS} (a writer stopped between claiming the key and creating the
 * contact), the contact is created from the key, so the map heals itself instead of staying broken.
 */
export async function followContact(
  store: IdentityStore,
  contactId: ContactId,
  heal?: { scope: Scope; kind: IdentityKind; value: string; now: Date },
  readOptions?: { fresh?: boolean },
): Promise<StoredContact | undefined> {
  let id = contactId;
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    let stored = await store.getContact(id, readOptions);
    if (!stored && heal && hop === 0) {
      // Decide on the key as the table holds it now, not as a cache remembered it: a key read between a claim and its
      // repoint (claim-first attaching a BSUID to a phone's contact) names a contact that will never exist, and
      // healing it would create a second contact for the identifier.
      const key = await store.getKey(heal.scope, heal.kind, heal.value, { fresh: true });
      if (!key || key.contactId !== id) throw new Retry("identity key moved to another contact");
      if (heal.now.getTime() - key.writtenAt.getTime() < HEAL_AFTER_MS) {
        throw new Retry("identity key points at a contact still being created", true);
      }
      const contact = createBlankContact(id, heal.scope, heal.now.toISOString());
      if (heal.kind === "bsuid") contact.bsuid = heal.value as Bsuid;
      else contact.phone = heal.value as PhoneNumber;
      const etag = await store.createContact(contact);
      stored = etag ? { contact, etag, mergedInto: null } : await store.getContact(id);
    }
    if (!stored) return undefined;
    if (!stored.mergedInto) return stored;
    id = stored.mergedInto;
  }
  throw new ConcurrencyError(`Contact merge chain from ${contactId} is longer than ${MAX_MERGE_HOPS} hops`);
}

async function locate(
  store: IdentityStore,
  scope: Scope,
  kind: IdentityKind,
  value: string,
  now: Date,
): Promise<{ key: StoredKey; contact: StoredContact } | undefined> {
  const key = await store.getKey(scope, kind, value);
  if (!key) return undefined;
  const contact = await followContact(store, key.contactId, { scope, kind, value, now });
  if (!contact) throw new Retry("identity key points at a contact that vanished");
  return { key, contact };
}

/**
 * Locates a phone's contact. A key still pointing at a contact that lists the phone among its previous ones was left
 * by a release (a relink, a replaced number) interrupted before the key's deletion: the phone no longer resolves, so
 * the key is deleted and treated as absent. A young key is waited for instead: the contact may be taking the number
 * back right now (claim first, update second).
 */
async function locatePhone(
  store: IdentityStore,
  scope: Scope,
  phone: PhoneNumber,
  now: Date,
): Promise<{ key: StoredKey; contact: StoredContact } | undefined> {
  const found = await locate(store, scope, "phone", phone, now);
  const holder = found?.contact.contact;
  if (!found || !holder || holder.phone === phone || !holder.previousPhones.includes(phone)) return found;
  const key = await store.getKey(scope, "phone", phone, { fresh: true });
  if (!key) return undefined;
  if (key.contactId !== found.key.contactId) throw new Retry("phone key moved to another contact");
  if (now.getTime() - key.writtenAt.getTime() < HEAL_AFTER_MS) {
    throw new Retry("phone key of a released number was just written", true);
  }
  if (!(await store.deleteKey(scope, "phone", phone, key.etag))) throw new Retry("released phone key changed");
  return undefined;
}

/**
 * The contact `input` resolves to, when the per-process cache tells without a read and resolution can only match it:
 * a known BSUID whose contact holds that BSUID and, if the event carries a phone, that phone. Undefined otherwise.
 *
 * A prediction, not a resolution: a concurrent merge can fold the contact into another one, after which the predicted
 * ID is a tombstone that still resolves to the survivor. Phone-only senders are never predicted, since a phone can
 * move to another person's contact.
 */
export function predictContactId(store: IdentityStore, input: ResolveInput): ContactId | undefined {
  if (!input.bsuid || !store.peekContact) return undefined;
  const contact = store.peekContact(input.scope, "bsuid", input.bsuid);
  if (!contact || contact.bsuid !== input.bsuid) return undefined;
  if (input.phone && contact.phone !== input.phone) return undefined;
  return contact.contactId;
}

/**
 * Finds or creates the one contact an event's identifiers belong to, and records the inbound message on it.
 *
 * Rules (BSUID first, then phone):
 * - a known BSUID resolves to its contact; an unknown BSUID is attached to the phone's contact when that contact has no
 *   BSUID yet (a CRM import, or an event from before BSUIDs), otherwise a new contact is created;
 * - a phone seen for the first time is attached to the contact;
 * - when the phone already belongs to a different contact without a BSUID, that contact is merged into this one (the
 *   survivor keeps both identifiers and the other's history; the folded ID keeps resolving to the survivor);
 * - when the phone belongs to a contact with a different BSUID, the phone alias moves to this contact and the other
 *   keeps its BSUID: two BSUIDs are two people until someone relinks them (merging strangers would leak conversations);
 * - a phone seen with the contact's current BSUID is confirmed as theirs (see `isPhoneConfirmed`), and replaces a phone
 *   that was not (whatever the event's time: WhatsApp issues a new BSUID with a new number, so the pair holds);
 * - a phone seen with a BSUID the contact had before a relink was the person's previous number: it is kept as history
 *   and released if the contact still holds it, never attached.
 *
 * Safe under concurrency: keys are claimed with insert-if-absent and contacts updated with ETags; a lost race is
 * retried from fresh reads, so many instances handling the same new user end with one contact.
 */
export async function resolveContact(deps: IdentityDeps, input: ResolveInput): Promise<ResolveOutcome> {
  if (!input.bsuid && !input.phone) throw new NotFoundError("An event without a BSUID or phone has no contact");
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const result = await attemptResolve(deps, input);
    if (!(result instanceof Retry)) return result;
    // A creation in flight on another instance (or stalled behind a slow storage call) is waited for until its key is
    // old enough to heal (HEAL_AFTER_MS), not just for the attempt budget: giving up sooner fails an event that the
    // next read would have resolved.
    const waitMore = result.waiting && Date.now() - started < HEAL_AFTER_MS + WAIT_MARGIN_MS;
    if (attempt + 1 >= MAX_ATTEMPTS && !waitMore) {
      throw new ConcurrencyError(
        `Could not resolve the contact after ${attempt + 1} conflicting attempts (last: ${result.why})`,
      );
    }
    deps.logger.debug("identity write conflict, retrying", { why: result.why, attempt });
    await pause(Math.min(attempt, MAX_ATTEMPTS));
  }
}

async function attemptResolve(deps: IdentityDeps, input: ResolveInput): Promise<ResolveOutcome | Retry> {
  const { store, logger } = deps;
  const nowDate = deps.clock?.() ?? new Date();
  const now = nowDate.toISOString();
  const newId = deps.newContactId ?? createContactId;
  const { scope, bsuid, phone } = input;
  // Only an inbound message proves its sender used the phone at a given time. A delivery status's pair or an import
  // only fills gaps: it attaches a phone to a contact without one, never moves one, and replaces one only when it
  // pairs the contact's current BSUID with another number than an unpaired phone.
  const seenAt = input.inbound?.at;
  const sighting: PhoneSighting | undefined = phone
    ? {
        phone,
        bsuid: bsuid ?? null,
        at: seenAt,
        source: input.inbound ? "message" : input.imported ? "import" : "status",
      }
    : undefined;
  const actions: ResolveAction[] = [];
  let current: StoredContact | undefined;
  let byPhone: Awaited<ReturnType<typeof locate>>;
  let created = false;

  const createNew = async (contact: Contact): Promise<StoredContact | Retry> => {
    const withInbound = input.inbound ? recordInbound(contact, input.inbound.channelId, input.inbound.at) : contact;
    const etag = await store.createContact(withInbound);
    if (!etag) return new Retry("contact created concurrently");
    created = true;
    return { contact: withInbound, etag, mergedInto: null };
  };

  try {
    // Claim-first for identifiers this instance has not seen: for a new user that saves the reads, so a first
    // message costs two key inserts and one contact insert. A taken key falls through to the read path below.
    if (bsuid && store.knowsKey && !store.knowsKey(scope, "bsuid", bsuid)) {
      const claimedId = newId();
      const claimEtag = await store.claimKey(scope, "bsuid", bsuid, claimedId);
      if (claimEtag) {
        const fresh = { ...createBlankContact(claimedId, scope, now), bsuid };
        const phoneClaimed = phone ? await store.claimKey(scope, "phone", phone, claimedId) : undefined;
        if (!phone || phoneClaimed) {
          const made = await createNew(sighting ? recordPhone(fresh, sighting) : fresh);
          if (made instanceof Retry) return made;
          actions.push("created");
          if (phone) actions.push("attachedPhone");
          return { contact: made.contact, actions };
        }
        // The phone already belongs to a contact. A phone-only contact (a CRM import, a pre-BSUID sender) takes the
        // BSUID: point the just-claimed key at it. Otherwise the new contact is created and the phone rules below apply.
        byPhone = await locatePhone(store, scope, phone, nowDate);
        if (
          byPhone &&
          byPhone.contact.contact.bsuid === null &&
          (await store.repointKey(scope, "bsuid", bsuid, byPhone.contact.contact.contactId, claimEtag))
        ) {
          current = byPhone.contact;
          actions.push("attachedBsuid");
        } else {
          const made = await createNew(fresh);
          if (made instanceof Retry) return made;
          current = made;
        }
      }
    }
    if (!current && sighting && !bsuid && store.knowsKey && !store.knowsKey(scope, "phone", sighting.phone)) {
      const claimedId = newId();
      if (await store.claimKey(scope, "phone", sighting.phone, claimedId)) {
        const made = await createNew(recordPhone(createBlankContact(claimedId, scope, now), sighting));
        if (made instanceof Retry) return made;
        return { contact: made.contact, actions: ["created"] };
      }
    }

    if (!current && bsuid) current = (await locate(store, scope, "bsuid", bsuid, nowDate))?.contact;

    if (!byPhone && phone && (!current || current.contact.phone !== phone)) {
      byPhone = await locatePhone(store, scope, phone, nowDate);
    } else if (!byPhone && phone && current && current.contact.mergedContactIds.length > 0) {
      // The contact already holds this phone, so its key should point here. A merge interrupted after the survivor
      // absorbed the other contact (phone included) and before that one was tombstoned (a lost ETag race, or a crash)
      // leaves the key on the folded contact, still live: finish that merge below. Only a survivor of a merge can be in
      // that state (absorbing lists the folded ID in mergedContactIds), and a cached key costs no request.
      const key = await store.getKey(scope, "phone", phone);
      if (key && key.contactId !== current.contact.contactId) {
        byPhone = await locatePhone(store, scope, phone, nowDate);
      }
    }

    if (!current) {
      if (bsuid) {
        const target = byPhone && byPhone.contact.contact.bsuid === null ? byPhone.contact : undefined;
        const contactId = target?.contact.contactId ?? newId();
        if (!(await store.claimKey(scope, "bsuid", bsuid, contactId))) return new Retry("BSUID claimed concurrently");
        if (target) {
          current = target;
          actions.push("attachedBsuid");
        } else {
          const made = await createNew({ ...createBlankContact(contactId, scope, now), bsuid });
          if (made instanceof Retry) return made;
          current = made;
        }
      } else if (byPhone) {
        current = byPhone.contact;
      } else if (sighting) {
        const contactId = newId();
        if (!(await store.claimKey(scope, "phone", sighting.phone, contactId))) {
          return new Retry("phone claimed concurrently");
        }
        const made = await createNew(recordPhone(createBlankContact(contactId, scope, now), sighting));
        if (made instanceof Retry) return made;
        current = made;
      }
    }
    if (!current) return new Retry("no contact located");
    if (created) actions.push("created");

    let next: Contact = { ...current.contact };
    if (bsuid && next.bsuid === null) next.bsuid = bsuid;
    let folded: StoredContact | undefined;
    let releasedPhone: PhoneNumber | null = null;
    // The phone key to delete after a merge that keeps the survivor's newer phone instead of the message's.
    let stalePhoneKey: StoredKey | undefined;

    const phoneElsewhere = byPhone !== undefined && byPhone.contact.contact.contactId !== next.contactId;
    // The event's BSUID is one this contact had before a relink (its key still resolves here): its phone is the number
    // the person had then, so it is history, whatever order the relink and this event came in.
    const historic = bsuid !== undefined && next.bsuid !== bsuid;
    if (phone && historic) {
      if (next.phone === phone) {
        next = releasePhone(next);
        releasedPhone = phone;
        actions.push("releasedPhone");
      } else {
        next = rememberPreviousPhone(next, phone);
      }
    } else if (sighting && phone && (next.phone !== phone || phoneElsewhere)) {
      const other = phoneElsewhere ? byPhone!.contact : undefined;
      const mergeable = other !== undefined && (other.contact.bsuid === null || other.contact.bsuid === next.bsuid);
      // A message older than what gave this contact its current phone, or gave another BSUID this phone, changes no
      // phone: it is a redelivery or a late arrival from before the number changed (or changed hands). A phone never
      // seen with the current BSUID gives way to one that was, whenever it was: the BSUID's own number contradicts it.
      const replacesOwn = next.phone !== null && next.phone !== phone;
      const ownYields = replacesOwn && bsuid !== undefined && !isPhonePairedWithBsuid(next);
      const takesOthers = other !== undefined && !mergeable;
      const evidence: PhoneEvidence | undefined = seenAt ? { phone, bsuid: bsuid ?? null, at: seenAt } : undefined;
      const stale = evidence
        ? (replacesOwn && !ownYields && !isNewerPhoneEvidence(evidence, next)) ||
          (takesOthers && !isNewerPhoneEvidence(evidence, other.contact))
        : (replacesOwn && !ownYields) || takesOthers;
      if (!byPhone) {
        if (!stale) {
          if (!(await store.claimKey(scope, "phone", phone, next.contactId)))
            return new Retry("phone claimed concurrently");
          actions.push("attachedPhone");
        }
      } else if (other && mergeable) {
        folded = other;
        next = absorbContact(next, other.contact);
        actions.push("merged");
        if (stale) stalePhoneKey = byPhone.key;
      } else if (other && !stale) {
        // The phone now belongs to someone with another BSUID (a recycled number, or a re-registered business
        // account). Move the alias; do not merge two BSUIDs on a guess.
        if (!(await store.repointKey(scope, "phone", phone, next.contactId, byPhone.key.etag))) {
          return new Retry("phone key changed concurrently");
        }
        const stripped = releasePhone(other.contact);
        if (!(await store.updateContact(stripped, other.etag))) return new Retry("previous phone owner changed");
        actions.push("phoneMoved");
        logger.warn("phone alias moved between contacts with different BSUIDs; relink if they are the same person", {
          phone: maskIdentifier(phone),
          fromContactId: other.contact.contactId,
          toContactId: next.contactId,
        });
      }
      if (stale) {
        logger.debug("an older message's phone changes nothing: the number has been seen since on a newer one", {
          phone: maskIdentifier(phone),
        });
      } else {
        releasedPhone = next.phone;
        next = recordPhone(next, sighting);
      }
    } else if (sighting && !historic) {
      next = recordPhone(next, sighting);
    }

    if (input.inbound) next = recordInbound(next, input.inbound.channelId, input.inbound.at);

    if (!sameContact(next, current.contact)) {
      if (!(await store.updateContact(next, current.etag))) return new Retry("contact changed concurrently");
    }

    if (folded) {
      // Tombstone after the survivor absorbed it, so at every moment the folded ID resolves to a contact holding its
      // history; then repoint the phone key (best effort: the tombstone keeps resolution correct without it).
      if (!(await store.updateContact(folded.contact, folded.etag, next.contactId))) {
        return new Retry("folded contact changed concurrently");
      }
      if (stalePhoneKey && phone) await store.deleteKey(scope, "phone", phone, stalePhoneKey.etag);
      else if (byPhone && phone) await store.repointKey(scope, "phone", phone, next.contactId, byPhone.key.etag);
      logger.info("merged contacts", { survivor: next.contactId, folded: folded.contact.contactId });
    }

    if (releasedPhone && (releasedPhone !== phone || historic)) {
      await releaseKey(store, scope, "phone", releasedPhone, next.contactId);
    }

    if (actions.length === 0) actions.push("matched");
    return {
      contact: next,
      actions,
      ...(folded ? { mergedContactId: folded.contact.contactId } : {}),
    };
  } catch (error) {
    if (error instanceof Retry) return error;
    throw error;
  }
}

/** Deletes an identity key if it still points at `contactId` (a key another contact took over is left alone). */
export async function releaseKey(
  store: IdentityStore,
  scope: Scope,
  kind: IdentityKind,
  value: string,
  contactId: ContactId,
): Promise<void> {
  const key = await store.getKey(scope, kind, value);
  if (key && key.contactId === contactId) await store.deleteKey(scope, kind, value, key.etag);
}
