import { describe, expect, it } from "vitest";
import { parseAdvancedMessageEvent } from "../../../lib/adapters/acs/events/parseAdvancedMessageEvent";
import type { DeliveryStatusUpdate } from "../../../lib/events/types";
import { SIMULATOR_DELIVERY_STATUSES } from "../../../local/simulator/createWhatsAppSimulator";
import { CHANNEL_A, CHANNEL_C, START, createTestSimulator, dataOf, type Published } from "./support";

const STATUS_EVENT = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated";

function statusEvents(published: Published[], messageId: string): Published[] {
  return published.filter((p) => p.event.eventType === STATUS_EVENT && dataOf(p.event).messageId === messageId);
}

function parseStatus(event: Record<string, unknown>): DeliveryStatusUpdate {
  const parsed = parseAdvancedMessageEvent(JSON.parse(JSON.stringify(event)));
  if (!parsed.ok || parsed.value.kind !== "status") throw new Error("not a status event the app accepts");
  return parsed.value;
}

describe("delivery statuses of business sends", () => {
  it("publishes Sent, Delivered and Read with an empty to and the BSUID in toBSUID when the business sends to a BSUID", () => {
    const { simulator, published } = createTestSimulator();
    const user = simulator.createUser({ country: "GB", username: "ana" });
    const bsuid = user.bsuids["brand-a"]!;
    const handled = simulator.handleBusinessSend({ messageId: "out-1", channelId: CHANNEL_A, to: bsuid });

    expect(handled).toMatchObject({ userId: user.id, outcome: "delivered", statuses: ["Sent", "Delivered", "Read"] });
    const events = statusEvents(published, "out-1");
    expect(events.map((p) => dataOf(p.event).status)).toEqual(["Sent", "Delivered", "Read"]);
    expect(events.map((p) => p.delayMs)).toEqual(SIMULATOR_DELIVERY_STATUSES.map((s) => s.afterMs));
    for (const { event } of events) {
      expect(dataOf(event)).toMatchObject({ to: "", toBSUID: bsuid, from: CHANNEL_A, channelType: "whatsapp" });
      expect(event.subject).toBe(`advancedMessage/out-1/status/${String(dataOf(event).status)}`);
      const status = parseStatus(event);
      expect(status.toPhone).toBeUndefined();
      expect(status.toBsuid).toBe(bsuid);
    }
    expect(dataOf(events[2]!.event).receivedTimestamp).toBe(new Date(START + 1500).toISOString());
  });

  it("publishes the phone digits in to and the portfolio's BSUID in toBSUID when the business sends to the phone", () => {
    const { simulator, published } = createTestSimulator();
    const user = simulator.createUser({ phone: "+447700900123" });
    simulator.handleBusinessSend({ messageId: "out-2", channelId: CHANNEL_C, to: "+447700900123" });
    const events = statusEvents(published, "out-2");
    expect(events).toHaveLength(3);
    for (const { event } of events) {
      expect(dataOf(event)).toMatchObject({ to: "447700900123", toBSUID: user.bsuids["brand-c"] });
      const status = parseStatus(event);
      expect(status.toPhone).toBe("+447700900123");
      expect(status.toBsuid).toBe(user.bsuids["brand-c"]);
    }
  });

  it("publishes one Failed status with WhatsApp's error, then normal statuses again, when a failure was asked for", () => {
    const { simulator, published } = createTestSimulator();
    const user = simulator.createUser();
    simulator.failNextDeliveryTo(user.id, {
      channelCode: "131049",
      channelMessage: "Not delivered to maintain ecosystem",
    });
    const failed = simulator.handleBusinessSend({ messageId: "out-3", channelId: CHANNEL_A, to: user.phone });
    const next = simulator.handleBusinessSend({ messageId: "out-4", channelId: CHANNEL_A, to: user.phone });

    expect(failed).toMatchObject({ outcome: "failed", statuses: ["Failed"] });
    const [event] = statusEvents(published, "out-3");
    expect(dataOf(event!.event)).toMatchObject({
      status: "Failed",
      error: { channelCode: "131049", channelMessage: "Not delivered to maintain ecosystem" },
    });
    expect(parseStatus(event!.event).status).toBe("failed");
    expect(next.outcome).toBe("delivered");
  });

  it("fails a send to a BSUID that a number change invalidated with 131026", () => {
    const { simulator, published } = createTestSimulator();
    const user = simulator.createUser({ country: "GB" });
    const old = user.bsuids["brand-a"]!;
    simulator.changeNumber(user.id);
    const handled = simulator.handleBusinessSend({ messageId: "out-5", channelId: CHANNEL_A, to: old });
    expect(handled.outcome).toBe("failed");
    expect(dataOf(statusEvents(published, "out-5")[0]!.event)).toMatchObject({
      status: "Failed",
      toBSUID: old,
      error: { channelCode: "131026", channelMessage: "Message Undeliverable." },
    });
  });

  it("fails a send to the user's BSUID of another portfolio", () => {
    const { simulator } = createTestSimulator();
    const user = simulator.createUser({ country: "GB" });
    const handled = simulator.handleBusinessSend({
      messageId: "out-6",
      channelId: CHANNEL_A,
      to: user.bsuids["brand-c"]!,
    });
    expect(handled.outcome).toBe("failed");
  });

  it("publishes no Read when the user does not open messages", () => {
    const { simulator, published } = createTestSimulator();
    const user = simulator.createUser({ readsMessages: false });
    simulator.handleBusinessSend({ messageId: "out-7", channelId: CHANNEL_A, to: user.phone });
    expect(statusEvents(published, "out-7").map((p) => dataOf(p.event).status)).toEqual(["Sent", "Delivered"]);
  });

  it("publishes Sent and Delivered without toBSUID when the recipient is not a simulated user", () => {
    const { simulator, published } = createTestSimulator();
    const handled = simulator.handleBusinessSend({ messageId: "out-8", channelId: CHANNEL_A, to: "+14255551234" });
    expect(handled).toMatchObject({ userId: undefined, outcome: "unknown-recipient", statuses: ["Sent", "Delivered"] });
    for (const { event } of statusEvents(published, "out-8")) {
      expect(dataOf(event).to).toBe("14255551234");
      expect(dataOf(event)).not.toHaveProperty("toBSUID");
    }
  });

  it("publishes nothing when statuses are turned off, but still counts the send as an interaction", () => {
    const { simulator, published } = createTestSimulator({ deliveryStatuses: false });
    const user = simulator.createUser({ username: "ana" });
    simulator.handleBusinessSend({ messageId: "out-9", channelId: CHANNEL_A, to: user.bsuids["brand-a"]! });
    expect(published).toHaveLength(0);
    expect(simulator.phoneVisibility(user.id, CHANNEL_A).rule).toBe("recent-interaction");
  });

  it("keeps the published events in its event log, oldest first", () => {
    const { simulator } = createTestSimulator();
    const user = simulator.createUser();
    simulator.send(user.id, { type: "text", text: "hi" });
    simulator.handleBusinessSend({ messageId: "out-10", channelId: CHANNEL_A, to: user.phone });
    expect(simulator.events.map((e) => e.eventType)).toEqual([
      "Microsoft.Communication.AdvancedMessageReceived",
      STATUS_EVENT,
      STATUS_EVENT,
      STATUS_EVENT,
    ]);
  });
});
