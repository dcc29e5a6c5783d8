import { beforeEach, describe, expect, it } from "vitest";
import { createBlankContact } from "../../lib/domain/identity/contactRules";
import { createCachedIdentityStore } from "../../lib/adapters/tableStorage/createCachedIdentityStore";
import { createIdentityStore } from "../../lib/adapters/tableStorage/createIdentityStore";
import { type IdentityStore } from "../../lib/domain/identity/IdentityStore";
import { relinkContact } from "../../lib/useCases/identity/relinkContact";
import {
  followContact,
  HEAL_AFTER_MS,
  resolveContact,
  type IdentityDeps,
} from "../../lib/useCases/identity/resolveContact";
import { parseBsuid } from "../../lib/core/values/Bsuid";
import { parseChannelId } from "../../lib/core/values/ChannelId";
import { parsePhoneNumber } from "../../lib/core/values/PhoneNumber";
import { parseScope } from "../../lib/core/values/identifiers";
import { createTestLogger } from "../support/createTestLogger";
import { createTestTables } from "../support/createTestTables";

const scope = parseScope("default");
const otherScope = parseScope("brand-b");
const channel = parseChannelId("7c9e6679-7425-40de-944b-e07fc1f90ae7");
const bsuid = parseBsuid("US.13491208655302741918");
const newBsuid = parseBsuid("US.99887766554433221100");
const phone = parsePhoneNumber("14255551234");
const otherPhone = parsePhoneNumber("14255550000");

function inbound(at: string) {
  return { channelId: channel, at };
}

// Every rule holds for the plain store (read first) and for the cached one the app uses (claim first for unseen keys).
const STORES = [
  ["the plain store", (tables: Parameters<typeof createIdentityStore>[0]) => createIdentityStore(tables)],
  [
    "the cached store",
    (tables: Parameters<typeof createIdentityStore>[0]) => createCachedIdentityStore(createIdentityStore(tables)),
  ],
] as const;

