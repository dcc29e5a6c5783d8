import type { ContactId, Scope } from "../../core/values/identifiers";
import type { Contact, IdentityKind } from "./types";

/** A stored contact with the ETag needed to update it, and the survivor it was merged into (tombstones only). */
export interface StoredContact {
  contact: Contact;
  etag: string;
  mergedInto: ContactId | null;
  /** True while the contact is being erased: nothing may attach to it or change it any more. */
  erasing?: boolean;
  /**
   * True for the marker an erasure leaves: the row holds only the contact ID and the time. A key still pointing here is
   * stale (it was claimed while the erasure ran) and is dropped, never healed back into a contact.
   */
  erased?: boolean;
}

/** An identity key with its ETag and when it was last written. */
export interface StoredKey {
  contactId: ContactId;
  etag: string;
  /** Server time of the key's last write; tells a crashed creation from one still in flight. */
  writtenAt: Date;
}

/** The identity map's storage operations: point reads and conditional writes only. */
export interface IdentityStore {
  /** A contact; `fresh` reads it from the table even when a caching store holds it (for reads nothing else checks). */
  getContact(contactId: ContactId, options?: { fresh?: boolean }): Promise<StoredContact | undefined>;
  /** Inserts a new contact and returns its ETag; undefined when one with that ID already exists. */
  createContact(contact: Contact): Promise<string | undefined>;
  /** Replaces a contact if its ETag still matches; returns the new ETag, or undefined on a conflicting write. */
  updateContact(contact: Contact, etag: string, mergedInto?: ContactId | null): Promise<string | undefined>;
  /** An identity key; `fresh` reads it from the table even when a caching store holds it (before acting on it). */
  getKey(
    scope: Scope,
    kind: IdentityKind,
    value: string,
    options?: { fresh?: boolean },
  ): Promise<StoredKey | undefined>;
  /** Inserts an identity key and returns its ETag; undefined when the key is already taken. */
  claimKey(scope: Scope, kind: IdentityKind, value: string, contactId: ContactId): Promise<string | undefined>;
  /** Points an existing key at another contact if its ETag still matches; returns the new ETag, undefined on conflict. */
  repointKey(
    scope: Scope,
    kind: IdentityKind,
    value: string,
    contactId: ContactId,
    etag: string,
  ): Promise<string | undefined>;
  /** Deletes a key if its ETag still matches; false on conflict (already deleted counts as done). */
  deleteKey(scope: Scope, kind: IdentityKind, value: string, etag: string): Promise<boolean>;
  /**
   * Marks a contact as being erased, if its ETag still matches; returns the new ETag, undefined on a conflicting write.
   * From then on every writer that read it earlier fails its ETag check, and resolution refuses it.
   */
  markErasing(contactId: ContactId, etag: string): Promise<string | undefined>;
  /**
   * Replaces a contact's row (a live contact or a merge tombstone) with the erased marker: its ID and the time, nothing
   * of the person. Returns true when the row held a contact until now.
   */
  markErased(contactId: ContactId, at: Date): Promise<boolean>;
  /**
   * Deletes every identity key that still points at `contactId`, found by a query across the keys (an erasure's late
   * sweep, never the hot path: it catches a key claimed for the contact while it was being erased). Returns how many.
   */
  deleteKeysOf(contactId: ContactId): Promise<number>;
  /** Every live (not merged) contact of a scope, for exports and the demo; a partition-crossing query, never on the hot path. */
  listContacts(scope?: Scope): Promise<Contact[]>;
  /**
   * True when a key's value is known without a storage read (see `createCachedIdentityStore`). Resolution uses it to
   * claim unseen identifiers straight away instead of reading first.
   */
  knowsKey?(scope: Scope, kind: IdentityKind, value: string): boolean;
  /**
   * The live contact a key points at, when both are known without a storage read (see `createCachedIdentityStore`);
   * undefined otherwise. Never a source of truth: only a hint for work that can start before resolution finishes.
   */
  peekContact?(scope: Scope, kind: IdentityKind, value: string): Contact | undefined;
}
