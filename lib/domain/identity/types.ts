import type { Bsuid } from "../../core/values/Bsuid";
import type { PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId, Scope } from "../../core/values/identifiers";

/** A person as one business portfolio knows them. */
export interface Contact {
  /** Durable ID of our own: survives BSUID changes (relinks) and merges. */
  contactId: ContactId;
  /** The business portfolio the identifiers belong to. */
  scope: Scope;
  /** Current BSUID; null only for contacts imported by phone that have not written yet. */
  bsuid: Bsuid | null;
  /** Phone alias (E.164 with `+`), null when the user hides it and it was never captured. */
  phone: PhoneNumber | null;
  /**
   * Time of the newest message or status that carried `phone` for this contact; null when unknown (an import, or a
   * row from before this field). The phone changes only for something newer, so a redelivered old message cannot move
   * a recycled number back to its previous owner.
   */
  phoneSeenAt: string | null;
  /**
   * Why `phone` is believed to be the person's own number now; null when nothing says so. Read it through
   * `isPhoneConfirmed`: a confirmation for another BSUID than the current one no longer counts.
   */
  phoneConfirmation: PhoneConfirmation | null;
  /**
   * Numbers this contact had before: released by a relink (a new BSUID means a new number), replaced by a newer one, or
   * moved to another person's contact. History only: they resolve to nothing and receive nothing. Personal data.
   */
  previousPhones: PhoneNumber[];
  /** ID in the business's own systems (CRM import). */
  externalId: string | null;
  name: string | null;
  /** First and last inbound message from this person (null when never seen, e.g. imported). */
  firstSeen: string | null;
  lastSeen: string | null;
  /** Last inbound message time per channel ID: drives the 24-hour window and the per-number 30-day phone rule. */
  lastInboundByChannel: Record<string, string>;
  createdAt: string;
  /** Contacts folded into this one by merges; their IDs keep resolving here. */
  mergedContactIds: ContactId[];
  /** BSUIDs this contact had before relinks. */
  previousBsuids: Bsuid[];
}

/**
 * What confirms a contact's phone as the person's own number:
 * - `bsuid`: seen together with that BSUID, in an inbound message or as a delivery status's `to` + `toBSUID`.
 *   WhatsApp regenerates a BSUID when its user changes number, so a pair holds for as long as that BSUID is current.
 * - `import`: a CSV import, for a contact without a BSUID; holds until a BSUID is seen with another number.
 * - `message`: the sender of a phone-only inbound message (from before BSUIDs), for a contact without a BSUID.
 */
export type PhoneConfirmation = { by: "bsuid"; bsuid: Bsuid } | { by: "import" } | { by: "message" };

/** Which identifier an identity key holds. */
/**
 * Which identifier an identity key holds. `releasedPhone` is not a key that resolves: it marks a number a contact gave
 * up when their BSUID changed (the number may be someone else's now), so that no authentication code is sent to it.
 */
export type IdentityKind = "bsuid" | "phone" | "releasedPhone";