describe.each(STORES)("resolveContact against Azurite with %s", (_name, makeStore) => {
  let store: IdentityStore;
  let deps: IdentityDeps;
  let logger: ReturnType<typeof createTestLogger>;

  beforeEach(async () => {
    const tables = await createTestTables();
    store = makeStore(tables);
    logger = createTestLogger();
    deps = { store, logger };
  });

  it("creates one contact with both identifiers when a user without a username writes (phone + BSUID)", async () => {
    const outcome = await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-20T09:15:01.000Z") });
    expect(outcome.actions).toEqual(["created", "attachedPhone"]);
    expect(outcome.contact).toMatchObject({ bsuid, phone, firstSeen: "2026-11-20T09:15:01.000Z" });
    expect(outcome.contact.lastInboundByChannel[channel]).toBe("2026-11-20T09:15:01.000Z");
    expect((await store.getKey(scope, "bsuid", bsuid))?.contactId).toBe(outcome.contact.contactId);
    expect((await store.getKey(scope, "phone", phone))?.contactId).toBe(outcome.contact.contactId);
  });

  it("creates a BSUID-only contact when a username user with no prior interaction writes", async () => {
    const outcome = await resolveContact(deps, { scope, bsuid, inbound: inbound("2026-11-20T09:15:01.000Z") });
    expect(outcome.actions).toEqual(["created"]);
    expect(outcome.contact.phone).toBeNull();
    expect(outcome.contact.bsuid).toBe(bsuid);
  });

  it("creates a phone-only contact when a legacy event carries no BSUID", async () => {
    const outcome = await resolveContact(deps, { scope, phone, inbound: inbound("2026-11-20T09:15:01.000Z") });
    expect(outcome.contact).toMatchObject({ bsuid: null, phone });
  });

  it("matches the same contact when the BSUID comes back without the phone", async () => {
    const first = await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-20T09:00:00.000Z") });
    const second = await resolveContact(deps, { scope, bsuid, inbound: inbound("2026-11-20T10:00:00.000Z") });
    expect(second.contact.contactId).toBe(first.contact.contactId);
    expect(second.actions).toEqual(["matched"]);
    expect(second.contact.phone).toBe(phone);
    expect(second.contact.lastSeen).toBe("2026-11-20T10:00:00.000Z");
  });

  it("attaches the phone when it appears later for a BSUID-only contact", async () => {
    const first = await resolveContact(deps, { scope, bsuid, inbound: inbound("2026-11-20T09:00:00.000Z") });
    const second = await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-20T10:00:00.000Z") });
    expect(second.contact.contactId).toBe(first.contact.contactId);
    expect(second.actions).toEqual(["attachedPhone"]);
    expect((await store.getKey(scope, "phone", phone))?.contactId).toBe(first.contact.contactId);
  });

  it("attaches the BSUID to a phone-only contact instead of creating a duplicate", async () => {
    const legacy = await resolveContact(deps, { scope, phone, inbound: inbound("2026-11-19T09:00:00.000Z") });
    const now = await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-20T09:00:00.000Z") });
    expect(now.contact.contactId).toBe(legacy.contact.contactId);
    expect(now.actions).toEqual(["attachedBsuid"]);
    expect(now.contact).toMatchObject({ bsuid, phone, firstSeen: "2026-11-19T09:00:00.000Z" });
    expect(await store.listContacts(scope)).toHaveLength(1);
  });

  it("merges a BSUID-only contact and a phone-only contact when an event links them", async () => {
    const byBsuid = await resolveContact(deps, { scope, bsuid, inbound: inbound("2026-11-20T08:00:00.000Z") });
    const byPhone = await resolveContact(deps, { scope, phone, inbound: inbound("2026-11-18T08:00:00.000Z") });
    expect(byBsuid.contact.contactId).not.toBe(byPhone.contact.contactId);

    const linked = await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-20T09:00:00.000Z") });
    expect(linked.actions).toEqual(["merged"]);
    expect(linked.contact.contactId).toBe(byBsuid.contact.contactId);
    expect(linked.mergedContactId).toBe(byPhone.contact.contactId);
    expect(linked.contact).toMatchObject({
      bsuid,
      phone,
      firstSeen: "2026-11-18T08:00:00.000Z",
      lastSeen: "2026-11-20T09:00:00.000Z",
      mergedContactIds: [byPhone.contact.contactId],
    });
    const folded = await followContact(store, byPhone.contact.contactId);
    expect(folded?.contact.contactId).toBe(byBsuid.contact.contactId);
    expect((await store.getKey(scope, "phone", phone))?.contactId).toBe(byBsuid.contact.contactId);
    expect(await store.listContacts(scope)).toHaveLength(1);
  });

  it("moves the phone alias and keeps two contacts when the phone's contact has another BSUID", async () => {
    const previous = await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-01T08:00:00.000Z") });
    const recycled = await resolveContact(deps, {
      scope,
      bsuid: newBsuid,
      phone,
      inbound: inbound("2026-11-20T08:00:00.000Z"),
    });
    expect(recycled.contact.contactId).not.toBe(previous.contact.contactId);
    expect(recycled.actions).toEqual(["created", "phoneMoved"]);
    expect((await store.getContact(previous.contact.contactId))?.contact.phone).toBeNull();
    expect((await store.getKey(scope, "phone", phone))?.contactId).toBe(recycled.contact.contactId);
    expect(logger.lines.join("\n")).not.toContain("14255551234");
  });

  it("replaces the phone alias and releases the old key when a BSUID arrives with a different phone", async () => {
    const first = await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-01T08:00:00.000Z") });
    const second = await resolveContact(deps, {
      scope,
      bsuid,
      phone: otherPhone,
      inbound: inbound("2026-11-01T09:00:00.000Z"),
    });
    expect(second.contact.contactId).toBe(first.contact.contactId);
    expect(second.contact.phone).toBe(otherPhone);
    expect(await store.getKey(scope, "phone", phone)).toBeUndefined();
  });

  it("keeps the phone alias when an older message arrives with the phone it replaced", async () => {
    await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-01T08:00:00.000Z") });
    await resolveContact(deps, { scope, bsuid, phone: otherPhone, inbound: inbound("2026-11-01T09:00:00.000Z") });
    const late = await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-01T08:30:00.000Z") });
    expect(late.contact).toMatchObject({ phone: otherPhone, phoneSeenAt: "2026-11-01T09:00:00.000Z" });
    expect(late.contact.lastSeen).toBe("2026-11-01T09:00:00.000Z");
    expect(await store.getKey(scope, "phone", phone)).toBeUndefined();
    expect((await store.getKey(scope, "phone", otherPhone))?.contactId).toBe(late.contact.contactId);
  });

  it("lets a pair without a message time (a delivery status) fill a missing phone but never replace one", async () => {
    const bsuidOnly = await resolveContact(deps, { scope, bsuid, inbound: inbound("2026-11-01T08:00:00.000Z") });
    const filled = await resolveContact(deps, { scope, bsuid, phone });
    expect(filled.contact).toMatchObject({ contactId: bsuidOnly.contact.contactId, phone, phoneSeenAt: null });
    const kept = await resolveContact(deps, { scope, bsuid, phone: otherPhone });
    expect(kept.contact.phone).toBe(phone);
    expect(await store.getKey(scope, "phone", otherPhone)).toBeUndefined();
  });

  it("keeps contacts of different scopes apart when the same identifiers appear in both", async () => {
    const a = await resolveContact(deps, { scope, bsuid, phone });
    const b = await resolveContact(deps, { scope: otherScope, bsuid, phone });
    expect(a.contact.contactId).not.toBe(b.contact.contactId);
    expect(b.contact.scope).toBe(otherScope);
  });

  it("keeps lastInbound at the newest time when inbound messages arrive out of order", async () => {
    await resolveContact(deps, { scope, bsuid, inbound: inbound("2026-11-20T10:00:00.000Z") });
    const late = await resolveContact(deps, { scope, bsuid, inbound: inbound("2026-11-20T09:00:00.000Z") });
    expect(late.contact.lastInboundByChannel[channel]).toBe("2026-11-20T10:00:00.000Z");
    expect(late.contact.firstSeen).toBe("2026-11-20T09:00:00.000Z");
  });

  it("ends with one contact when 25 first messages from one new BSUID are resolved concurrently", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        resolveContact(deps, {
          scope,
          bsuid,
          ...(i % 2 === 0 ? { phone } : {}),
          inbound: inbound(`2026-11-20T09:00:${String(i).padStart(2, "0")}.000Z`),
        }),
      ),
    );
    expect(new Set(outcomes.map((o) => o.contact.contactId)).size).toBe(1);
    const contacts = await store.listContacts(scope);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ bsuid, phone, lastSeen: "2026-11-20T09:00:24.000Z" });
  });

  it("ends with one contact when phone-only and BSUID-only arrivals for one person race a linking event", async () => {
    const events = [
      { scope, phone },
      { scope, bsuid },
      { scope, bsuid, phone },
      { scope, phone },
      { scope, bsuid },
      { scope, bsuid, phone },
    ];
    await Promise.all(events.map((e) => resolveContact(deps, e)));
    const contacts = await store.listContacts(scope);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ bsuid, phone });
  });

  it("self-heals when a key has pointed at a missing contact for longer than the grace period", async () => {
    await store.claimKey(scope, "bsuid", bsuid, "c_0123456789abcdef0123456789abcdef" as never);
    const later = () => new Date(Date.now() + HEAL_AFTER_MS + 5_000);
    const outcome = await resolveContact({ ...deps, clock: later }, { scope, bsuid, phone });
    expect(outcome.contact.contactId).toBe("c_0123456789abcdef0123456789abcdef");
    expect(outcome.contact).toMatchObject({ bsuid, phone });
  });

  it.each([
    ["briefly", 50],
    ["for longer than its conflict retries last (a stalled claimer)", 2_500],
  ])(
    "waits for an in-flight creation instead of healing when the key is young and the creator is delayed %s",
    async (_, delayMs) => {
      const contactId = "c_0123456789abcdef0123456789abcdef" as never;
      await store.claimKey(scope, "bsuid", bsuid, contactId);
      const creation = (async () => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        await store.createContact({
          ...createBlankContact(contactId, scope, new Date().toISOString()),
          bsuid,
          externalId: "created-by-the-claimer",
        });
      })();
      const outcome = await resolveContact(deps, { scope, bsuid });
      await creation;
      expect(outcome.contact.externalId).toBe("created-by-the-claimer");
    },
  );
});

