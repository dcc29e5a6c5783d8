import { QueueClient } from "@azure/storage-queue";
import { describe, expect, it } from "vitest";
import { azuriteStorageConnectionString, uniqueTablePrefix } from "../support/createTestTables";

describe("Azurite queue service in the test setup", () => {
  it("round-trips a queue message when the global setup started Azurite", async () => {
    const queue = new QueueClient(azuriteStorageConnectionString(), uniqueTablePrefix().toLowerCase());
    await queue.create();
    await queue.sendMessage("hello");
    const received = await queue.receiveMessages();
    expect(received.receivedMessageItems[0]?.messageText).toBe("hello");
  });
});
