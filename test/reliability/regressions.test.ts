import { describe, expect, it } from "vitest";
import { absorbContact } from "../../lib/identity/contactRules";
import { createCachedIdentityStore } from "../../lib/identity/createCachedIdentityStore";
import { createIdentityStore } from "../../lib/identity/createIdentityStore";
import { resolveContact } from "../../lib/identity/resolveContact";
import { parseBsuid } from "../../lib/values/Bsuid";
import { parseChannelId } from "../../lib/values/ChannelId";
import { parsePhoneNumber } from "../../lib/values/PhoneNumber";
import { parseMessageId, parseScope, type ContactId } from "../../lib/values/identifiers";
import { statusEvent, syntheticPerson, syntheticUuid } from "../../bench/syntheticEvents";
import { createTestTables } from "../support/createTestTables";
import { capturedLogger, createInstances, handleEvent } from "./support/harness";
import { registerIdentifiers } from "./support/privacy";

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

  // Open (needs a design decision, see the issue 7 report): the phone alias moves between contacts with different BSUIDs
  // in arrival order, so a redelivered older message from a number's previous owner moves the number back to them.
  // The corpora above never recycle a number, so this is not what makes them pass.
  it.todo("a redelivered older message does not move a recycled phone number back to its previous owner");
});
