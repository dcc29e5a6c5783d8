import { ConcurrencyError, NotFoundError } from "../../core/errors";
import { maskIdentifier } from "../../core/logging/mask";
import type { Bsuid } from "../../core/values/Bsuid";
import type { PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId } from "../../core/values/identifiers";
import { absorbContact, releasePhone } from "../../domain/identity/contactRules";
import type { IdentityStore, StoredContact, StoredKey } from "../../domain/identity/IdentityStore";
import { followContact, resolveContact, type IdentityDeps } from "./resolveContact";
import type { Contact } from "../../domain/identity/types";

/** The result of a relink. */
export interface RelinkOutcome {
  contact: Contact;
  /** The BSUID the contact had before (null for a phone-only contact). */
  previousBsuid: Bsuid | null;
  /** A contact that the new BSUID had already created (its first messages arrived before the relink), now folded in. */
  mergedContactId?: ContactId;
  /** False when the contact already had this BSUID. */
  changed: boolean;
}

/** What the event that triggers a relink carried with the new BSUID (a future ACS "user changed number" event). */
export interface RelinkEvidence {
  /** The new number, seen together with the new BSUID: it becomes the contact's confirmed phone. */
  phone?: PhoneNumber | undefined;
}

const MAX_ATTEMPTS = 12;

/**
 * Moves a contact to a new BSUID, keeping its `contactId` and history: the phone-number-change case, where WhatsApp
 * regenerates the user's BSUID. If the new BSUID already created a contact of its own, that contact is folded into this
 * one. The old BSUID keeps resolving here, so late events addressed to it still land on the right contact.
 *
 * A new BSUID means a new number, so the old number is released: kept in `previousPhones`, its identity key deleted
 * (it resolves to nothing, and may already be someone else's), and never sent to again. The phone the new BSUID's own
 * contact was seen with, or `evidence.phone`, becomes the phone. A contact without a BSUID (an import, a pre-BSUID
 * sender) has not changed number: it keeps its phone unless the new BSUID is known with another one.
 *
 * Idempotent: relinking again to the same BSUID changes nothing, and finishes a relink interrupted before its old
 * number's key was deleted. Triggered by the HTTP API today; written so that an ACS "user changed number" event can call
 * it later.
 */
export async function relinkContact(
  deps: IdentityDeps,
  contactId: ContactId,
  newBsuid: Bsuid,
  evidence: RelinkEvidence = {},
): Promise<RelinkOutcome> {
  const outcome = await moveToBsuid(deps, contactId, newBsuid);
  if (!evidence.phone) return outcome;
  // Applied as the pair it is (the new BSUID with its number), by the resolution rules: the number is attached, or
  // replaces one the new BSUID was never seen with, and a number another BSUID holds is not taken on a guess.
  const paired = await resolveContact(deps, { scope: outcome.contact.scope, bsuid: newBsuid, phone: evidence.phone });
  return { ...outcome, contact: paired.contact };
}

async function moveToBsuid(deps: IdentityDeps, contactId: ContactId, newBsuid: Bsuid): Promise<RelinkOutcome> {
  const { store, logger } = deps;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await followContact(store, contactId);
    if (!current) throw new NotFoundError(`No contact ${contactId}`, "contact_not_found");
    const contact = current.contact;
    const previousBsuid = contact.bsuid;
    if (previousBsuid === newBsuid) {
      await releasePreviousPhoneKeys(store, contact);
      return { contact, previousBsuid, changed: false };
    }

    const taken = await takeBsuid(store, contact, newBsuid);
    if (taken === "lost race") continue;
    const { key, folded } = taken;
    const next = relinkedContact(contact, folded?.contact, newBsuid);
    if (!(await store.updateContact(next, current.etag))) continue;
    if (folded) {
      if (!(await store.updateContact(folded.contact, folded.etag, contact.contactId))) continue;
      if (key) await store.repointKey(contact.scope, "bsuid", newBsuid, contact.contactId, key.etag);
    }
    await movePhoneKeys(store, contact, next);
    logger.info("relinked contact to a new BSUID", {
      contactId: contact.contactId,
      previousBsuid: maskIdentifier(previousBsuid),
      bsuid: maskIdentifier(newBsuid),
      releasedPhone: contact.phone !== null && contact.phone !== next.phone,
    });
    return {
      contact: next,
      previousBsuid,
      changed: true,
      ...(folded ? { mergedContactId: folded.contact.contactId } : {}),
    };
  }
  throw new ConcurrencyError(`Could not relink contact ${contactId} after ${MAX_ATTEMPTS} conflicting attempts`);
}

