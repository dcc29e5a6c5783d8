import { beforeEach, describe, expect, it } from "vitest";
import { createBlankContact, isPhoneConfirmed } from "../../lib/domain/identity/contactRules";
import { createCachedIdentityStore } from "../../lib/adapters/tableStorage/createCachedIdentityStore";
import { createIdentityStore, identityKeyPartition } from "../../lib/adapters/tableStorage/createIdentityStore";
import { type IdentityStore } from "../../lib/domain/identity/IdentityStore";
import { importContact } from "../../lib/useCases/identity/importContacts";
import { relinkContact } from "../../lib/useCases/identity/relinkContact";
import { HEAL_AFTER_MS, resolveContact, type IdentityDeps } from "../../lib/useCases/identity/resolveContact";
import type { Contact } from "../../lib/domain/identity/types";
import type { AppTables } from "../../lib/adapters/tableStorage/createTableClients";
import { parseBsuid } from "../../lib/core/values/Bsuid";
import { parseChannelId } from "../../lib/core/values/ChannelId";
import { parsePhoneNumber } from "../../lib/core/values/PhoneNumber";
import { parseScope, type ContactId } from "../../lib/core/values/identifiers";
import { createTestLogger } from "../support/createTestLogger";
import { createTestTables } from "../support/createTestTables";

const scope = parseScope("default");
const channel = parseChannelId("7c9e6679-7425-40de-944b-e07fc1f90ae7");
const oldBsuid = parseBsuid("US.13491208655302741918");
const newBsuid = parseBsuid("US.99887766554433221100");
const oldPhone = parsePhoneNumber("+14255551234");
const newPhone = parsePhoneNumber("+14255550000");
const contactId = "c_0123456789abcdef0123456789abcdef" as ContactId;

function inbound(at: string) {
  return { channelId: channel, at };
}

const STORES = [
  ["the plain store", (tables: AppTables) => createIdentityStore(tables)],
  ["the cached store", (tables: AppTables) => createCachedIdentityStore(createIdentityStore(tables))],
] as const;

