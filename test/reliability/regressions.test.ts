import { describe, expect, it } from "vitest";
import { absorbContact } from "../../lib/domain/identity/contactRules";
import { createCachedIdentityStore } from "../../lib/adapters/tableStorage/createCachedIdentityStore";
import { createIdentityStore } from "../../lib/adapters/tableStorage/createIdentityStore";
import { resolveContact } from "../../lib/useCases/identity/resolveContact";
import { parseBsuid } from "../../lib/core/values/Bsuid";
import { parseChannelId } from "../../lib/core/values/ChannelId";
import { parsePhoneNumber } from "../../lib/core/values/PhoneNumber";
import { parseMessageId, parseScope, type ContactId } from "../../lib/core/values/identifiers";
import { receivedEvent, shuffled, statusEvent, syntheticPerson, syntheticUuid } from "../../bench/syntheticEvents";
import { createTestTables } from "../support/createTestTables";
import { capturedLogger, createInstances, handleEvent } from "./support/harness";
import { registerIdentifiers } from "./support/privacy";
import { canonicalSnapshot } from "./support/snapshot";

const scope = parseScope("default");
const channel = parseChannelId("7c9e6679-7425-40de-944b-e07fc1f90ae7");

// Bugs the reliability suite found, reduced to the state that caused them, so they stay fixed.
describe("regressions found by the reliability suite", () => {
  it.each([
    ["the plain store", false],
    ["the cached store", true],
  ])(
    "finishes a merge interrupted after the survivor took the phone and before the folded contact was tombstoned (%s)",
    async (_label, cached) => {
      // Found by the 10,000-event redelivery run: 13 people ended with two live contacts holding one phone. The
      // survivor's update succeeded, the tombstone lost an ETag race (a concurrent message updated the phone-only
      // contact), and the retry saw the phone already on the survivor, so it never looked at the phone's key again.
      const person = syntheticPerson(500, 4);
      registerIdentifiers(person.bsuid, person.phoneDigits);
      const bsuid = parseBsuid(person.bsuid);
      const phone = parsePhoneNumber(person.phoneDigits);
      const tables = await createTestTables();
      const plain = createIdentityStore(tables);
      const store = cached ? createCachedIdentityStore(plain) : plain;
      const deps = { store, logger: capturedLogger };

      const byBsuid = await resolveContact(deps, {
        scope,
        bsuid,
        inbound: { channelId: channel, at: "2026-11-20T09:00:00Z" },
      });
      const byPhone = await resolveContact(deps, {
        scope,
        phone,
        inbound: { channelId: channel, at: "2026-11-20T08:00:00Z" },
      });
      // The half-done merge: the survivor absorbed the phone-only contact (its phone, times and ID), which is still
      // live and still owns the phone's key.
      const survivor = await plain.getContact(byBsuid.contact.contactId);
      await plain.updateContact(absorbContact(survivor!.contact, byPhone.contact), survivor!.etag);

      const outcome = await resolveContact(deps, {
        scope,
        bsuid,
        phone,
        inbound: { channelId: channel, at: "2026-11-20T10:00:00Z" },
      });
      expect(outcome.actions).toContain("merged");
      expect(outcome.contact.contactId).toBe(byBsuid.contact.contactId);
      expect(outcome.contact).toMatchObject({ bsuid, phone, firstSeen: "2026-11-20T08:00:00Z" });
      expect((await plain.getContact(byPhone.contact.contactId))?.mergedInto).toBe(byBsuid.contact.contactId);
      expect((await plain.getKey(scope, "phone", phone))?.contactId).toBe(byBsuid.contact.contactId);
    },
  );

  it("never heals a contact from a cached identity key that has since moved to another contact", async () => {
    // Found by the concurrency test (20 people, phone-only, BSUID-only and linking messages at once on 10 instances):
    // two live contacts with one BSUID. An instance cached the BSUID's key in the moment between another instance's
    // claim and its repoint to the phone's contact, kept retrying on that cached key and, once the key looked older
    // than the grace period, "healed" the never-created contact the stale key named.
    const person = syntheticPerson(501, 4);
    registerIdentifiers(person.bsuid, person.phoneDigits);
    const bsuid = parseBsuid(person.bsuid);
    const phone = parsePhoneNumber(person.phoneDigits);
    const plain = createIdentityStore(await createTestTables());
    const cachedStore = createCachedIdentityStore(plain);
    const phoneContact = await resolveContact(
      { store: plain, logger: capturedLogger },
      { scope, phone, inbound: { channelId: channel, at: "2026-11-20T08:00:00Z" } },
    );
    // Another instance claims the BSUID for a contact it has not created yet ...
    const claimedId = "c_0123456789abcdef0123456789abcdef" as ContactId;
    const claimEtag = await plain.claimKey(scope, "bsuid", bsuid, claimedId);
    // ... this instance reads (and caches) the key in that moment ...
    expect((await cachedStore.getKey(scope, "bsuid", bsuid))?.contactId).toBe(claimedId);
    // ... and the claimer attaches the BSUID to the phone's contact instead.
    await plain.repointKey(scope, "bsuid", bsuid, phoneContact.contact.contactId, claimEtag!);
    const stored = await plain.getContact(phoneContact.contact.contactId);
    await plain.updateContact({ ...stored!.contact, bsuid }, stored!.etag);

    // Well past the grace period, a BSUID-only message reaches this instance.
    const later = () => new Date(Date.now() + 60_000);
    const outcome = await resolveContact(
      { store: cachedStore, logger: capturedLogger, clock: later },
      { scope, bsuid, inbound: { channelId: channel, at: "2026-11-20T09:00:00Z" } },
    );
    expect(outcome.contact.contactId).toBe(phoneContact.contact.contactId);
    expect(await plain.getContact(claimedId)).toBeUndefined();
  });

  it("records a delivery status whose event ID Table Storage cannot use as a key, once, instead of failing forever", async () => {
    // Found by the bad-input test: the status history row key was `status|<event ID>`, and Table Storage refuses
    // `/ \ # ?`, control characters and keys over 1 KiB, so such a status failed as a storage error on every delivery
    // (Event Grid retries that for 24 hours) instead of being stored.
    const person = syntheticPerson(502, 4);
    registerIdentifiers(person.bsuid, person.phoneDigits);
    const deployment = await createInstances();
    const services = deployment.all[0]!;
    const ids = ["a/b#c?d", "tab\there\u0001", "x".repeat(2000)];
    for (const [i, eventId] of ids.entries()) {
      const event = statusEvent({
        eventId,
        messageId: syntheticUuid(0xfd, 1),
        status: i === 0 ? "Sent" : i === 1 ? "Delivered" : "Read",
        at: `2026-11-20T09:0${i}:00Z`,
        bsuid: person.bsuid,
      });
      expect(await handleEvent(services, event)).toMatchObject({ result: "processed", duplicate: false });
      expect(await handleEvent(services, event)).toMatchObject({ result: "processed", duplicate: true });
    }
    const message = await services.ledger.getMessage(parseMessageId(syntheticUuid(0xfd, 1)));
    expect(message?.status).toBe("read");
    expect(message?.history.map((entry) => entry.eventId)).toEqual(ids);
  });

  describe("a phone number that changes hands or owners", () => {
    // Open until now: the phone alias moved in arrival order, so a redelivered older message from a number's previous
    // owner moved the number back to them. Now a phone changes only for a message newer than what put it where it is.
    const previousOwner = syntheticPerson(503, 4);
    const newOwner = { ...syntheticPerson(504, 4), phoneDigits: previousOwner.phoneDigits };
    const switcher = syntheticPerson(505, 4);
    const switchedTo = syntheticPerson(506, 4).phoneDigits;
    registerIdentifiers(
      previousOwner.bsuid,
      previousOwner.phoneDigits,
      newOwner.bsuid,
      switcher.bsuid,
      switcher.phoneDigits,
      switchedTo,
    );
    const message = (n: number, who: { bsuid?: string; phoneDigits: string }, hour: number) =>
      receivedEvent({
        eventId: syntheticUuid(0xfe, n),
        messageId: syntheticUuid(0xfc, n),
        at: `2026-11-20T${String(hour).padStart(2, "0")}:00:00Z`,
        ...who,
      });
    // In time order: the previous owner writes twice, the number is recycled to the new owner, who writes twice;
    // meanwhile another person moves from one number to another.
    const inOrder = [
      message(1, previousOwner, 8),
      message(2, switcher, 8),
      message(3, previousOwner, 9),
      message(4, { bsuid: switcher.bsuid, phoneDigits: switchedTo }, 10),
      message(5, newOwner, 11),
      message(6, newOwner, 12),
    ];

    async function deliverAll(events: readonly Record<string, unknown>[]) {
      const deployment = await createInstances();
      for (const event of events) {
        expect(await handleEvent(deployment.all[0]!, event)).toMatchObject({ result: "processed" });
      }
      return canonicalSnapshot(deployment.all[0]!);
    }

    it("gives the number to its newest owner and the switcher its newest number when delivered in order", async () => {
      const { canonical, facts } = await deliverAll(inOrder);
      expect(facts.duplicates).toEqual([]);
      const byBsuid = (bsuid: string) => canonical.contacts[`bsuid:${bsuid}`];
      expect(byBsuid(newOwner.bsuid)).toMatchObject({ phone: `+${newOwner.phoneDigits}` });
      expect(byBsuid(previousOwner.bsuid)).toMatchObject({ phone: null });
      expect(byBsuid(switcher.bsuid)).toMatchObject({ phone: `+${switchedTo}` });
      expect(canonical.keys[`default|phone|+${newOwner.phoneDigits}`]).toBe(`bsuid:${newOwner.bsuid}`);
      expect(canonical.keys[`default|phone|+${switcher.phoneDigits}`]).toBeUndefined();
    });

    it("ends where in-order delivery ends for shuffled orders with every message redelivered late", async () => {
      const expected = (await deliverAll(inOrder)).canonical;
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        // Shuffled, then everything again in reverse: the old messages of the previous owner arrive last.
        const order = shuffled(inOrder, seed);
        const { canonical, facts } = await deliverAll([...order, ...[...order].reverse()]);
        expect(facts.duplicates, `seed ${seed}`).toEqual([]);
        expect(canonical, `seed ${seed}`).toEqual(expected);
      }
    });

    it("merges a phone-only contact of an old number without taking the number back when its message arrives late", async () => {
      // The phone-only contact wrote first from the old number; the person then wrote with their BSUID from it, and
      // later from a new number. The linking message arrives last: the contacts merge, the newer number stays, and the
      // old number's key goes, as it does when the person moves numbers in order.
      const person = syntheticPerson(507, 4);
      const newNumber = syntheticPerson(508, 4).phoneDigits;
      registerIdentifiers(person.bsuid, person.phoneDigits, newNumber);
      const phoneOnly = message(11, { phoneDigits: person.phoneDigits }, 8);
      const linking = message(12, person, 9);
      const moved = message(13, { bsuid: person.bsuid, phoneDigits: newNumber }, 10);
      const expected = await deliverAll([phoneOnly, linking, moved]);
      const late = await deliverAll([phoneOnly, moved, linking]);
      expect(late.facts.liveContacts).toBe(1);
      expect(late.canonical).toEqual(expected.canonical);
      expect(late.canonical.contacts[`bsuid:${person.bsuid}`]).toMatchObject({
        phone: `+${newNumber}`,
        firstSeen: "2026-11-20T08:00:00.000Z",
      });
      expect(late.canonical.keys[`default|phone|+${person.phoneDigits}`]).toBeUndefined();
    });
  });
});