describe.each(STORES)("relinkContact against Azurite with %s", (_name, makeStore) => {
  let store: IdentityStore;
  let deps: IdentityDeps;

  beforeEach(async () => {
    store = makeStore(await createTestTables());
    deps = { store, logger: createTestLogger() };
  });

  it("moves a contact to a new BSUID and keeps its contactId when the user changed number", async () => {
    const original = await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-01T08:00:00.000Z") });
    const relinked = await relinkContact(deps, original.contact.contactId, newBsuid);
    expect(relinked).toMatchObject({ changed: true, previousBsuid: bsuid });
    expect(relinked.contact).toMatchObject({ contactId: original.contact.contactId, bsuid: newBsuid });
    expect(relinked.contact.previousBsuids).toEqual([bsuid]);

    const next = await resolveContact(deps, { scope, bsuid: newBsuid, inbound: inbound("2026-11-21T08:00:00.000Z") });
    expect(next.contact.contactId).toBe(original.contact.contactId);
    expect(next.contact.firstSeen).toBe("2026-11-01T08:00:00.000Z");
    const late = await resolveContact(deps, { scope, bsuid });
    expect(late.contact.contactId).toBe(original.contact.contactId);
    expect(late.contact.bsuid).toBe(newBsuid);
  });

  it("folds the contact the new BSUID already created when its messages arrived before the relink", async () => {
    const original = await resolveContact(deps, { scope, bsuid, phone, inbound: inbound("2026-11-01T08:00:00.000Z") });
    const early = await resolveContact(deps, { scope, bsuid: newBsuid, inbound: inbound("2026-11-21T08:00:00.000Z") });
    const relinked = await relinkContact(deps, original.contact.contactId, newBsuid);
    expect(relinked.mergedContactId).toBe(early.contact.contactId);
    expect(relinked.contact.lastSeen).toBe("2026-11-21T08:00:00.000Z");
    expect(relinked.contact).toMatchObject({ bsuid: newBsuid, previousBsuids: [bsuid] });
    expect((await followContact(store, early.contact.contactId))?.contact.contactId).toBe(original.contact.contactId);
    expect(await store.listContacts(scope)).toHaveLength(1);
  });

  it("changes nothing when the contact already has the BSUID", async () => {
    const original = await resolveContact(deps, { scope, bsuid });
    const relinked = await relinkContact(deps, original.contact.contactId, bsuid);
    expect(relinked.changed).toBe(false);
  });

  it("throws a not-found error when the contact does not exist", async () => {
    await expect(relinkContact(deps, "c_00000000000000000000000000000000" as never, newBsuid)).rejects.toMatchObject({
      code: "contact_not_found",
    });
  });
});