/**
 * Claims the new BSUID's key for the contact, or finds the other contact the BSUID already created (to fold in);
 * `lost race` when another writer claimed the key first (the caller reads again).
 */
async function takeBsuid(
  store: IdentityStore,
  contact: Contact,
  newBsuid: Bsuid,
): Promise<{ key?: StoredKey; folded?: StoredContact } | "lost race"> {
  const key = await store.getKey(contact.scope, "bsuid", newBsuid);
  if (!key) {
    return (await store.claimKey(contact.scope, "bsuid", newBsuid, contact.contactId)) ? {} : "lost race";
  }
  const folded = await followContact(store, key.contactId);
  return folded && folded.contact.contactId !== contact.contactId ? { key, folded } : { key };
}

/**
 * The contact moved to `newBsuid`. A changed number (the contact had a BSUID, or the new one was seen with another
 * phone) releases the old phone; the new BSUID's own contact, if any, is folded in and brings the current phone.
 */
function relinkedContact(contact: Contact, folded: Contact | undefined, newBsuid: Bsuid): Contact {
  const previousBsuid = contact.bsuid;
  const newBsuidPhone = folded?.phone ?? null;
  const changedNumber = previousBsuid !== null || (newBsuidPhone !== null && newBsuidPhone !== contact.phone);
  let next = changedNumber ? releasePhone(contact) : contact;
  if (folded) next = absorbContact(next, folded);
  return {
    ...next,
    bsuid: newBsuid,
    // The folded contact's BSUID is the new one, which absorbContact counts as "previous": it is current now.
    previousBsuids: [...new Set([...next.previousBsuids, ...(previousBsuid ? [previousBsuid] : [])])].filter(
      (b) => b !== newBsuid,
    ),
  };
}

/** Points the key of the relinked contact's phone at it, then releases the number it gave up. */
async function movePhoneKeys(store: IdentityStore, before: Contact, after: Contact): Promise<void> {
  if (after.phone && after.phone !== before.phone) {
    const phoneKey = await store.getKey(before.scope, "phone", after.phone);
    if (phoneKey && phoneKey.contactId !== before.contactId) {
      await store.repointKey(before.scope, "phone", after.phone, before.contactId, phoneKey.etag);
    } else if (!phoneKey) {
      await store.claimKey(before.scope, "phone", after.phone, before.contactId);
    }
  }
  // After the contact's update, so the number resolves here until the contact no longer holds it; a crash in
  // between leaves a key that a repeated relink, or the next resolution of that number, deletes.
  if (before.phone && before.phone !== after.phone) await releasePhoneKey(store, before, before.phone);
}

/** Deletes a phone's key if it still points at the contact, as the table holds it (a cached key may be stale). */
async function releasePhoneKey(store: IdentityStore, contact: Contact, phone: PhoneNumber): Promise<void> {
  // Marked before the key goes, so an interrupted relink (finished by the next one) never leaves the number unmarked.
  // Insert-once: a number released before keeps its first marker.
  await store.claimKey(contact.scope, "releasedPhone", phone, contact.contactId);
  const key = await store.getKey(contact.scope, "phone", phone, { fresh: true });
  if (key && key.contactId === contact.contactId) await store.deleteKey(contact.scope, "phone", phone, key.etag);
}

/** Deletes the keys of the contact's previous phones that still point at it. */
async function releasePreviousPhoneKeys(store: IdentityStore, contact: Contact): Promise<void> {
  for (const phone of contact.previousPhones) await releasePhoneKey(store, contact, phone);
}
