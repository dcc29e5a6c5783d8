import { maskIdentifier } from "../../core/logging/mask";
import type { PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId } from "../../core/values/identifiers";
import {
  absorbContact,
  recordPhone,
  releasePhone,
  rememberPreviousPhone,
  type PhoneSighting,
} from "../../domain/identity/contactRules";
import type { StoredContact, StoredKey } from "../../domain/identity/IdentityStore";
import type { PhoneChange } from "../../domain/identity/phoneChange";
import type { Contact } from "../../domain/identity/types";
import { Retry, type Located } from "./locateContact";
import type { Attempt } from "./resolutionAttempt";

/** A phone change carried out on the contact, and what is left to write after the contact is saved. */
export interface AppliedPhone {
  contact: Contact;
  /** The contact merged into this one, to tombstone. */
  folded?: StoredContact | undefined;
  /** The phone the contact gave up, whose key to release. */
  releasedPhone: PhoneNumber | null;
  /** The phone key to delete after a merge that keeps the survivor's newer phone instead of the message's. */
  stalePhoneKey?: StoredKey | undefined;
}

/**
 * Carries out the phone's part of a resolution on `contact` (see `decidePhoneChange`): key claims and moves happen now,
 * the merge's tombstone and the release of a given-up phone's key after the contact is saved.
 */
export async function applyPhoneChange(attempt: Attempt, contact: Contact, change: PhoneChange): Promise<AppliedPhone> {
  const { sighting } = attempt;
  if (change.kind === "none" || !sighting) return { contact, releasedPhone: null };
  if (change.kind === "record") return { contact: recordPhone(contact, sighting), releasedPhone: null };
  if (change.kind === "historic") {
    if (!change.release) return { contact: rememberPreviousPhone(contact, sighting.phone), releasedPhone: null };
    attempt.actions.push("releasedPhone");
    return { contact: releasePhone(contact), releasedPhone: sighting.phone };
  }
  return changePhone(attempt, contact, sighting, change);
}

/** Gives the contact a phone that is new to it or whose key is elsewhere: claim, merge or move, then record it. */
async function changePhone(
  attempt: Attempt,
  contact: Contact,
  sighting: PhoneSighting,
  change: Extract<PhoneChange, { kind: "change" }>,
): Promise<AppliedPhone> {
  const { store, input, logger, actions, byPhone } = attempt;
  const { phone } = sighting;
  let next = contact;
  let folded: StoredContact | undefined;
  let stalePhoneKey: StoredKey | undefined;
  if (change.step === "claim" && !change.stale) {
    if (!(await store.claimKey(input.scope, "phone", phone, next.contactId))) {
      throw new Retry("phone claimed concurrently");
    }
    actions.push("attachedPhone");
  } else if (change.step === "merge" && byPhone) {
    folded = byPhone.contact;
    next = absorbContact(next, folded.contact);
    actions.push("merged");
    if (change.stale) stalePhoneKey = byPhone.key;
  } else if (change.step === "move" && byPhone) {
    await movePhone(attempt, phone, next.contactId, byPhone);
  }
  if (change.stale) {
    logger.debug("an older message's phone changes nothing: the number has been seen since on a newer one", {
      phone: maskIdentifier(phone),
    });
    return { contact: next, folded, releasedPhone: null, stalePhoneKey };
  }
  return { contact: recordPhone(next, sighting), folded, releasedPhone: next.phone, stalePhoneKey };
}

/**
 * The phone now belongs to someone with another BSUID (a recycled number, or a re-registered business account): the
 * alias moves and the other contact keeps its BSUID. Two BSUIDs are not merged on a guess.
 */
async function movePhone(attempt: Attempt, phone: PhoneNumber, to: ContactId, holder: Located): Promise<void> {
  const { store, input, logger, actions } = attempt;
  if (!(await store.repointKey(input.scope, "phone", phone, to, holder.key.etag))) {
    throw new Retry("phone key changed concurrently");
  }
  const other = holder.contact;
  if (!(await store.updateContact(releasePhone(other.contact), other.etag))) {
    throw new Retry("previous phone owner changed");
  }
  actions.push("phoneMoved");
  logger.warn("phone alias moved between contacts with different BSUIDs; relink if they are the same person", {
    phone: maskIdentifier(phone),
    fromContactId: other.contact.contactId,
    toContactId: to,
  });
}

/**
 * Tombstones the folded contact after the survivor absorbed it, so at every moment the folded ID resolves to a contact
 * holding its history; then repoints the phone key (best effort: the tombstone keeps resolution correct without it).
 */
export async function finishMerge(
  attempt: Attempt,
  survivor: Contact,
  folded: StoredContact,
  stalePhoneKey: StoredKey | undefined,
): Promise<void> {
  const { store, input, logger, byPhone } = attempt;
  const { scope, phone } = input;
  if (!(await store.updateContact(folded.contact, folded.etag, survivor.contactId))) {
    throw new Retry("folded contact changed concurrently");
  }
  if (stalePhoneKey && phone) await store.deleteKey(scope, "phone", phone, stalePhoneKey.etag);
  else if (byPhone && phone) await store.repointKey(scope, "phone", phone, survivor.contactId, byPhone.key.etag);
  logger.info("merged contacts", { survivor: survivor.contactId, folded: folded.contact.contactId });
}
