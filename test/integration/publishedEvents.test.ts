import { describe, expect, it } from "vitest";
import { parseAdvancedMessageEvent } from "../../lib/adapters/acs/events/parseAdvancedMessageEvent";
import { handleAdvancedMessageReceived } from "../../lib/useCases/events/handleAdvancedMessageReceived";
import { handleDeliveryStatusUpdated } from "../../lib/useCases/events/handleDeliveryStatusUpdated";
import { parseScope } from "../../lib/core/values/identifiers";
import { createTestLogger } from "../support/createTestLogger";
import { publishedEvents } from "../support/publishedExamples";
import { useFunctionServices } from "../support/useFunctionServices";

/**
 * Every event example Microsoft publishes for ACS Advanced Messaging (the Event Grid spec's examples in both schemas,
 * the Event Grid docs page, the BSUID article; see test/fixtures/published/README.md), run end to end through the
 * handlers against Azurite: each received or status example lands in the identity map and the ledger, none is rejected.
 */
describe("published ACS event examples, end to end", () => {
  const services = useFunctionServices();
  const scope = parseScope("default");
  const examples = (kind: "received" | "status" | "other-event") =>
    publishedEvents(kind).flatMap(({ entry, events }) =>
      events.map((event, index) => [`${entry.file}${events.length > 1 ? ` #${index + 1}` : ""}`, event] as const),
    );

  it("has examples of every kind to run", () => {
    expect(examples("received").length).toBeGreaterThanOrEqual(10);
    expect(examples("status").length).toBeGreaterThanOrEqual(6);
    expect(examples("other-event").length).toBeGreaterThanOrEqual(1);
  });

  it.each(examples("received"))("stores the message and its sender when it receives %s", async (_file, event) => {
    const app = await services();
    const logger = createTestLogger();
    const outcome = await handleAdvancedMessageReceived(app, event, logger);
    if (outcome.result !== "processed") throw new Error(`not processed: ${JSON.stringify(outcome)}`);

    const stored = await app.ledger.getMessage(outcome.message.messageId);
    expect(stored).toMatchObject({ direction: "inbound", contactId: outcome.contact.contactId });
    expect(stored?.warnings).toEqual(outcome.message.warnings);
    const contacts = await app.identityStore.listContacts(scope);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.bsuid).toBe(outcome.message.fromBsuid ?? null);
    expect(contacts[0]?.phone).toBe(outcome.message.fromPhone ?? null);

    // A redelivery changes nothing: the same ledger row, the same contact.
    const again = await handleAdvancedMessageReceived(app, structuredClone(event), logger);
    expect(again).toMatchObject({ result: "processed", duplicate: true });
    expect(await app.identityStore.listContacts(scope)).toEqual(contacts);
  });

  it.each(examples("status"))("records the status of %s on its message", async (_file, event) => {
    const app = await services();
    const outcome = await handleDeliveryStatusUpdated(app, event, createTestLogger());
    if (outcome.result !== "processed") throw new Error(`not processed: ${JSON.stringify(outcome)}`);

    const stored = await app.ledger.getMessage(outcome.update.messageId);
    expect(stored?.history).toHaveLength(1);
    expect(stored?.history[0]).toMatchObject({ status: outcome.update.status, eventId: outcome.update.envelope.id });
    if (outcome.update.toBsuid !== undefined || outcome.update.toPhone !== undefined) {
      const contacts = await app.identityStore.listContacts(scope);
      expect(contacts.map((contact) => contact.contactId)).toEqual([outcome.contactId]);
    }
  });

  it.each(examples("other-event"))("acknowledges %s without rejecting it", async (_file, event) => {
    const parsed = parseAdvancedMessageEvent(event);
    expect(parsed).toMatchObject({ ok: true, value: { kind: "unhandled" } });
    const app = await services();
    const outcome = await handleAdvancedMessageReceived(app, event, createTestLogger());
    expect(outcome.result).toBe("ignored");
  });

  it("keeps every received example apart although the docs samples share one event ID", async () => {
    const app = await services();
    const logger = createTestLogger();
    // The docs page's samples: each a different message, all with the event ID 00000000-0000-0000-0000-000000000000.
    const received = examples("received").filter(([, event]) => event.id === "00000000-0000-0000-0000-000000000000");
    expect(received.length).toBeGreaterThanOrEqual(5);
    for (const [, event] of received) {
      expect((await handleAdvancedMessageReceived(app, event, logger)).result).toBe("processed");
    }
    const ids = new Set<string>();
    for (const [, event] of received) {
      const parsed = parseAdvancedMessageEvent(event);
      if (parsed.ok && parsed.value.kind === "received") ids.add(parsed.value.messageId);
    }
    expect(ids.size).toBe(received.length);
    for (const id of ids) expect(await app.ledger.getMessage(id as never)).toBeDefined();
  });
});
