import { ConcurrencyError, TransientError } from "../../core/errors";
import type { Bsuid } from "../../core/values/Bsuid";
import type { PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId, Scope } from "../../core/values/identifiers";
import { createBlankContact } from "../../domain/identity/contactRules";
import type { IdentityStore, StoredContact, StoredKey } from "../../domain/identity/IdentityStore";
import type { IdentityKind } from "../../domain/identity/types";

const MAX_MERGE_HOPS = 8;

/** A contact is being erased: retry later (Event Grid does; an API caller gets 503 with Retry-After). */
export class ContactErasingError extends TransientError {
  constructor(contactId: ContactId) {
    super(`Contact ${contactId} is being erased`, { code: "contact_erasing", retryAfterSeconds: 30 });
  }
}

/** Signals that a concurrent writer got there first: re-read and try again. */
export class Retry {
  /** `waiting`: another writer is mid-way (a creation in flight); waiting for it is bounded by time, not attempts. */
  constructor(
    readonly why: string,
    readonly waiting = false,
  ) {}
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
    // A cache may remember a contact as it was when an erasure began: read it again before refusing it.
    if (stored && (stored.erasing || stored.erased) && !readOptions?.fresh) stored = await store.getContact(id, FRESH);
    if (stored?.erased) {
      // What an erasure left. A key that still points here was claimed while it ran: drop it (never heal it back into
      // the erased contact), and resolution starts a fresh contact.
      if (heal && hop === 0) {
        await dropStaleKey(store, heal, id);
        throw new Retry("identity key pointed at an erased contact");
      }
      return undefined;
    }
    if (!stored) return undefined;
    // Nothing attaches to a contact being erased: the event or request fails as transient and, retried after the
    // erasure, finds the identity keys gone and starts a fresh contact.
    if (stored.erasing) throw new ContactErasingError(id);
    if (!stored.mergedInto) return stored;
    id = stored.mergedInto;
  }
  throw new ConcurrencyError(`Contact merge chain from ${contactId} is longer than ${MAX_MERGE_HOPS} hops`);
}

const FRESH = { fresh: true } as const;

/** Deletes the key `heal` names if it still points at `contactId` (as the table holds it). */
async function dropStaleKey(
  store: IdentityStore,
  key: { scope: Scope; kind: IdentityKind; value: string },
  contactId: ContactId,
): Promise<void> {
  const stored = await store.getKey(key.scope, key.kind, key.value, FRESH);
  if (stored?.contactId === contactId) await store.deleteKey(key.scope, key.kind, key.value, stored.etag);
}

/** An identity key and the live contact it resolves to. */
export interface Located {
  key: StoredKey;
  contact: StoredContact;
}

/** Locates the contact an identity key points at; a key whose contact vanished is retried. */
export async function locate(
  store: IdentityStore,
  scope: Scope,
  kind: IdentityKind,
  value: string,
  now: Date,
): Promise<Located | undefined> {
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
export async function locatePhone(
  store: IdentityStore,
  scope: Scope,
  phone: PhoneNumber,
  now: Date,
): Promise<Located | undefined> {
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
