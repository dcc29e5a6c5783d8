import { randomUUID } from "node:crypto";
import type { Logger } from "../../core/logging/createLogger";
import type { Bsuid } from "../../core/values/Bsuid";
import type { ChannelId } from "../../core/values/ChannelId";
import type { PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId, Scope } from "../../core/values/identifiers";
import { createBlankContact, recordInbound, type PhoneSighting } from "../../domain/identity/contactRules";
import type { IdentityStore, StoredContact } from "../../domain/identity/IdentityStore";
import type { Contact } from "../../domain/identity/types";
import { Retry, type Located } from "./locateContact";

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
  /**
   * True when nothing was written: the contact (possibly as a cache remembered it) already said everything the event
   * did, so no ETag check confirmed it still exists.
   */
  unwritten?: boolean;
}

/** A fresh durable contact ID: `c_` + 32 hex digits. */
export function createContactId(): ContactId {
  return `c_${randomUUID().replaceAll("-", "")}` as ContactId;
}

/** One resolution attempt: its inputs, and what it has found and done so far. */
export interface Attempt {
  store: IdentityStore;
  logger: Logger;
  input: ResolveInput;
  now: Date;
  newId: () => ContactId;
  /**
   * The event's phone as evidence. Only an inbound message proves its sender used the phone at a given time. A
   * delivery status's pair or an import only fills gaps: it attaches a phone to a contact without one, never moves
   * one, and replaces one only when it pairs the contact's current BSUID with another number than an unpaired phone.
   */
  sighting: PhoneSighting | undefined;
  actions: ResolveAction[];
  /** This attempt created the contact it resolved to. */
  created: boolean;
  /** The contact located or created so far. */
  current?: StoredContact | undefined;
  /** The phone's key and the contact it resolves to, once read. */
  byPhone?: Located | undefined;
}

/** A new attempt at resolving `input`, before anything is read. */
export function startAttempt(deps: IdentityDeps, input: ResolveInput): Attempt {
  const { phone, bsuid } = input;
  const source = input.inbound ? "message" : input.imported ? "import" : "status";
  return {
    store: deps.store,
    logger: deps.logger,
    input,
    now: deps.clock?.() ?? new Date(),
    newId: deps.newContactId ?? createContactId,
    sighting: phone ? { phone, bsuid: bsuid ?? null, at: input.inbound?.at, source } : undefined,
    actions: [],
    created: false,
  };
}

/** Creates `contact` (with the inbound message recorded); a contact created concurrently is retried. */
export async function createNew(attempt: Attempt, contact: Contact): Promise<StoredContact> {
  const { inbound } = attempt.input;
  const withInbound = inbound ? recordInbound(contact, inbound.channelId, inbound.at) : contact;
  const etag = await attempt.store.createContact(withInbound);
  if (!etag) throw new Retry("contact created concurrently");
  attempt.created = true;
  return { contact: withInbound, etag, mergedInto: null };
}

/** A blank contact created now. */
export function blankContact(attempt: Attempt, contactId: ContactId): Contact {
  return createBlankContact(contactId, attempt.input.scope, attempt.now.toISOString());
}
