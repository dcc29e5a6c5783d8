import { LRUCache } from "lru-cache";
import type { ContactId, Scope } from "../../core/values/identifiers";
import { identityKeyPartition } from "./createIdentityStore";
import { type IdentityStore, type StoredContact, type StoredKey } from "../../domain/identity/IdentityStore";
import type { IdentityKind } from "../../domain/identity/types";

/** Cache limits. */
export interface IdentityCacheOptions {
  /** Entries kept per kind (keys, contacts); the least recently used go first. */
  maxEntries?: number;
  /** How long an entry is trusted before it is read again; reading an entry does not extend it. */
  ttlMs?: number;
  /**
   * The clock entries are aged by (and a claimed key's `writtenAt`), `Date.now` by default. It must never return 0:
   * lru-cache reads an entry written at time 0 as one without a TTL.
   */
  now?: () => number;
}

/**
 * One cache per kind. `ttlResolution: 0` reads the clock on every check instead of caching it for a millisecond, so an
 * injected clock takes effect at once; stale entries are dropped when read (no purge timers), and a read neither
 * extends an entry's life nor returns it once stale.
 */
function createLru<T extends object>(maxEntries: number, ttlMs: number, now: () => number): LRUCache<string, T> {
  return new LRUCache<string, T>({
    max: maxEntries,
    ttl: ttlMs,
    ttlResolution: 0,
    ttlAutopurge: false,
    updateAgeOnGet: false,
    allowStale: false,
    perf: { now },
  });
}

/**
 * Wraps an identity store with a per-process cache of identity keys and contacts (with their ETags), so a known
 * contact costs no reads: its update goes straight out with the cached ETag.
 *
 * Safe with many instances because nothing is trusted blindly: every write stays ETag-conditional, so a stale entry
 * costs one failed write (412), which evicts it and makes resolution re-read. Key changes (merge, phone move, release)
 * always also rewrite the contact the key pointed at, so they surface as such a conflict. Reads that nothing checks
 * afterwards (a send's window and address, the contacts API) ask for `fresh` data and bypass the cache. Entries expire
 * after `ttlMs` (default 15 minutes, so a conversation's messages stay on the two-write path; another instance's change
 * costs at most one failed write); the table stays the source of truth.
 */
export function createCachedIdentityStore(inner: IdentityStore, options: IdentityCacheOptions = {}): IdentityStore {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 50_000;
  const ttlMs = options.ttlMs ?? 15 * 60_000;
  const keys = createLru<StoredKey>(maxEntries, ttlMs, now);
  const contacts = createLru<StoredContact>(maxEntries, ttlMs, now);

  return {
    async getContact(contactId, readOptions) {
      const cached = readOptions?.fresh ? undefined : contacts.get(contactId);
      if (cached) return cached;
      const stored = await inner.getContact(contactId);
      if (stored) contacts.set(contactId, stored);
      else contacts.delete(contactId);
      return stored;
    },

    async createContact(contact) {
      const etag = await inner.createContact(contact);
      if (etag) contacts.set(contact.contactId, { contact, etag, mergedInto: null });
      else contacts.delete(contact.contactId);
      return etag;
    },

    async updateContact(contact, etag, mergedInto = null) {
      const next = await inner.updateContact(contact, etag, mergedInto);
      if (next) contacts.set(contact.contactId, { contact, etag: next, mergedInto });
      else contacts.delete(contact.contactId);
      return next;
    },

    async getKey(scope, kind, value, readOptions) {
      const id = identityKeyPartition(scope, kind, value);
      const cached = readOptions?.fresh ? undefined : keys.get(id);
      if (cached) return cached;
      const stored = await inner.getKey(scope, kind, value);
      if (stored) keys.set(id, stored);
      else keys.delete(id);
      return stored;
    },

    async claimKey(scope, kind, value, contactId: ContactId) {
      const id = identityKeyPartition(scope, kind, value);
      const etag = await inner.claimKey(scope, kind, value, contactId);
      if (etag) keys.set(id, { contactId, etag, writtenAt: new Date(now()) });
      else keys.delete(id);
      return etag;
    },

    async repointKey(scope, kind, value, contactId, etag) {
      const id = identityKeyPartition(scope, kind, value);
      const next = await inner.repointKey(scope, kind, value, contactId, etag);
      if (next) keys.set(id, { contactId, etag: next, writtenAt: new Date(now()) });
      else keys.delete(id);
      return next;
    },

    async deleteKey(scope, kind, value, etag) {
      keys.delete(identityKeyPartition(scope, kind, value));
      return inner.deleteKey(scope, kind, value, etag);
    },

    async markErasing(contactId, etag) {
      contacts.delete(contactId);
      return inner.markErasing(contactId, etag);
    },

    async deleteKeysOf(contactId) {
      // Which cached keys point at the contact is not indexed: those entries fail their next write or expire.
      return inner.deleteKeysOf(contactId);
    },

    async markErased(contactId, at) {
      contacts.delete(contactId);
      return inner.markErased(contactId, at);
    },

    listContacts: (scope?: Scope) => inner.listContacts(scope),

    knowsKey(scope: Scope, kind: IdentityKind, value: string) {
      return keys.get(identityKeyPartition(scope, kind, value)) !== undefined;
    },

    peekContact(scope: Scope, kind: IdentityKind, value: string) {
      const key = keys.get(identityKeyPartition(scope, kind, value));
      const stored = key ? contacts.get(key.contactId) : undefined;
      return stored && stored.mergedInto === null ? stored.contact : undefined;
    },
  };
}
