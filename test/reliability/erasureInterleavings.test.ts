import { describe, expect, it } from "vitest";
import { receivedEvent, syntheticPerson, syntheticUuid } from "../../bench/syntheticEvents";
import type { AppServices } from "../../lib/app/createAppServices";
import { parseMessageId, type ContactId } from "../../lib/core/values/identifiers";
import { eraseContact, type ErasurePorts } from "../../lib/useCases/erasure/eraseContact";
import { capturedLogger, createInstances, handleEvent } from "./support/harness";
import { registerIdentifiers } from "./support/privacy";

// The interleavings of an erasure with one event or one other request that the races in erasure.test.ts run into,
// each forced step by step, each with what went wrong before it was fixed.

/** The contact an identity key points at, read from the table. */
async function contactIdOf(services: AppServices, bsuid: string): Promise<ContactId> {
  const key = await services.identityStore.getKey(services.config.defaultScope, "bsuid", bsuid, { fresh: true });
  return key!.contactId;
}

/** One person's message, BSUID first, with their phone unless `bsuidOnly`. */
function messageFrom(person: { bsuid: string; phoneDigits: string }, n: number, options: { bsuidOnly?: boolean } = {}) {
  return receivedEvent({
    eventId: syntheticUuid(0xe3, n),
    messageId: syntheticUuid(0xe4, n),
    at: new Date(Date.UTC(2026, 10, 20, 8, n)).toISOString(),
    bsuid: person.bsuid,
    phoneDigits: options.bsuidOnly ? undefined : person.phoneDigits,
  });
}

const erasurePorts = (services: AppServices): ErasurePorts => ({ ...services.erasure, lateWriteWindowMs: 0 });

