import type { Bsuid } from "../../core/values/Bsuid";
import { isNewerPhoneEvidence, isPhonePairedWithBsuid, type PhoneEvidence, type PhoneSighting } from "./contactRules";
import type { Contact } from "./types";

/** What resolution knows when it decides what an event's phone does to the resolved contact. */
export interface PhoneChangeInput {
  /** The resolved contact, with the event's BSUID filled in when it had none. */
  contact: Contact;
  /** The event's BSUID, if it carried one. */
  bsuid: Bsuid | undefined;
  /** The event's phone and how it was seen; undefined when the event carried no phone. */
  sighting: PhoneSighting | undefined;
  /** The contact the phone's identity key resolves to, when the phone has a key. */
  keyHolder: Contact | undefined;
}

/**
 * What the event's phone does to the contact:
 * - `none`: nothing (no phone, or a historic BSUID without one);
 * - `historic`: the BSUID is one the contact had before a relink, so the phone is its previous number: `release` when
 *   the contact still holds it, otherwise it is only remembered;
 * - `record`: the contact already holds the phone and its key; the sighting is recorded;
 * - `change`: the phone is new to the contact or its key is elsewhere. `step` says what happens to the key: `claim`
 *   (no key yet, claimed unless stale), `merge` (its holder has no BSUID or the same one, and is folded in), `move`
 *   (its holder has another BSUID; the alias moves), `keep` (the key stays where it is). A `stale` change records no
 *   phone: the sighting is older than what gave the phone to its current holder.
 */
export type PhoneChange =
  | { kind: "none" }
  | { kind: "historic"; release: boolean }
  | { kind: "record" }
  | { kind: "change"; step: "claim" | "merge" | "move" | "keep"; stale: boolean };

/**
 * Decides what an event's phone does to the contact it resolved to. Pure: the caller carries out the key and contact
 * writes the answer implies.
 */
export function decidePhoneChange({ contact, bsuid, sighting, keyHolder }: PhoneChangeInput): PhoneChange {
  // The event's BSUID is one this contact had before a relink (its key still resolves here): its phone is the number
  // the person had then, so it is history, whatever order the relink and this event came in.
  const historic = bsuid !== undefined && contact.bsuid !== bsuid;
  if (!sighting) return { kind: "none" };
  const { phone } = sighting;
  if (historic) return { kind: "historic", release: contact.phone === phone };
  const other = keyHolder !== undefined && keyHolder.contactId !== contact.contactId ? keyHolder : undefined;
  if (contact.phone === phone && !other) return { kind: "record" };

  const mergeable = other !== undefined && (other.bsuid === null || other.bsuid === contact.bsuid);
  const stale = isStaleSighting(contact, sighting, other !== undefined && !mergeable ? other : undefined);
  if (!keyHolder) return { kind: "change", step: "claim", stale };
  if (other && mergeable) return { kind: "change", step: "merge", stale };
  if (other && !stale) return { kind: "change", step: "move", stale };
  return { kind: "change", step: "keep", stale };
}

/**
 * A message older than what gave this contact its current phone, or gave another BSUID this phone, changes no phone:
 * it is a redelivery or a late arrival from before the number changed (or changed hands). A phone never seen with the
 * current BSUID gives way to one that was, whenever it was: the BSUID's own number contradicts it. A sighting without a
 * time (a status, an import) only fills gaps: it never replaces a phone, except that unpaired one, nor takes another's.
 */
function isStaleSighting(contact: Contact, sighting: PhoneSighting, takenFrom: Contact | undefined): boolean {
  const replacesOwn = contact.phone !== null && contact.phone !== sighting.phone;
  const ownYields = replacesOwn && sighting.bsuid !== null && !isPhonePairedWithBsuid(contact);
  if (sighting.at === undefined) return (replacesOwn && !ownYields) || takenFrom !== undefined;
  const evidence: PhoneEvidence = { phone: sighting.phone, bsuid: sighting.bsuid, at: sighting.at };
  return (
    (replacesOwn && !ownYields && !isNewerPhoneEvidence(evidence, contact)) ||
    (takenFrom !== undefined && !isNewerPhoneEvidence(evidence, takenFrom))
  );
}