describe.each(STORES)("phone confirmation against Azurite with %s", (_name, makeStore) => {
  let tables: AppTables;
  let store: IdentityStore;
  let deps: IdentityDeps;
  let logger: ReturnType<typeof createTestLogger>;

  beforeEach(async () => {
    tables = await createTestTables();
    store = makeStore(tables);
    logger = createTestLogger();
    deps = { store, logger };
  });

  /** The contact as the table holds it (the cache is bypassed). */
  async function stored(id: ContactId): Promise<Contact | undefined> {
    return (await store.getContact(id, { fresh: true }))?.contact;
  }

  /** A contact stored as it is, keys included, e.g. a row relinked before relinks released numbers. */
  async function seed(fields: Partial<Contact>): Promise<Contact> {
    const contact = { ...createBlankContact(contactId, scope, "2026-11-01T00:00:00.000Z"), ...fields };
    await store.createContact(contact);
    for (const bsuid of [contact.bsuid, ...contact.previousBsuids]) {
      if (bsuid) await store.claimKey(scope, "bsuid", bsuid, contactId);
    }
    if (contact.phone) await store.claimKey(scope, "phone", contact.phone, contactId);
    return contact;
  }

  describe("what confirms a phone", () => {
    it("confirms the phone for the BSUID when a message carries both", async () => {
      const outcome = await resolveContact(deps, {
        scope,
        bsuid: oldBsuid,
        phone: oldPhone,
        inbound: inbound("2026-11-20T09:00:00.000Z"),
      });
      expect(outcome.contact.phoneConfirmation).toEqual({ by: "bsuid", bsuid: oldBsuid });
      expect(isPhoneConfirmed((await stored(outcome.contact.contactId))!)).toBe(true);
    });

    it("confirms the phone when a delivery status pairs it with the contact's BSUID", async () => {
      const first = await resolveContact(deps, {
        scope,
        bsuid: oldBsuid,
        inbound: inbound("2026-11-20T09:00:00.000Z"),
      });
      const status = await resolveContact(deps, { scope, bsuid: oldBsuid, phone: oldPhone });
      expect(status.contact).toMatchObject({ contactId: first.contact.contactId, phone: oldPhone });
      expect(isPhoneConfirmed((await stored(first.contact.contactId))!)).toBe(true);
    });

    it("confirms the number of a phone-only sender without a BSUID: the person's own", async () => {
      const outcome = await resolveContact(deps, {
        scope,
        phone: oldPhone,
        inbound: inbound("2026-11-20T09:00:00.000Z"),
      });
      expect((await stored(outcome.contact.contactId))?.phoneConfirmation).toEqual({ by: "message" });
    });

    it("confirms an imported phone, and the pair confirms it for the BSUID once the user writes with both", async () => {
      const imported = await importContact(deps, scope, { line: 2, phone: oldPhone, externalId: "CRM-1", name: null });
      expect((await stored(imported.contactId))?.phoneConfirmation).toEqual({ by: "import" });
      await resolveContact(deps, { scope, bsuid: oldBsuid, phone: oldPhone, inbound: inbound("2026-11-20T09:00:00Z") });
      expect((await stored(imported.contactId))?.phoneConfirmation).toEqual({ by: "bsuid", bsuid: oldBsuid });
    });

    it("confirms nothing with a delivery status to a bare phone", async () => {
      const outcome = await resolveContact(deps, { scope, phone: oldPhone });
      const contact = (await stored(outcome.contact.contactId))!;
      expect(contact.phone).toBe(oldPhone);
      expect(isPhoneConfirmed(contact)).toBe(false);
    });

    it("does not confirm a phone for a contact's BSUID when the phone comes alone (a message or an import)", async () => {
      await seed({ bsuid: newBsuid, phone: oldPhone, previousBsuids: [oldBsuid] });
      await resolveContact(deps, { scope, phone: oldPhone, inbound: inbound("2026-11-21T09:00:00.000Z") });
      await importContact(deps, scope, { line: 2, phone: oldPhone, externalId: null, name: null });
      const contact = (await stored(contactId))!;
      expect(contact).toMatchObject({ phone: oldPhone, phoneConfirmation: null });
      expect(isPhoneConfirmed(contact)).toBe(false);
    });

    it("replaces a phone never seen with the current BSUID when a delivery status pairs the BSUID with another", async () => {
      await seed({ bsuid: newBsuid, phone: oldPhone, previousBsuids: [oldBsuid] });
      await resolveContact(deps, { scope, bsuid: newBsuid, phone: newPhone });
      expect(await stored(contactId)).toMatchObject({
        phone: newPhone,
        phoneConfirmation: { by: "bsuid", bsuid: newBsuid },
        previousPhones: [oldPhone],
      });
      expect(await store.getKey(scope, "phone", oldPhone, { fresh: true })).toBeUndefined();
      expect((await store.getKey(scope, "phone", newPhone, { fresh: true }))?.contactId).toBe(contactId);
    });

    it("keeps the number as a previous phone of the contact it moved away from (a recycled number)", async () => {
      const before = await resolveContact(deps, {
        scope,
        bsuid: oldBsuid,
        phone: oldPhone,
        inbound: inbound("2026-11-01T08:00:00.000Z"),
      });
      await resolveContact(deps, { scope, bsuid: newBsuid, phone: oldPhone, inbound: inbound("2026-11-20T08:00:00Z") });
      expect(await stored(before.contact.contactId)).toMatchObject({
        phone: null,
        phoneConfirmation: null,
        previousPhones: [oldPhone],
      });
    });
  });

  describe("a relink releases the old number", () => {
    it("keeps the old number as a previous phone that resolves to nothing and is unconfirmed", async () => {
      const original = await resolveContact(deps, {
        scope,
        bsuid: oldBsuid,
        phone: oldPhone,
        inbound: inbound("2026-11-01T08:00:00.000Z"),
      });
      const relinked = await relinkContact(deps, original.contact.contactId, newBsuid);
      expect(relinked.contact).toMatchObject({ phone: null, phoneConfirmation: null, previousPhones: [oldPhone] });
      expect(await stored(original.contact.contactId)).toMatchObject({ phone: null, previousPhones: [oldPhone] });
      expect(await store.getKey(scope, "phone", oldPhone, { fresh: true })).toBeUndefined();
      expect(logger.lines.join("\n")).not.toContain(oldPhone);
    });

    it("takes the number the new BSUID was seen with, confirmed, when its contact is folded in", async () => {
      const original = await resolveContact(deps, {
        scope,
        bsuid: oldBsuid,
        phone: oldPhone,
        inbound: inbound("2026-11-01T08:00:00.000Z"),
      });
      await resolveContact(deps, { scope, bsuid: newBsuid, phone: newPhone, inbound: inbound("2026-11-21T08:00:00Z") });
      const relinked = await relinkContact(deps, original.contact.contactId, newBsuid);
      expect(relinked.contact).toMatchObject({ phone: newPhone, previousPhones: [oldPhone] });
      expect(isPhoneConfirmed(relinked.contact)).toBe(true);
      expect((await store.getKey(scope, "phone", newPhone, { fresh: true }))?.contactId).toBe(
        original.contact.contactId,
      );
      expect(await store.getKey(scope, "phone", oldPhone, { fresh: true })).toBeUndefined();
    });

    it("makes the number the relinking event carried with the new BSUID the confirmed phone", async () => {
      const original = await resolveContact(deps, {
        scope,
        bsuid: oldBsuid,
        phone: oldPhone,
        inbound: inbound("2026-11-01T08:00:00.000Z"),
      });
      const relinked = await relinkContact(deps, original.contact.contactId, newBsuid, { phone: newPhone });
      expect(relinked.contact).toMatchObject({ bsuid: newBsuid, phone: newPhone, previousPhones: [oldPhone] });
      expect(isPhoneConfirmed((await stored(original.contact.contactId))!)).toBe(true);
      expect((await store.getKey(scope, "phone", newPhone, { fresh: true }))?.contactId).toBe(
        original.contact.contactId,
      );
    });

    it("keeps an imported number, confirmed, when a contact without a BSUID is linked to its first one", async () => {
      const imported = await importContact(deps, scope, { line: 2, phone: oldPhone, externalId: "CRM-1", name: null });
      await resolveContact(deps, { scope, bsuid: newBsuid, inbound: inbound("2026-11-21T08:00:00.000Z") });
      const relinked = await relinkContact(deps, imported.contactId, newBsuid);
      expect(relinked.contact).toMatchObject({ bsuid: newBsuid, phone: oldPhone, previousPhones: [] });
      expect(isPhoneConfirmed(relinked.contact)).toBe(true);
      expect((await store.getKey(scope, "phone", oldPhone, { fresh: true }))?.contactId).toBe(imported.contactId);
    });

    it("replaces an imported number with the one the new BSUID was seen with when linking a contact without a BSUID", async () => {
      const imported = await importContact(deps, scope, { line: 2, phone: oldPhone, externalId: "CRM-1", name: null });
      await resolveContact(deps, { scope, bsuid: newBsuid, phone: newPhone, inbound: inbound("2026-11-21T08:00:00Z") });
      const relinked = await relinkContact(deps, imported.contactId, newBsuid);
      expect(relinked.contact).toMatchObject({ phone: newPhone, previousPhones: [oldPhone] });
      expect(await store.getKey(scope, "phone", oldPhone, { fresh: true })).toBeUndefined();
    });

    it("deletes the old number's key when a relink interrupted before deleting it is repeated", async () => {
      const original = await resolveContact(deps, {
        scope,
        bsuid: oldBsuid,
        phone: oldPhone,
        inbound: inbound("2026-11-01T08:00:00.000Z"),
      });
      await relinkContact(deps, original.contact.contactId, newBsuid);
      await store.claimKey(scope, "phone", oldPhone, original.contact.contactId);

      const repeated = await relinkContact(deps, original.contact.contactId, newBsuid);

      expect(repeated.changed).toBe(false);
      expect(await store.getKey(scope, "phone", oldPhone, { fresh: true })).toBeUndefined();
    });

    it("does not resolve the old number through a key an interrupted release left behind", async () => {
      await seed({ bsuid: newBsuid, previousBsuids: [oldBsuid], previousPhones: [oldPhone] });
      await store.claimKey(scope, "phone", oldPhone, contactId);
      const later = () => new Date(Date.now() + HEAL_AFTER_MS + 5_000);

      const sender = await resolveContact(
        { ...deps, clock: later },
        { scope, phone: oldPhone, inbound: inbound("2026-11-22T08:00:00.000Z") },
      );

      expect(sender.contact.contactId).not.toBe(contactId);
      expect(await stored(contactId)).toMatchObject({ phone: null, previousPhones: [oldPhone] });
    });
  });

  describe("events of the previous BSUID after a relink", () => {
    it("keeps a late message's number under the previous BSUID as history, never as the phone", async () => {
      const original = await resolveContact(deps, { scope, bsuid: oldBsuid, inbound: inbound("2026-11-01T08:00:00Z") });
      await relinkContact(deps, original.contact.contactId, newBsuid);

      for (const late of [
        { scope, bsuid: oldBsuid, phone: oldPhone, inbound: inbound("2026-11-01T09:00:00.000Z") },
        { scope, bsuid: oldBsuid, phone: oldPhone },
      ]) {
        const outcome = await resolveContact(deps, late);
        expect(outcome.contact.contactId).toBe(original.contact.contactId);
      }

      expect(await stored(original.contact.contactId)).toMatchObject({
        bsuid: newBsuid,
        phone: null,
        previousPhones: [oldPhone],
      });
      expect(await store.getKey(scope, "phone", oldPhone, { fresh: true })).toBeUndefined();
    });

    it("releases the number of a contact relinked before relinks released numbers once the previous BSUID is seen with it", async () => {
      await seed({ bsuid: newBsuid, phone: oldPhone, previousBsuids: [oldBsuid] });

      const outcome = await resolveContact(deps, {
        scope,
        bsuid: oldBsuid,
        phone: oldPhone,
        inbound: inbound("2026-11-01T09:00:00.000Z"),
      });

      expect(outcome.actions).toContain("releasedPhone");
      expect(await stored(contactId)).toMatchObject({ phone: null, previousPhones: [oldPhone] });
      expect(await store.getKey(scope, "phone", oldPhone, { fresh: true })).toBeUndefined();
    });

    const m1 = { scope, bsuid: oldBsuid, phone: oldPhone, inbound: inbound("2026-11-01T08:00:00.000Z") };
    const m2 = { scope, bsuid: newBsuid, phone: newPhone, inbound: inbound("2026-11-21T08:00:00.000Z") };
    it.each([
      ["the old message, the relink, the new message", ["m1", "relink", "m2", "m1"]],
      ["the old message, the new message, the relink", ["m1", "m2", "relink", "m1"]],
      ["the new message, the old message, the relink", ["m2", "m1", "relink", "m2", "m1"]],
    ])("ends with the new number confirmed and the old one released whatever the order: %s", async (_, order) => {
      for (const step of order) {
        if (step === "relink") {
          const key = await store.getKey(scope, "bsuid", oldBsuid, { fresh: true });
          await relinkContact(deps, key!.contactId, newBsuid);
        } else {
          await resolveContact(deps, step === "m1" ? m1 : m2);
        }
      }
      const key = await store.getKey(scope, "bsuid", newBsuid, { fresh: true });
      const contacts = await store.listContacts(scope);
      expect(contacts).toHaveLength(1);
      expect(contacts[0]).toMatchObject({
        contactId: key?.contactId,
        bsuid: newBsuid,
        phone: newPhone,
        phoneConfirmation: { by: "bsuid", bsuid: newBsuid },
        previousBsuids: [oldBsuid],
        previousPhones: [oldPhone],
      });
      expect(await store.getKey(scope, "phone", oldPhone, { fresh: true })).toBeUndefined();
      expect((await store.getKey(scope, "phone", newPhone, { fresh: true }))?.contactId).toBe(key?.contactId);
    });
  });

  describe("stored rows", () => {
    it.each([
      ["paired with a BSUID", { bsuid: oldBsuid, phoneConfirmation: { by: "bsuid", bsuid: oldBsuid } }],
      ["imported", { phoneConfirmation: { by: "import" } }],
      ["from a phone-only message", { phoneConfirmation: { by: "message" } }],
      ["unconfirmed, with a BSUID never seen with it", { bsuid: newBsuid, previousBsuids: [oldBsuid] }],
    ] as const)("reads back a phone %s as written, with the previous phones", async (_, fields) => {
      const contact: Contact = {
        ...createBlankContact(contactId, scope, "2026-11-01T00:00:00.000Z"),
        phone: newPhone,
        previousPhones: [oldPhone],
        ...fields,
        previousBsuids: "previousBsuids" in fields ? [...fields.previousBsuids] : [],
      };
      await store.createContact(contact);
      expect((await createIdentityStore(tables).getContact(contactId))?.contact).toEqual(contact);
    });

    // Rows written before phone confirmations were recorded have neither phoneConfirmedBy nor previousPhones.
    it.each([
      [
        "a phone-only contact whose phone came from a message",
        { phone: oldPhone, phoneSeenAt: "2026-11-01T08:00:00Z" },
        true,
      ],
      ["a phone-only imported contact", { phone: oldPhone }, true],
      [
        "a BSUID never relinked, with its phone",
        { bsuid: oldBsuid, phone: oldPhone, phoneSeenAt: "2026-11-01T08:00:00Z" },
        true,
      ],
      [
        "a relinked BSUID that kept the phone",
        {
          bsuid: newBsuid,
          phone: oldPhone,
          phoneSeenAt: "2026-11-01T08:00:00Z",
          previousBsuids: JSON.stringify([oldBsuid]),
        },
        false,
      ],
    ])("reads an older row of %s with confirmed=%s and no previous phones", async (_, fields, confirmed) => {
      await tables.contacts.createEntity({
        partitionKey: contactId,
        rowKey: "contact",
        scope,
        createdAt: "2026-10-01T00:00:00.000Z",
        lastInbound: "{}",
        mergedContactIds: "[]",
        previousBsuids: "[]",
        ...fields,
      });
      const contact = (await store.getContact(contactId))!.contact;
      expect(isPhoneConfirmed(contact)).toBe(confirmed);
      expect(contact.previousPhones).toEqual([]);
    });

    it("writes the confirmation of an older row back with the next update, so it is read the same way since", async () => {
      await tables.contacts.createEntity({
        partitionKey: contactId,
        rowKey: "contact",
        scope,
        bsuid: oldBsuid,
        phone: oldPhone,
        createdAt: "2026-10-01T00:00:00.000Z",
        previousBsuids: "[]",
      });
      await tables.identityKeys.createEntity({
        partitionKey: identityKeyPartition(scope, "bsuid", oldBsuid),
        rowKey: "key",
        contactId,
        scope,
        kind: "bsuid",
      });
      await resolveContact(deps, { scope, bsuid: oldBsuid, inbound: inbound("2026-11-20T09:00:00.000Z") });
      const row = await tables.contacts.getEntity<Record<string, unknown>>(contactId, "contact");
      expect(row).toMatchObject({ phoneConfirmedBy: "bsuid", phoneConfirmedBsuid: oldBsuid, previousPhones: "[]" });
    });
  });
});
