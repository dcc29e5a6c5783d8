import { ConcurrencyError, NotFoundError } from "../errors";
import { maskIdentifier } from "../logging/mask";
import type { Bsuid } from "../values/Bsuid";
import type { ContactId } from "../values/identifiers";
import { absorbContact } from "./contactRules";
import { followContact, type IdentityDeps } from "./resolveContact";
import type { Contact } from "./types";

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

const MAX_ATTEMPTS = 12;

/**
 * Moves a contact to a new BSUID, keeping its `contactId` and history: the phone-number-change case, where WhatsApp
 * regenerates the user's BSUID. If the new BSUID already created a contact of its own, that contact is folded into this
 * one. The old BSUID keeps resolving here, so late events addressed to it still land on the right contact.
 *
 * Triggered by the HTTP API today; written so that an ACS "user changed number" event can call it later.
 */
export async function relinkContact(deps: IdentityDeps, contactId: ContactId, newBsuid: Bsuid): Promise<RelinkOutcome> {
  const { store, logger } = deps;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await followContact(store, contactId);
    if (!current) throw new NotFoundError(`No contact ${contactId}`, "contact_not_found");
    const contact = current.contact;
    const previousBsuid = contact.bsuid;
    if (previousBsuid === newBsuid) return { contact, previousBsuid, changed: false };

    const key = await store.getKey(contact.scope, "bsuid", newBsuid);
    let next: Contact = contact;
    let folded: Awaited<ReturnType<typeof followContact>>;
    if (key) {
      folded = await followContact(store, key.contactId);
      if (folded && folded.contact.contactId === contact.contactId) folded = undefined;
      if (folded) {
        // The new BSUID's own contact knows the current phone (if any); the relinked contact keeps everything else.
        next = absorbContact({ ...contact, phone: folded.contact.phone ?? contact.phone }, folded.contact);
      }
    } else if (!(await store.claimKey(contact.scope, "bsuid", newBsuid, contact.contactId))) {
      continue;
    }
    next = {
      ...next,
      bsuid: newBsuid,
      // The folded contact's BSUID is the new one, which absorbContact counts as "previous": it is current now.
      previousBsuids: [...new Set([...next.previousBsuids, ...(previousBsuid ? [previousBsuid] : [])])].filter(
        (b) => b !== newBsuid,
      ),
    };
    if (!(await store.updateContact(next, current.etag))) continue;
    if (folded) {
      if (!(await store.updateContact(folded.contact, folded.etag, contact.contactId))) continue;
      if (key) await store.repointKey(contact.scope, "bsuid", newBsuid, contact.contactId, key.etag);
    }
    if (next.phone && next.phone !== contact.phone) {
      const phoneKey = await store.getKey(contact.scope, "phone", next.phone);
      if (phoneKey && phoneKey.contactId !== contact.contactId) {
        await store.repointKey(contact.scope, "phone", next.phone, contact.contactId, phoneKey.etag);
      } else if (!phoneKey) {
        await store.claimKey(contact.scope, "phone", next.phone, contact.contactId);
      }
    }
    logger.info("relinked contact to a new BSUID", {
      contactId: contact.contactId,
      previousBsuid: maskIdentifier(previousBsuid),
      bsuid: maskIdentifier(newBsuid),
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
