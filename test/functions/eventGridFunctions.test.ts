import { describe, expect, it } from "vitest";
import { advancedMessageReceived } from "../../functions/advancedMessageReceived";
import { deliveryStatusUpdated } from "../../functions/deliveryStatusUpdated";
import { parseBsuid } from "../../lib/core/values/Bsuid";
import { parseMessageId, parseScope } from "../../lib/core/values/identifiers";
import { createInvocationContext, fixtureNames, loadFixtureEvent } from "../support/fixtures";
import { useFunctionServices } from "../support/useFunctionServices";

const scope = parseScope("default");

function dataOf(event: Record<string, unknown>): Record<string, unknown> {
  return event.data as Record<string, unknown>;
}

describe("advancedMessageReceived function", () => {
  const services = useFunctionServices();

  const receivedFixtures = fixtureNames().filter((name) => name.includes("received"));

  it.each(receivedFixtures)("stores the message and its contact when it receives %s", async (name) => {
    const event = loadFixtureEvent(name);
    const data = dataOf(event);
    const context = createInvocationContext("advancedMessageReceived");
    await advancedMessageReceived(event, context);

    const { ledger, identityStore } = await services();
    const message = await ledger.getMessage(parseMessageId(data.messageId));
    expect(message).toMatchObject({ direction: "inbound", messageType: data.messageType, channelId: data.to });
    const contactId = message?.contactId;
    expect(contactId).toBeTruthy();
    const contact = (await identityStore.getContact(contactId!))?.contact;
    expect(contact?.bsuid).toBe(data.fromBSUID ?? null);
    expect(contact?.phone).toBe(data.from ? `+${String(data.from)}` : null);
    expect(contact?.lastInboundByChannel[String(data.to)]).toBe("2026-11-20T09:15:01.000Z");
    // Privacy: nothing the function logged holds a full identifier.
    const logged = context.logged.join("\n");
    if (data.fromBSUID) expect(logged).not.toContain(String(data.fromBSUID));
    if (data.from) expect(logged).not.toContain(String(data.from));
  });

  it("changes nothing when Event Grid delivers the same event twice", async () => {
    const event = loadFixtureEvent("received-text-phone-and-bsuid.json");
    await advancedMessageReceived(event, createInvocationContext("advancedMessageReceived"));
    const { identityStore } = await services();
    const before = await identityStore.listContacts(scope);
    await advancedMessageReceived(event, createInvocationContext("advancedMessageReceived"));
    expect(await identityStore.listContacts(scope)).toEqual(before);
  });

  it("merges the phone-only legacy contact when the same user later writes with phone and BSUID", async () => {
    const legacy = loadFixtureEvent("received-text-phone-only-legacy.json");
    await advancedMessageReceived(legacy, createInvocationContext("advancedMessageReceived"));
    const linked = structuredClone(loadFixtureEvent("received-text-phone-and-bsuid.json"));
    Object.assign(dataOf(linked), { from: dataOf(legacy).from, messageId: "0a1b2c3d-0000-4000-8000-0000000000ff" });
    await advancedMessageReceived(linked, createInvocationContext("advancedMessageReceived"));
    const { identityStore } = await services();
    const contacts = await identityStore.listContacts(scope);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ phone: "+447700900123", bsuid: "US.13491208655302741918" });
  });

  it("records a malformed event with its reason and the raw event instead of throwing", async () => {
    const event = loadFixtureEvent("received-text-bsuid.eventgrid.json", "docs-samples");
    const context = createInvocationContext("advancedMessageReceived");
    await expect(advancedMessageReceived(event, context)).resolves.toBeUndefined();
    const line = context.logged.find((l) => l.includes("event rejected"));
    expect(line).toBeDefined();
    const row = JSON.parse(line!).rejectedRow as string;
    const [partitionKey, rowKey] = row.split("/");
    const stored = await (await services()).rejections.get(partitionKey!, rowKey!);
    expect(stored?.reason).toMatch(/from|BSUID|sender|channel/i);
    expect(JSON.parse(stored!.rawEvent)).toEqual(event);
  });

  it("keeps a 1 MB event whole in the rejected-events table when it is rejected", async () => {
    const event = structuredClone(loadFixtureEvent("received-text-bsuid-only.json"));
    Object.assign(dataOf(event), { content: "x".repeat(1_000_000), to: "not-a-channel" });
    const context = createInvocationContext("advancedMessageReceived");
    await advancedMessageReceived(event, context);
    const row = JSON.parse(context.logged.find((l) => l.includes("event rejected"))!).rejectedRow as string;
    const [partitionKey, rowKey] = row.split("/");
    const stored = await (await services()).rejections.get(partitionKey!, rowKey!);
    expect(stored?.rawEvent).toBe(JSON.stringify(event));
  });

  it("acknowledges and logs an event type it does not handle", async () => {
    const event = { ...loadFixtureEvent("status-read.json") };
    const context = createInvocationContext("advancedMessageReceived");
    await advancedMessageReceived(event, context);
    expect(context.logged.some((l) => l.includes("not handled by this function"))).toBe(true);
    expect(await (await services()).ledger.getMessage(parseMessageId(dataOf(event).messageId))).toBeUndefined();
  });

  it("throws so Event Grid retries when storage is unreachable", async () => {
    process.env.TABLE_STORAGE_CONNECTION_STRING =
      "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";
    const { resetAppServices } = await import("../../lib/app/createAppServices");
    resetAppServices();
    const event = loadFixtureEvent("received-text-bsuid-only.json");
    await expect(advancedMessageReceived(event, createInvocationContext("advancedMessageReceived"))).rejects.toThrow();
  });
});

