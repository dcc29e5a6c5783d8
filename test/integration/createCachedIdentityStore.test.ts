import { describe, expect, it } from "vitest";
import { createCachedIdentityStore } from "../../lib/adapters/tableStorage/createCachedIdentityStore";
import { createIdentityStore } from "../../lib/adapters/tableStorage/createIdentityStore";
import { resolveContact } from "../../lib/useCases/identity/resolveContact";
import { getContact as getContactApi } from "../../lib/useCases/http/contactApi";
import { loadConfig } from "../../lib/app/loadConfig";
import { silentLogger } from "../../lib/core/logging/createLogger";
import { parseBsuid } from "../../lib/core/values/Bsuid";
import { parseChannelId } from "../../lib/core/values/ChannelId";
import { parseScope } from "../../lib/core/values/identifiers";
import { azuriteConnectionString, createTestTables } from "../support/createTestTables";

const scope = parseScope("default");
const channel = parseChannelId("7c9e6679-7425-40de-944b-e07fc1f90ae7");
const bsuid = parseBsuid("US.13491208655302741918");
const inbound = (at: string) => ({ channelId: channel, at });

/**
 * Two app instances (each with its own cache, both on the same tables): instance `a` saw the contact's message at 08:00,
 * then instance `b` recorded its message at `laterAt`, which `a`'s cache does not know.
 */
async function contactUpdatedElsewhere(laterAt = "2026-11-20T09:00:00Z", options: { now?: () => number } = {}) {
  const plain = createIdentityStore(await createTestTables());
  const a = createCachedIdentityStore(plain, options);
  const b = createCachedIdentityStore(plain, options);
  const first = await resolveContact(
    { store: a, logger: silentLogger },
    { scope, bsuid, inbound: inbound("2026-11-20T08:00:00Z") },
  );
  await resolveContact({ store: b, logger: silentLogger }, { scope, bsuid, inbound: inbound(laterAt) });
  return { plain, a, contactId: first.contact.contactId };
}

describe("createCachedIdentityStore", () => {
  it("serves a known contact from the cache, and from the table when asked for fresh data", async () => {
    const { a, contactId } = await contactUpdatedElsewhere();

    expect((await a.getContact(contactId))?.contact.lastSeen).toBe("2026-11-20T08:00:00Z");
    expect((await a.getContact(contactId, { fresh: true }))?.contact.lastSeen).toBe("2026-11-20T09:00:00Z");
    // A fresh read also refreshes the cache.
    expect((await a.getContact(contactId))?.contact.lastSeen).toBe("2026-11-20T09:00:00Z");
  });

  it("still resolves correctly on a stale entry: the ETag-conditional write fails once and is retried on fresh data", async () => {
    const { a, plain, contactId } = await contactUpdatedElsewhere("2026-11-20T10:00:00Z");

    const later = await resolveContact(
      { store: a, logger: silentLogger },
      { scope, bsuid, inbound: inbound("2026-11-20T09:00:00Z") },
    );

    expect(later.contact.contactId).toBe(contactId);
    expect((await plain.getContact(contactId))?.contact).toMatchObject({
      firstSeen: "2026-11-20T08:00:00Z",
      lastSeen: "2026-11-20T10:00:00Z",
    });
  });

  it("forgets entries after the TTL", async () => {
    let now = Date.parse("2026-11-20T08:00:00Z");
    const { a, contactId } = await contactUpdatedElsewhere(undefined, { now: () => now });

    now += 14 * 60_000;
    expect((await a.getContact(contactId))?.contact.lastSeen).toBe("2026-11-20T08:00:00Z");
    now += 2 * 60_000;
    expect((await a.getContact(contactId))?.contact.lastSeen).toBe("2026-11-20T09:00:00Z");
  });

  it("answers the contacts API from the table, not from an instance's stale cache", async () => {
    const { a, contactId } = await contactUpdatedElsewhere();
    const services = {
      config: loadConfig({ TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString() }),
      identityStore: a,
      clock: () => new Date(),
    };

    const response = await getContactApi(
      services,
      {
        params: { contactId },
        query: new URLSearchParams(),
        headers: { get: () => null },
        json: () => Promise.resolve(undefined),
      },
      silentLogger,
    );

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ contactId, lastSeen: "2026-11-20T09:00:00Z" });
  });
});
