import type { Bsuid } from "../values/Bsuid";
import type { PhoneNumber } from "../values/PhoneNumber";
import type { ContactId, Scope } from "../values/identifiers";

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

/** Which identifier an identity key holds. */
export type IdentityKind = "bsuid" | "phone";