describe("deliveryStatusUpdated function", () => {
  const services = useFunctionServices();

  it.each(fixtureNames().filter((name) => name.startsWith("status")))(
    "applies the status and links the recipient when it receives %s",
    async (name) => {
      const event = loadFixtureEvent(name);
      const data = dataOf(event);
      await deliveryStatusUpdated(event, createInvocationContext("deliveryStatusUpdated"));
      const { ledger, identityStore } = await services();
      const message = await ledger.getMessage(parseMessageId(data.messageId));
      expect(message?.status).toBe(String(data.status).toLowerCase());
      expect(message?.history).toHaveLength(1);
      const key = await identityStore.getKey(scope, "bsuid", parseBsuid(data.toBSUID));
      expect(key?.contactId).toBe(message?.contactId);
      if (data.to) {
        expect((await identityStore.getKey(scope, "phone", `+${String(data.to)}`))?.contactId).toBe(message?.contactId);
      }
    },
  );

  it("keeps read as the status when sent arrives after read", async () => {
    await deliveryStatusUpdated(loadFixtureEvent("status-read.json"), createInvocationContext("deliveryStatusUpdated"));
    await deliveryStatusUpdated(
      loadFixtureEvent("status-sent-to-phone.json"),
      createInvocationContext("deliveryStatusUpdated"),
    );
    const message = await (await services()).ledger.getMessage(parseMessageId("3c2d1e0f-aaaa-4bbb-8ccc-000000000777"));
    expect(message?.status).toBe("read");
    expect(message?.history.map((h) => h.status)).toEqual(["sent", "read"]);
  });

  it("records the failure code when a message failed", async () => {
    await deliveryStatusUpdated(
      loadFixtureEvent("status-failed.json"),
      createInvocationContext("deliveryStatusUpdated"),
    );
    const message = await (await services()).ledger.getMessage(parseMessageId("3c2d1e0f-aaaa-4bbb-8ccc-000000000782"));
    expect(message).toMatchObject({ status: "failed", errorCode: "131026", errorMessage: "Message Undeliverable." });
  });

  it("rejects the documentation's placeholder sample with a reason", async () => {
    const context = createInvocationContext("deliveryStatusUpdated");
    await deliveryStatusUpdated(loadFixtureEvent("delivery-sent-bsuid.eventgrid.json", "docs-samples"), context);
    expect(context.logged.some((l) => l.includes("event rejected"))).toBe(true);
  });
});
