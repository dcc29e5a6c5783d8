import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PortInUseError } from "../../../local/host/createLocalHost";
import { createMemoryLogger } from "../../../local/host/localLogger";
import { isPortFree } from "../../../local/stack/ports";
import { LOCAL_CHANNEL_ID, startLocalStack, type LocalStack } from "../../../local/stack/startLocalStack";
import { uniqueTablePrefix } from "../../support/createTestTables";
import { loadFixtureEvent } from "../../support/fixtures";

const BSUID = "US.13491208655302741918";
const logger = createMemoryLogger();
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    inMemory: true,
    azurite: { ports: { blob: 0, queue: 0, table: 0 }, reuseRunning: false },
    env: {},
    sampleSettingsOnly: true,
    settings: { TABLE_NAME_PREFIX: uniqueTablePrefix() },
    deadLetterDir: mkdtempSync(join(tmpdir(), "stack-deadletter-")),
    deliveryStatuses: [
      { status: "Sent", afterMs: 10 },
      { status: "Delivered", afterMs: 20 },
    ],
    logger,
  });
});

afterAll(async () => {
  await stack?.close();
});

/** The fixture event with fresh IDs and times, as ACS would publish a new message now. */
function freshReceivedEvent(): Record<string, unknown> {
  const fixture = loadFixtureEvent("received-text-bsuid-only.json");
  const now = new Date().toISOString();
  return {
    ...fixture,
    id: randomUUID(),
    eventTime: now,
    data: { ...(fixture.data as Record<string, unknown>), messageId: randomUUID(), receivedTimestamp: now },
  };
}

describe("startLocalStack", () => {
  it("reports a ready line naming the API, the topic, the webhook, the emulator and Azurite", () => {
    expect(stack.readyLine).toContain(stack.urls.api);
    expect(stack.readyLine).toContain(stack.urls.topic);
    expect(stack.readyLine).toContain(stack.urls.eventGridWebhook);
    expect(stack.readyLine).toContain(`emulator ${stack.emulator?.url}`);
    expect(stack.readyLine).toContain(stack.urls.azuriteTable);
    expect(stack.urls.topic).toBe(`${stack.urls.api}/events`);
    expect(stack.settings.ACS_CHANNEL_IDS).toBe(LOCAL_CHANNEL_ID);
  });

  it("hands the functions their settings without writing them to process.env when it starts", () => {
    expect(stack.config.tableStorage).toEqual({
      kind: "connectionString",
      connectionString: stack.azurite.connectionString,
    });
    expect(stack.config.messaging.channelIds).toEqual([LOCAL_CHANNEL_ID]);
    expect(process.env.TABLE_STORAGE_CONNECTION_STRING).not.toBe(stack.azurite.connectionString);
    expect(process.env.ACS_CONNECTION_STRING).not.toBe(stack.emulator?.connectionString);
  });

  it("points every UseDevelopmentStorage=true setting at the Azurite it started when that runs on other ports", () => {
    expect(Object.values(stack.settings)).not.toContain("UseDevelopmentStorage=true");
    expect(stack.settings.AzureWebJobsStorage).toContain(`TableEndpoint=${stack.urls.azuriteTable};`);
    expect(stack.settings.TABLE_STORAGE_CONNECTION_STRING).toBe(stack.azurite.connectionString);
  });

  it("stores the sender of a fixture event published with EventGridPublisherClient, readable over HTTP", async () => {
    const fixture = loadFixtureEvent("received-text-bsuid-only.json");
    const client = new EventGridPublisherClient(
      stack.urls.topic,
      "EventGrid",
      new AzureKeyCredential(stack.topic.accessKey),
      {
        allowInsecureConnection: true,
      },
    );
    await client.send([
      {
        id: fixture.id as string,
        topic: fixture.topic as string,
        subject: fixture.subject as string,
        eventType: fixture.eventType as string,
        dataVersion: fixture.dataVersion as string,
        eventTime: new Date(fixture.eventTime as string),
        data: fixture.data,
      },
    ]);
    await stack.topic.waitForIdle();

    const response = await fetch(`${stack.urls.api}/contacts?bsuid=${encodeURIComponent(BSUID)}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ bsuid: BSUID });
    expect(stack.topic.attempts).toContainEqual(
      expect.objectContaining({ functionName: "advancedMessageReceived", eventIds: [fixture.id], status: 202 }),
    );
  });

  it("sends a reply through the emulator and records the Sent and Delivered statuses it publishes", async () => {
    stack.topic.publish([freshReceivedEvent()]);
    await stack.topic.waitForIdle();

    const send = await fetch(`${stack.urls.api}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ recipient: { bsuid: BSUID }, message: { kind: "text", text: "Thanks, we got it" } }),
    });
    expect(send.status).toBe(202);
    const { messageId } = (await send.json()) as { messageId: string };
    expect(stack.emulator?.sent.map((m) => m.messageId)).toContain(messageId);
    await stack.topic.waitForIdle();

    const message = await fetch(`${stack.urls.api}/messages/${messageId}`);
    expect(message.status).toBe(200);
    expect(await message.json()).toMatchObject({ messageId, status: "delivered" });
  });

  it("stops the host, the emulator and Azurite when closed, freeing their ports", async () => {
    const hostPort = Number(new URL(stack.urls.host).port);
    const emulatorPort = Number(new URL(stack.emulator?.url ?? "").port);
    const tablePort = Number(new URL(stack.urls.azuriteTable).port);
    await stack.close();
    expect(await isPortFree(hostPort)).toBe(true);
    expect(await isPortFree(emulatorPort)).toBe(true);
    expect(await isPortFree(tablePort)).toBe(true);
  });

  it("fails with a PortInUseError before starting anything when the host port is taken", async () => {
    const blocker = createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const port = (blocker.address() as AddressInfo).port;
    try {
      await expect(startLocalStack({ port, env: {}, logger })).rejects.toBeInstanceOf(PortInUseError);
    } finally {
      blocker.close();
    }
  });
});
