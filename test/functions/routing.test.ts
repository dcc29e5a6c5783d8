import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, describe, expect, it } from "vitest";
import { advancedMessageReceived } from "../../functions/advancedMessageReceived";
import { resetAppServices } from "../../lib/app/createAppServices";
import { decodeForwardMessage } from "../../lib/domain/routing/ForwardQueue";
import { toCloudEvent } from "../support/eventCorpus";
import { azuriteStorageConnectionString, uniqueTablePrefix } from "../support/createTestTables";
import { createInvocationContext, loadFixtureEvent } from "../support/fixtures";
import { useFunctionServices } from "../support/useFunctionServices";

const directory = mkdtempSync(join(tmpdir(), "routing-function-"));
const routesFile = join(directory, "routes.json");
writeFileSync(
  routesFile,
  JSON.stringify({ routes: [{ name: "uk-crm", senderCountries: ["GB"], actions: [{ type: "forward" }] }] }),
);
const queueName = `uk-${uniqueTablePrefix().toLowerCase()}`;
const ROUTING_ENV = {
  ROUTES_FILE: routesFile,
  FORWARD_QUEUE_CONNECTION_STRING: azuriteStorageConnectionString(),
  FORWARD_QUEUE_NAME: queueName,
};

afterAll(() => {
  for (const name of Object.keys(ROUTING_ENV)) delete process.env[name];
  resetAppServices();
});

describe("advancedMessageReceived function with routes from ROUTES_FILE", () => {
  useFunctionServices(ROUTING_ENV);
  const queue = new QueueClient(azuriteStorageConnectionString(), queueName);

  it("forwards the UK user's messages, by phone and by BSUID, in both schemas, and nobody else's", async () => {
    const phone = structuredClone(loadFixtureEvent("received-text-phone-only-legacy.json"));
    const bsuid = loadFixtureEvent("received-image.json");
    const us = loadFixtureEvent("received-text-phone-and-bsuid.json");
    const context = createInvocationContext("advancedMessageReceived");
    for (const event of [phone, toCloudEvent(bsuid), us]) await advancedMessageReceived(event, context);

    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    const messages = receivedMessageItems.map((item) => decodeForwardMessage(item.messageText));
    expect(messages.map((m) => [m.route, m.messageType, m.phone, m.bsuid]).sort()).toEqual([
      ["uk-crm", "image", null, "GB.88213456712094"],
      ["uk-crm", "text", "+447700900123", null],
    ]);
    const logged = context.logged.join("\n");
    expect(logged).toContain("routes evaluated");
    for (const identifier of ["447700900123", "88213456712094", "14255551234"])
      expect(logged).not.toContain(identifier);
  });

  it("fails the invocation with every routes problem named when the routes file is invalid", async () => {
    writeFileSync(
      join(directory, "bad.json"),
      JSON.stringify({ routes: [{ name: "uk-crm", senderCountries: ["UK"], actions: [{ type: "forward" }] }] }),
    );
    process.env.ROUTES_FILE = join(directory, "bad.json");
    resetAppServices();
    const failure = advancedMessageReceived(loadFixtureEvent("received-image.json"), createInvocationContext("x"));
    await expect(failure).rejects.toThrow(/route "uk-crm" \(routes\[0\]\): senderCountries\[0\]: country must be/);
  });
});
