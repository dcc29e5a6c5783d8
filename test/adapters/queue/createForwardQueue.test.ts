import { QueueClient } from "@azure/storage-queue";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../lib/core/errors";
import { parseAdvancedMessageEvent } from "../../../lib/adapters/acs/events/parseAdvancedMessageEvent";
import type { InboundMessage } from "../../../lib/events/types";
import {
  buildForwardMessage,
  decodeForwardMessage,
  encodeForwardMessage,
  MAX_QUEUE_MESSAGE_BYTES,
} from "../../../lib/domain/routing/ForwardQueue";
import { createForwardQueue } from "../../../lib/adapters/queue/createForwardQueue";
import type { ContactId } from "../../../lib/core/values/identifiers";
import { azuriteStorageConnectionString, uniqueTablePrefix } from "../../support/createTestTables";
import { loadFixtureEvent } from "../../support/fixtures";

function inbound(fixture: string, data: Record<string, unknown> = {}): InboundMessage {
  const event = structuredClone(loadFixtureEvent(fixture));
  Object.assign(event.data as object, data);
  const parsed = parseAdvancedMessageEvent(event);
  if (!parsed.ok || parsed.value.kind !== "received") throw new Error("fixture did not parse");
  return parsed.value;
}

const contact = {
  contactId: "c-1" as ContactId,
  bsuid: null,
  phone: null,
  externalId: null,
};

describe("buildForwardMessage", () => {
  it("builds the same message twice from the same event, so a redelivery is recognisable by dedupeKey", () => {
    const message = inbound("received-image.json");
    expect(buildForwardMessage("crm", message, contact)).toEqual(buildForwardMessage("crm", message, contact));
    expect(buildForwardMessage("crm", message, contact).dedupeKey).toBe("0a1b2c3d-0000-4000-8000-000000000004:crm");
  });

  it("gives the contact's known phone although this message hid it, and the message's own identifiers apart", () => {
    const known = {
      ...contact,
      phone: "+447700900123" as never,
      bsuid: "GB.88213456712094" as never,
      externalId: "crm-9",
    };
    const message = buildForwardMessage("crm", inbound("received-image.json"), known);
    expect(message).toMatchObject({
      phone: "+447700900123",
      bsuid: "GB.88213456712094",
      externalId: "crm-9",
      sender: { phone: null, bsuid: "GB.88213456712094" },
      media: { mimeType: "image/jpeg", caption: "The damaged box" },
      content: null,
    });
  });

  it.each([
    ["ASCII", "x"],
    ["emoji", "😀"],
    ["characters JSON escapes", "\u0001"],
  ])("cuts %s content to fit a queue message and flags it when the text is 1 MB", (_what, unit) => {
    const message = buildForwardMessage(
      "crm",
      inbound("received-text-bsuid-only.json", { content: unit.repeat(1_000_000 / unit.length) }),
      contact,
    );
    expect(message.contentTruncated).toBe(true);
    expect(encodeForwardMessage(message).length).toBeLessThanOrEqual(MAX_QUEUE_MESSAGE_BYTES);
    expect(encodeForwardMessage(message).length).toBeGreaterThan(MAX_QUEUE_MESSAGE_BYTES - 1_000);
    expect(message.content!.startsWith(unit.repeat(10))).toBe(true);
    // Never half a surrogate pair.
    expect(/[\uD800-\uDBFF]$/.test(message.content!)).toBe(false);
  });

  it("keeps a WhatsApp-sized text whole", () => {
    const message = buildForwardMessage(
      "crm",
      inbound("received-text-bsuid-only.json", { content: "é".repeat(4096) }),
      contact,
    );
    expect(message).toMatchObject({ content: "é".repeat(4096), contentTruncated: false });
  });

  it("decodes what it encodes and refuses other queue text", () => {
    const message = buildForwardMessage("crm", inbound("received-text-bsuid-only.json"), contact);
    expect(decodeForwardMessage(encodeForwardMessage(message))).toEqual(message);
    expect(() => decodeForwardMessage(Buffer.from("{}").toString("base64"))).toThrow(ValidationError);
  });
});

describe("createForwardQueue", () => {
  it("creates the queue on first send and writes base64 JSON, as the Functions queue trigger reads it", async () => {
    const queueName = `q-${uniqueTablePrefix().toLowerCase()}`;
    const queue = createForwardQueue({
      kind: "connectionString",
      connectionString: azuriteStorageConnectionString(),
      queueName,
    });
    const message = buildForwardMessage("crm", inbound("received-text-bsuid-only.json"), contact);
    await queue.send(message);
    const client = new QueueClient(azuriteStorageConnectionString(), queueName);
    const [item] = (await client.receiveMessages()).receivedMessageItems;
    expect(JSON.parse(Buffer.from(item!.messageText, "base64").toString("utf8"))).toEqual(message);
  });

  it("refuses permanently, before calling storage, a message that can never fit", async () => {
    const queue = createForwardQueue({
      kind: "connectionString",
      connectionString: "UseDevelopmentStorage=true",
      queueName: "never-used",
    });
    const message = {
      ...buildForwardMessage("crm", inbound("received-text-bsuid-only.json"), contact),
      summary: "x".repeat(MAX_QUEUE_MESSAGE_BYTES),
    };
    await expect(queue.send(message)).rejects.toMatchObject({ code: "forward_too_large", permanent: true });
  });
});
