import { describe, expect, it } from "vitest";
import { receivedEvent, shuffled, syntheticPerson, syntheticUuid } from "../../bench/syntheticEvents";
import { createInstances, deliver } from "./support/harness";
import { registerIdentifiers } from "./support/privacy";
import { canonicalSnapshot } from "./support/snapshot";

/** Ten app instances (each with its own identity cache) on the same tables, as when Functions scales out. */
const INSTANCES = 10;

describe("concurrent first contact", () => {
  it.each([
    ["BSUID only", false],
    ["phone and BSUID", true],
  ])("100 concurrent first messages from one new BSUID (%s) make one contact", async (_label, withPhone) => {
    const person = syntheticPerson(withPhone ? 1 : 0, 4);
    registerIdentifiers(person.bsuid, person.phoneDigits);
    const at = new Date(Date.now() - 60_000).toISOString();
    const events = Array.from({ length: 100 }, (_, i) =>
      receivedEvent({
        eventId: syntheticUuid(withPhone ? 0xc1 : 0xc0, i),
        messageId: syntheticUuid(withPhone ? 0xd1 : 0xd0, i),
        at,
        bsuid: person.bsuid,
        phoneDigits: withPhone ? person.phoneDigits : undefined,
      }),
    );
    const deployment = await createInstances({ instances: INSTANCES });
    const report = await deliver(deployment.all, events, { concurrency: 100 });
    const { canonical, facts } = await canonicalSnapshot(deployment.all[0]!);

    expect(report.undelivered).toEqual([]);
    expect(report.results.processed).toBe(100);
    expect(facts.liveContacts).toBe(1);
    expect(facts.tombstones).toBe(0);
    expect(facts.duplicates).toEqual([]);
    expect(facts.danglingKeys).toEqual([]);
    const name = `bsuid:${person.bsuid}`;
    expect(canonical.contacts[name]).toMatchObject({
      bsuid: person.bsuid,
      phone: withPhone ? `+${person.phoneDigits}` : null,
      firstSeen: at,
      lastSeen: at,
    });
    expect(Object.values(canonical.keys)).toEqual(Array(withPhone ? 2 : 1).fill(name));
    const messages = Object.values(canonical.messages);
    expect(messages).toHaveLength(100);
    expect(messages.every((message) => message.contact === name)).toBe(true);
  });

  it("concurrent phone-only, BSUID-only and phone + BSUID arrivals for one person make one contact, for each of 20 people", async () => {
    const people = Array.from({ length: 20 }, (_, n) => syntheticPerson(100 + n, 4));
    for (const p of people) registerIdentifiers(p.bsuid, p.phoneDigits);
    const base = Date.now() - 10 * 60_000;
    let n = 0;
    const events = people.flatMap((p) =>
      (["phone", "bsuid", "both"] as const).flatMap((form) =>
        Array.from({ length: 4 }, () => {
          n++;
          return receivedEvent({
            eventId: syntheticUuid(0xc2, n),
            messageId: syntheticUuid(0xd2, n),
            at: new Date(base + n * 1000).toISOString(),
            bsuid: form === "phone" ? undefined : p.bsuid,
            phoneDigits: form === "bsuid" ? undefined : p.phoneDigits,
          });
        }),
      ),
    );
    const deployment = await createInstances({ instances: INSTANCES });
    const report = await deliver(deployment.all, shuffled(events, 11), { concurrency: events.length });
    const { canonical, facts } = await canonicalSnapshot(deployment.all[0]!);

    expect(report.undelivered).toEqual([]);
    expect(report.results.processed).toBe(events.length);
    expect(facts.duplicates).toEqual([]);
    expect(facts.danglingKeys).toEqual([]);
    expect(facts.liveContacts).toBe(people.length);
    for (const p of people) {
      const name = `bsuid:${p.bsuid}`;
      expect(canonical.contacts[name]).toMatchObject({ bsuid: p.bsuid, phone: `+${p.phoneDigits}` });
      expect(canonical.keys[`default|phone|+${p.phoneDigits}`]).toBe(name);
      expect(canonical.keys[`default|bsuid|${p.bsuid}`]).toBe(name);
    }
    // Every message, whichever identifier it came with, belongs to its person's one contact.
    const contactsOfMessages = new Set(Object.values(canonical.messages).map((message) => message.contact));
    expect(contactsOfMessages).toEqual(new Set(people.map((p) => `bsuid:${p.bsuid}`)));
  });
});
