import { ConcurrencyError, NotFoundError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";
import type { ContactId } from "../../core/values/identifiers";
import type { IdentityStore, StoredContact } from "../../domain/identity/IdentityStore";
import type { Contact, IdentityKind } from "../../domain/identity/types";
import { noneErased, type ErasedCounts, type ErasureLog, type ErasureReceipt } from "../../domain/erasure/ErasureLog";
import type { MessageLedger } from "../../domain/ledger/MessageLedger";
import type { RejectedEventStore } from "../../domain/rejections/RejectedEventStore";
import type { RouteActionStore } from "../../domain/routing/RouteActionStore";
import type { SendRecordStore } from "../../domain/messaging/SendRecordStore";

/** What an erasure reaches: every store that can hold a trace of a person. */
export interface ErasurePorts {
  identityStore: IdentityStore;
  ledger: MessageLedger;
  routeActions: RouteActionStore;
  sends: SendRecordStore;
  rejections: RejectedEventStore;
  erasures: ErasureLog;
  clock: () => Date;
  /**
   * How long after an erasure an event that was already in flight may still write (the event deadline and a margin):
   * the ledger is swept once more after it.
   */
  lateWriteWindowMs: number;
}

const MAX_ATTEMPTS = 10;
const MAX_MERGE_HOPS = 8;

/**
 * Erases a person: their contact (following merges to the survivor), the contacts merged into it, every identity key
 * that still points at them (current and previous BSUIDs and phones, released-number markers), their messages with
 * status histories and route actions, their send records and the rejected events that name them. Answers a receipt
 * with counts per kind, never an identifier.
 *
 * Safe under concurrent events: the contact is marked first (an ETag-conditional write), so an event that read it
 * earlier fails its own write, and resolution refuses a marked contact (transient: Event Grid retries, and after the
 * erasure the identifiers resolve to nothing, so the message starts a fresh contact). Identity keys go before the
 * contact rows, so no key is ever left pointing at a missing contact (which resolution would heal by recreating it).
 * The ledger is swept again at the end and once more after `lateWriteWindowMs` ({@link finishErasures}), for a
 * message an in-flight event stored meanwhile.
 *
 * Idempotent: a repeated request answers the first receipt; an interrupted erasure is finished by the next request or
 * by {@link finishErasures}.
 */
export async function eraseContact(ports: ErasurePorts, contactId: ContactId, logger: Logger): Promise<ErasureReceipt> {
  const earlier = await ports.erasures.get(contactId);
  if (earlier?.state === "erased") return earlier;
  const survivor = await findSurvivor(ports.identityStore, contactId);
  if (!survivor || survivor.erased) {
    // A concurrent request may have finished the erasure since `earlier` was read: its receipt is the answer (not a
    // 404, nor a receipt of this request's empty-handed pass written over it).
    const latest = await ports.erasures.get(contactId);
    if (latest?.state === "erased") return latest;
    if (latest) return finish(ports, latest, noneErased(), logger);
    throw new NotFoundError(`No contact ${contactId}`, "contact_not_found");
  }
  if (survivor.contact.contactId !== contactId) return eraseContact(ports, survivor.contact.contactId, logger);

  const marked = await markErasing(ports.identityStore, contactId);
  const people = await collectMergedContacts(ports.identityStore, marked.contact);
  const now = ports.clock().toISOString();
  const receipt: ErasureReceipt = earlier ?? {
    contactId,
    contactIds: people.map((person) => person.contactId),
    state: "erasing",
    startedAt: now,
    erasedAt: null,
    counts: noneErased(),
    sweepAfter: null,
    sweeps: 0,
  };
  // Saved before anything is deleted: an interrupted erasure is found and finished, and it names only our own IDs.
  await ports.erasures.save(receipt);

  const counts = noneErased();
  counts.identityKeys = await deleteIdentityKeys(ports.identityStore, people);
  counts.rejectedEvents = await ports.rejections.deleteNaming(needlesOf(people));
  for (const id of receipt.contactIds) counts.sendRecords += await ports.sends.deleteFor(id);
  await sweepMessages(ports, receipt.contactIds, counts);
  // Tombstones first, the survivor (which carries the mark) last.
  for (const person of [...people].reverse()) {
    if (await ports.identityStore.markErased(person.contactId, ports.clock())) counts.contacts += 1;
  }
  return finish(ports, receipt, counts, logger);
}

/** Sweeps the ledger once more and records the erasure as done, with its counts and the time of the late sweep. */
async function finish(
  ports: ErasurePorts,
  receipt: ErasureReceipt,
  counts: ErasedCounts,
  logger: Logger,
): Promise<ErasureReceipt> {
  await sweepLateWrites(ports, receipt.contactIds, counts);
  const now = ports.clock();
  const done: ErasureReceipt = {
    ...receipt,
    state: "erased",
    erasedAt: now.toISOString(),
    counts: addCounts(receipt.counts, counts),
    sweepAfter: new Date(now.getTime() + ports.lateWriteWindowMs).toISOString(),
  };
  await ports.erasures.save(done);
  logger.info("contact erased", { contactId: receipt.contactId, ...done.counts });
  return done;
}

/**
 * The erasures' remaining work, for a timer: finishes interrupted erasures and sweeps the ledger of finished ones once
 * their late-write window has passed. Returns how many erasures it worked on.
 */
export async function finishErasures(ports: ErasurePorts, logger: Logger): Promise<number> {
  const due = await ports.erasures.due(ports.clock());
  for (const receipt of due) {
    if (receipt.state === "erasing") {
      await eraseContact(ports, receipt.contactId, logger);
      continue;
    }
    const counts = noneErased();
    await sweepLateWrites(ports, receipt.contactIds, counts);
    await ports.erasures.save({ ...receipt, counts: addCounts(receipt.counts, counts), sweeps: receipt.sweeps + 1 });
    if (counts.messages > 0) {
      logger.info("late messages of an erased contact swept", { contactId: receipt.contactId, ...counts });
    }
  }
  return due.length;
}

/** The live contact a contact ID resolves to (following merge tombstones), read from the table. */
async function findSurvivor(store: IdentityStore, contactId: ContactId): Promise<StoredContact | undefined> {
  let id = contactId;
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    const stored = await store.getContact(id, { fresh: true });
    if (!stored?.mergedInto) return stored;
    id = stored.mergedInto;
  }
  throw new ConcurrencyError(`Contact merge chain from ${contactId} is longer than ${MAX_MERGE_HOPS} hops`);
}

