import { randomUUID } from "node:crypto";
import { ConcurrencyError, NotFoundError } from "../errors";
import type { Logger } from "../logging/createLogger";
import { maskIdentifier } from "../logging/mask";
import type { Bsuid } from "../values/Bsuid";
import type { ChannelId } from "../values/ChannelId";
import type { PhoneNumber } from "../values/PhoneNumber";
import type { ContactId, Scope } from "../values/identifiers";
import { absorbContact, recordInbound, sameContact } from "./contactRules";
import type { IdentityStore, StoredContact } from "./createIdentityStore";
import type { Contact, IdentityKind } from "./types";

/** What resolution needs from the outside world. */
export interface IdentityDeps {
  store: IdentityStore;
  logger: Logger;
  clock?: () => Date;
  newContactId?: () => ContactId;
}

/** The identifiers an event carried, and the inbound message to record (absent for delivery statuses). */
export interface ResolveInput {
  scope: Scope;
  bsuid?: Bsuid | undefined;
  phone?: PhoneNumber | undefined;
  inbound?: { channelId: ChannelId; at: string } | undefined;
}

/** What resolution did, for logs and tests. */
export type ResolveAction = "matched" | "created" | "attachedBsuid" | "attachedPhone" | "merged" | "phoneMoved";

export interface ResolveOutcome {
  contact: Contact;
  actions: ResolveAction[];
  /** The contact folded into `contact`, when this resolution merged two. */
  mergedContactId?: ContactId;
}

const MAX_ATTEMPTS = 12;
const MAX_MERGE_HOPS = 8;

/** A fresh durable contact ID: `c_` + 32 hex digits. */
export function createContactId(): ContactId {
  return `c_${randomUUID().replaceAll("-", "")}` as ContactId;
}

function blankContact(contactId: ContactId, scope: Scope, now: string): Contact {
  return {
    contactId,
    scope,
    bsuid: null,
    phone: null,
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

/** Signals that a concurrent writer got there first: re-read and try again. */
class Retry {
  constructor(readonly why: string) {}
}

async function pause(attempt: number): Promise<void> {
  // Jittered backoff spreads instances that collided on the same new user.
  const ms = Math.min(200, 5 * 2 ** attempt) * Math.random();
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Reads a contact, following merge tombstones to the survivor. When an identity key points at a contact that does not
 * exist (a writer stopped between claiming the key and creating the contact), the contact is created from the key, so
 * the map heals itself instead of staying broken.
 */
export async function followContact(
  store: IdentityStore,
  contactId: ContactId,
  heal?: { scope: Scope; kind: IdentityKind; value: string; now: string },
): Promise<StoredContact | undefined> {
  let id = contactId;
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    let stored = await store.getContact(id);
    if (!stored && heal && hop === 0) {
      const contact = blankContact(id, heal.scope, heal.now);
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
  now: string,
): Promise<{ key: { contactId: ContactId; etag: string }; contact: StoredContact } | undefined> {
  const key = await store.getKey(scope, kind, value);
  if (!key) return undefined;
  const contact = await followContact(store, key.contactId, { scope, kind, value, now });
  if (!contact) throw new Retry("identity key points at a contact that vanished");
  return { key, contact };
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
 *   keeps its BSUID: two BSUIDs are two people until someone relinks them (merging strangers would leak conversations).
 *
 * Safe under concurrency: keys are claimed with insert-if-absent and contacts updated with ETags; a lost race is
 * retried from fresh reads, so many instances handling the same new user end with one contact.
 */
export async function resolveContact(deps: IdentityDeps, input: ResolveInput): Promise<ResolveOutcome> {
  if (!input.bsuid && !input.phone) throw new NotFoundError("An event without a BSUID or phone has no contact");
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const result = await attemptResolve(deps, input);
    if (!(result instanceof Retry)) return result;
    deps.logger.debug("identity write conflict, retrying", { why: result.why, attempt });
    await pause(attempt);
  }
  throw new ConcurrencyError(`Could not resolve the contact after ${MAX_ATTEMPTS} conflicting attempts`);
}

async function attemptResolve(deps: IdentityDeps, input: ResolveInput): Promise<ResolveOutcome | Retry> {
  const { store, logger } = deps;
  const now = (deps.clock?.() ?? new Date()).toISOString();
  const newId = deps.newContactId ?? createContactId;
  const { scope, bsuid, phone } = input;
  const actions: ResolveAction[] = [];
  let current: StoredContact | undefined;
  let created = false;

  try {
    if (bsuid) current = (await locate(store, scope, "bsuid", bsuid, now))?.contact;

    let byPhone: Awaited<ReturnType<typeof locate>>;
    if (phone && (!current || current.contact.phone !== phone)) {
      byPhone = await locate(store, scope, "phone", phone, now);
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
          const contact = { ...blankContact(contactId, scope, now), bsuid };
          const etag = await store.createContact(contact);
          if (!etag) return new Retry("contact created concurrently");
          current = { contact, etag, mergedInto: null };
          created = true;
        }
      } else if (byPhone) {
        current = byPhone.contact;
      } else if (phone) {
        const contactId = newId();
        if (!(await store.claimKey(scope, "phone", phone, contactId))) return new Retry("phone claimed concurrently");
        const contact = { ...blankContact(contactId, scope, now), phone };
        const etag = await store.createContact(contact);
        if (!etag) return new Retry("contact created concurrently");
        current = { contact, etag, mergedInto: null };
        created = true;
      }
    }
    if (!current) return new Retry("no contact located");
    if (created) actions.push("created");

    let next: Contact = { ...current.contact };
    if (bsuid && next.bsuid === null) next.bsuid = bsuid;
    let folded: StoredContact | undefined;
    let releasedPhone: PhoneNumber | null = null;

    if (phone && next.phone !== phone) {
      if (!byPhone) {
        if (!(await store.claimKey(scope, "phone", phone, next.contactId)))
          return new Retry("phone claimed concurrently");
        actions.push("attachedPhone");
      } else if (byPhone.contact.contact.contactId !== next.contactId) {
        const other = byPhone.contact;
        if (other.contact.bsuid === null || other.contact.bsuid === next.bsuid) {
          folded = other;
          next = absorbContact(next, other.contact);
          actions.push("merged");
        } else {
          // The phone now belongs to someone with another BSUID (a recycled number, or a re-registered business
          // account). Move the alias; do not merge two BSUIDs on a guess.
          if (!(await store.repointKey(scope, "phone", phone, next.contactId, byPhone.key.etag))) {
            return new Retry("phone key changed concurrently");
          }
          const stripped = { ...other.contact, phone: null };
          if (!(await store.updateContact(stripped, other.etag))) return new Retry("previous phone owner changed");
          actions.push("phoneMoved");
          logger.warn("phone alias moved between contacts with different BSUIDs; relink if they are the same person", {
            phone: maskIdentifier(phone),
            fromContactId: other.contact.contactId,
            toContactId: next.contactId,
          });
        }
      }
      releasedPhone = next.phone;
      next.phone = phone;
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
      if (byPhone && phone) await store.repointKey(scope, "phone", phone, next.contactId, byPhone.key.etag);
      logger.info("merged contacts", { survivor: next.contactId, folded: folded.contact.contactId });
    }

    if (releasedPhone && releasedPhone !== phone)
      await releaseKey(store, scope, "phone", releasedPhone, next.contactId);

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
