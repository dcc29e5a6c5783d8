import { beforeEach, describe, expect, it } from "vitest";
import { createMessageLedger } from "../../lib/adapters/tableStorage/createMessageLedger";
import { type MessageLedger, type StatusRecord } from "../../lib/domain/ledger/MessageLedger";
import { parseMessageId } from "../../lib/core/values/identifiers";
import { createTestTables } from "../support/createTestTables";

const messageId = parseMessageId("3c2d1e0f-aaaa-4bbb-8ccc-000000000777");
const contactId = "c_0123456789abcdef0123456789abcdef" as never;
const channelId = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

function status(value: StatusRecord["status"], at: string, extra: Partial<StatusRecord> = {}): StatusRecord {
  return {
    messageId,
    channelId,
    contactId: null,
    status: value,
    rawStatus: value,
    at,
    eventId: `event-${value}-${at}`,
    errorCode: null,
    errorMessage: null,
    ...extra,
  };
}

function shuffled<T>(items: T[], seed: number): T[] {
  const copy = [...items];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe("message ledger against Azurite", () => {
  let ledger: MessageLedger;

  beforeEach(async () => {
    ledger = createMessageLedger((await createTestTables()).messages);
  });

  it("stores an inbound message once when Event Grid delivers it twice", async () => {
    const record = {
      messageId,
      contactId,
      channelId,
      messageType: "text",
      summary: "Hi, is my order shipped?",
      at: "2026-11-20T09:15:01.000Z",
    };
    expect(await ledger.recordInbound(record)).toBe(true);
    expect(await ledger.recordInbound({ ...record, summary: "changed" })).toBe(false);
    const stored = await ledger.getMessage(messageId);
    expect(stored).toMatchObject({ direction: "inbound", contactId, summary: "Hi, is my order shipped?" });
  });

  it("moves status only forward whatever the arrival order, and keeps the full history", async () => {
    await ledger.recordOutbound({
      messageId,
      contactId,
      channelId,
      messageType: "text",
      summary: "Your order shipped",
      at: "2026-11-20T09:16:00.000Z",
      addressedBy: "bsuid",
      templateName: null,
    });
    await ledger.applyStatus(status("read", "2026-11-20T09:18:00.000Z"));
    await ledger.applyStatus(status("sent", "2026-11-20T09:16:09.000Z"));
    await ledger.applyStatus(status("delivered", "2026-11-20T09:16:12.000Z"));
    const stored = await ledger.getMessage(messageId);
    expect(stored?.status).toBe("read");
    expect(stored?.addressedBy).toBe("bsuid");
    expect(stored?.history.map((h) => h.status)).toEqual(["sent", "delivered", "read"]);
  });

  it("keeps failed as terminal with its error when later statuses arrive", async () => {
    await ledger.applyStatus(
      status("failed", "2026-11-20T09:16:30.000Z", { errorCode: "131026", errorMessage: "Message Undeliverable." }),
    );
    await ledger.applyStatus(status("delivered", "2026-11-20T09:17:00.000Z"));
    const stored = await ledger.getMessage(messageId);
    expect(stored).toMatchObject({ status: "failed", errorCode: "131026", errorMessage: "Message Undeliverable." });
  });

  it("does not move the status on warning or unknown values but records them", async () => {
    await ledger.applyStatus(status("delivered", "2026-11-20T09:16:00.000Z"));
    await ledger.applyStatus(status("warning", "2026-11-20T09:17:00.000Z", { rawStatus: "Warning" }));
    const stored = await ledger.getMessage(messageId);
    expect(stored?.status).toBe("delivered");
    expect(stored?.history.map((h) => h.rawStatus)).toEqual(["delivered", "Warning"]);
  });

  it("stores a status for an unknown messageId instead of dropping it", async () => {
    const result = await ledger.applyStatus(status("delivered", "2026-11-20T09:16:00.000Z", { contactId }));
    expect(result).toEqual({ duplicate: false, status: "delivered" });
    expect(await ledger.getMessage(messageId)).toMatchObject({ direction: "outbound", status: "delivered", contactId });
  });

  it("keeps the send record and a status that arrived before it", async () => {
    await ledger.applyStatus(status("delivered", "2026-11-20T09:16:00.000Z"));
    await ledger.recordOutbound({
      messageId,
      contactId,
      channelId,
      messageType: "template",
      summary: "[template] order_update",
      at: "2026-11-20T09:15:59.000Z",
      addressedBy: "phone",
      templateName: "order_update",
    });
    expect(await ledger.getMessage(messageId)).toMatchObject({
      status: "delivered",
      templateName: "order_update",
      contactId,
    });
  });

  it("reports a duplicate and changes nothing when the same status event is applied again", async () => {
    const event = status("sent", "2026-11-20T09:16:00.000Z");
    await ledger.applyStatus(event);
    expect((await ledger.applyStatus(event)).duplicate).toBe(true);
    expect((await ledger.getMessage(messageId))?.history).toHaveLength(1);
  });

  it("ends in the same state as in-order delivery when statuses are shuffled, tripled and concurrent", async () => {
    const events = [
      status("sent", "2026-11-20T09:16:09.000Z"),
      status("delivered", "2026-11-20T09:16:12.000Z"),
      status("read", "2026-11-20T09:18:40.000Z"),
    ];
    const tripled = shuffled([...events, ...events, ...events], 7);
    await Promise.all(tripled.map((e) => ledger.applyStatus(e)));
    const stored = await ledger.getMessage(messageId);
    expect(stored?.status).toBe("read");
    expect(stored?.history.map((h) => h.status)).toEqual(["sent", "delivered", "read"]);
  });
});