/** Marks the contact as being erased (already marked counts), re-reading after a conflicting write. */
async function markErasing(store: IdentityStore, contactId: ContactId): Promise<StoredContact> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const stored = await store.getContact(contactId, { fresh: true });
    if (!stored || stored.erased) throw new NotFoundError(`No contact ${contactId}`, "contact_not_found");
    if (stored.erasing) return stored;
    const etag = await store.markErasing(contactId, stored.etag);
    if (etag) return { ...stored, etag, erasing: true };
  }
  throw new ConcurrencyError(
    `Could not mark contact ${contactId} for erasure after ${MAX_ATTEMPTS} conflicting writes`,
  );
}

/** The contact and every contact merged into it, however deep (tombstones that are already gone are skipped). */
async function collectMergedContacts(store: IdentityStore, survivor: Contact): Promise<Contact[]> {
  const people = [survivor];
  const seen = new Set<ContactId>([survivor.contactId]);
  for (let index = 0; index < people.length; index++) {
    for (const id of people[index]!.mergedContactIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      const tombstone = await store.getContact(id, { fresh: true });
      if (tombstone && !tombstone.erased) people.push(tombstone.contact);
    }
  }
  return people;
}

/** Every identity key of the people's identifiers that still points at one of them; returns how many it deleted. */
async function deleteIdentityKeys(store: IdentityStore, people: readonly Contact[]): Promise<number> {
  const ids = new Set(people.map((person) => person.contactId));
  let deleted = 0;
  for (const person of people) {
    const phones = [person.phone, ...person.previousPhones].filter((phone) => phone !== null);
    const byKind: [IdentityKind, string[]][] = [
      ["bsuid", [person.bsuid, ...person.previousBsuids].filter((bsuid) => bsuid !== null)],
      ["phone", phones],
      ["releasedPhone", phones],
    ];
    for (const [kind, values] of byKind) {
      for (const value of new Set(values)) {
        // A number may be someone else's now: only keys that still point at this person go.
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          const key = await store.getKey(person.scope, kind, value, { fresh: true });
          if (!key || !ids.has(key.contactId)) break;
          if (await store.deleteKey(person.scope, kind, value, key.etag)) {
            deleted += 1;
            break;
          }
        }
      }
    }
  }
  return deleted;
}

/** What names the people in a raw event: BSUIDs, and phones with and without `+` (ACS sends them without). */
function needlesOf(people: readonly Contact[]): string[] {
  const needles = new Set<string>();
  for (const person of people) {
    for (const bsuid of [person.bsuid, ...person.previousBsuids]) if (bsuid) needles.add(bsuid);
    for (const phone of [person.phone, ...person.previousPhones]) {
      if (phone) {
        needles.add(phone);
        needles.add(phone.replace(/^\+/, ""));
      }
    }
  }
  return [...needles];
}

/**
 * What an event in flight may have written for the erased contacts: their messages (see {@link sweepMessages}) and an
 * identity key claimed for them while the erasure ran (found by a query across the keys, so it runs once the contacts
 * are replaced by markers, not in the erasure's first pass, which deletes their known keys by point reads).
 */
async function sweepLateWrites(ports: ErasurePorts, contactIds: readonly ContactId[], counts: ErasedCounts) {
  for (const contactId of contactIds) counts.identityKeys += await ports.identityStore.deleteKeysOf(contactId);
  await sweepMessages(ports, contactIds, counts);
}

/** Deletes the messages stored under any of `contactIds`, with their status histories and route actions. */
async function sweepMessages(ports: ErasurePorts, contactIds: readonly ContactId[], counts: ErasedCounts) {
  for (const contactId of contactIds) {
    for (const messageId of await ports.ledger.messageIdsOf(contactId)) {
      // An event in flight may have moved the message to the sender's fresh contact since it was listed: it stays.
      const rows = await ports.ledger.deleteMessageOf(messageId, contactIds);
      if (rows === 0) continue;
      counts.ledgerRows += rows;
      counts.routeActions += await ports.routeActions.deleteFor(messageId);
      counts.messages += 1;
    }
  }
}

function addCounts(a: ErasedCounts, b: ErasedCounts): ErasedCounts {
  const sum = noneErased();
  for (const kind of Object.keys(sum) as (keyof ErasedCounts)[]) sum[kind] = a[kind] + b[kind];
  return sum;
}