describe("an erasure and one event for the same person, step by step", () => {
  // The erasure's first step makes resolution refuse the contact, and an instance caches the contact as read then,
  // marked. Resolution reads a marked contact again from the table before refusing it, so once the erasure is over the
  // instance starts a fresh contact instead of refusing the person until its cache entry expires.
  it("starts a fresh contact once the erasure is over on an instance that saw the contact marked", async () => {
    const person = syntheticPerson(900, 5);
    registerIdentifiers(person.bsuid, person.phoneDigits);
    const [instance, api] = (await createInstances({ instances: 2 })).all as [AppServices, AppServices];
    await handleEvent(instance, messageFrom(person, 1));
    const contactId = await contactIdOf(api, person.bsuid);
    const stored = await api.identityStore.getContact(contactId, { fresh: true });
    await api.identityStore.markErasing(contactId, stored!.etag);
    const during = messageFrom(person, 2);
    const refused = await handleEvent(instance, structuredClone(during)).catch(
      (error: { code?: string }) => error.code,
    );
    expect(refused).toBe("contact_erasing");
    await eraseContact(erasurePorts(api), contactId, capturedLogger);

    const redelivered = await handleEvent(instance, structuredClone(during)).catch((error: Error) => error);
    expect(redelivered).toMatchObject({ result: "processed" });
    expect((redelivered as { contact: { contactId: string } }).contact.contactId).not.toBe(contactId);
  });

  // An instance that handled the person before the erasure still holds their key and contact in its cache. A
  // redelivered message (or any message older than the contact's last one) changes nothing on the contact, so
  // resolution writes nothing; the message it stored is checked against the table, taken back when the contact is
  // gone, and stored under the fresh contact a second resolution starts (before, it stayed under the erased ID).
  it("keeps a message redelivered after the erasure to an instance that still caches the contact", async () => {
    const person = syntheticPerson(901, 5);
    registerIdentifiers(person.bsuid, person.phoneDigits);
    const [instance, api] = (await createInstances({ instances: 2 })).all as [AppServices, AppServices];
    const first = messageFrom(person, 1);
    await handleEvent(instance, structuredClone(first));
    const contactId = await contactIdOf(api, person.bsuid);
    await eraseContact(erasurePorts(api), contactId, capturedLogger);

    await handleEvent(instance, structuredClone(first));
    const kept = await api.ledger.getMessage(parseMessageId(syntheticUuid(0xe4, 1)));
    expect(kept?.contactId).not.toBe(contactId);
    expect(await api.identityStore.getContact(kept!.contactId!, { fresh: true })).toBeDefined();
  });

  // The erasure deletes the keys of the identifiers the contact holds when it is marked. A resolution that read
  // the BSUID-only contact just before gives it the message's phone by claiming the phone's key first and updating the
  // contact second; the update fails (marked or gone) but the key stays, pointing at the erased ID. Before, once the key
  // was older than HEAL_AFTER_MS, resolution healed it and created the erased contact again. Now the erasure leaves a
  // marker in place of the contact row: a key pointing at it is dropped, never healed, and the late sweep deletes any
  // key still pointing at an erased contact.
  it("leaves no phone key to the erased contact when a resolution gives it the number as it is erased", async () => {
    const person = syntheticPerson(902, 5);
    registerIdentifiers(person.bsuid, person.phoneDigits);
    const [instance, api] = (await createInstances({ instances: 2 })).all as [AppServices, AppServices];
    await handleEvent(instance, messageFrom(person, 1, { bsuidOnly: true }));
    const contactId = await contactIdOf(api, person.bsuid);
    // The whole erasure runs between this instance's read of the contact and its claim of the phone's key; its clock
    // is a minute ahead, as a later delivery's would be, so a key left behind is old enough to heal.
    const store = instance.identityStore;
    let erasure: Promise<unknown> | undefined;
    const racing: AppServices = {
      ...instance,
      clock: () => new Date(Date.now() + 60_000),
      identityStore: {
        ...store,
        claimKey: async (scope, kind, value, id) => {
          if (kind === "phone" && !erasure)
            await (erasure = eraseContact(erasurePorts(api), contactId, capturedLogger));
          return store.claimKey(scope, kind, value, id);
        },
      },
    };
    await handleEvent(racing, messageFrom(person, 2)).catch(() => undefined);

    const phoneKey = await api.identityStore.getKey(api.config.defaultScope, "phone", `+${person.phoneDigits}`, {
      fresh: true,
    });
    expect(phoneKey?.contactId).not.toBe(contactId);
    expect(await api.identityStore.getContact(contactId, { fresh: true })).toMatchObject({ erased: true });
  });

  it("keeps a message stored under the contact the cache predicted when the erasure swept it before it was moved", async () => {
    const person = syntheticPerson(905, 5);
    registerIdentifiers(person.bsuid, person.phoneDigits);
    const [instance, api] = (await createInstances({ instances: 2 })).all as [AppServices, AppServices];
    await handleEvent(instance, messageFrom(person, 1));
    const contactId = await contactIdOf(api, person.bsuid);
    // A known sender: the message goes into the ledger under the cached contact while resolution runs. The whole
    // erasure runs right after that insert (sweeping the row), and resolution's contact write comes after it.
    let erased!: () => void;
    const erasure = new Promise<void>((resolve) => (erased = resolve));
    const { ledger, identityStore: store } = instance;
    const racing: AppServices = {
      ...instance,
      ledger: {
        ...ledger,
        recordInbound: async (record) => {
          const inserted = await ledger.recordInbound(record);
          await eraseContact(erasurePorts(api), contactId, capturedLogger);
          erased();
          return inserted;
        },
      },
      identityStore: {
        ...store,
        updateContact: async (...args) => {
          await erasure;
          return store.updateContact(...args);
        },
      },
    };
    const outcome = await handleEvent(racing, messageFrom(person, 2));

    const fresh = await contactIdOf(api, person.bsuid);
    expect(fresh).not.toBe(contactId);
    expect(outcome).toMatchObject({ result: "processed", contact: { contactId: fresh } });
    expect((await api.ledger.getMessage(parseMessageId(syntheticUuid(0xe4, 2))))?.contactId).toBe(fresh);
  });

  it("keeps a message moved to the sender's fresh contact between the erasure's listing and its deletion", async () => {
    const person = syntheticPerson(906, 5);
    registerIdentifiers(person.bsuid, person.phoneDigits);
    const [instance, api] = (await createInstances({ instances: 2 })).all as [AppServices, AppServices];
    await handleEvent(instance, messageFrom(person, 1));
    const contactId = await contactIdOf(api, person.bsuid);
    // The erasure's last sweep lists the contact's messages just after a known sender's message went in under the
    // cached contact; the handler then finds the contact gone and moves the message, before the sweep deletes.
    let stored!: () => void;
    const inserted = new Promise<void>((resolve) => (stored = resolve));
    let listed!: () => void;
    const sweepListed = new Promise<void>((resolve) => (listed = resolve));
    const { ledger, identityStore: store } = instance;
    const racing: AppServices = {
      ...instance,
      ledger: { ...ledger, recordInbound: (record) => ledger.recordInbound(record).finally(stored) },
      identityStore: {
        ...store,
        updateContact: async (...args) => {
          await sweepListed;
          return store.updateContact(...args);
        },
      },
    };
    const ports = erasurePorts(api);
    let sweeps = 0;
    let handled: Promise<unknown> | undefined;
    const erasure = eraseContact(
      {
        ...ports,
        ledger: {
          ...ports.ledger,
          messageIdsOf: async (id) => {
            if (++sweeps < 2) return ports.ledger.messageIdsOf(id);
            handled = handleEvent(racing, messageFrom(person, 2));
            await inserted;
            const ids = await ports.ledger.messageIdsOf(id);
            listed();
            await handled;
            return ids;
          },
        },
      },
      contactId,
      capturedLogger,
    );
    await erasure;

    expect(await handled).toMatchObject({ result: "processed" });
    const fresh = await contactIdOf(api, person.bsuid);
    expect((await api.ledger.getMessage(parseMessageId(syntheticUuid(0xe4, 2))))?.contactId).toBe(fresh);
  });

  it.each([
    ["before the first one began", false],
    ["while the first one ran", true],
  ])(
    "answers a second erase request with the first one's receipt when it read the erasure log %s",
    async (_when, afterStart) => {
      const person = syntheticPerson(903 + Number(afterStart), 5);
      registerIdentifiers(person.bsuid, person.phoneDigits);
      const [app] = (await createInstances()).all as [AppServices];
      for (let n = 1; n <= 3; n++) await handleEvent(app, messageFrom(person, 10 * Number(afterStart) + n));
      const contactId = await contactIdOf(app, person.bsuid);
      const ports = erasurePorts(app);
      let secondHasRead!: () => void;
      const secondRead = new Promise<void>((resolve) => (secondHasRead = resolve));
      let firstSaved!: () => void;
      const receiptSaved = new Promise<void>((resolve) => (firstSaved = resolve));
      // The first request starts once the second read the log (or reads it first itself); the second reads it, and
      // everything else it does comes after the first request answered.
      const first = eraseContact(
        {
          ...ports,
          erasures: {
            ...ports.erasures,
            get: async (id) => {
              if (!afterStart) await secondRead;
              return ports.erasures.get(id);
            },
            save: (receipt) => ports.erasures.save(receipt).then(firstSaved),
          },
        },
        contactId,
        capturedLogger,
      );
      const secondPorts: ErasurePorts = {
        ...ports,
        erasures: {
          ...ports.erasures,
          get: async (id) => {
            if (afterStart) await receiptSaved;
            const receipt = await ports.erasures.get(id);
            secondHasRead();
            await first;
            return receipt;
          },
        },
      };
      const second = eraseContact(secondPorts, contactId, capturedLogger).catch((error: Error) => error);

      const answer = await first;
      expect(answer.counts).toMatchObject({ contacts: 1, identityKeys: 2, messages: 3 });
      expect(await second).toEqual(answer);
      expect(await ports.erasures.get(contactId)).toEqual(answer);
    },
  );
});
