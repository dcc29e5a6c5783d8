import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAcsMessagesClient, type AcsMessagesClient } from "../../../lib/adapters/acs/createAcsMessagesClient";
import {
  createAcsMessagesEmulator,
  type AcsMessagesEmulator,
  type SentMessage,
} from "../../../local/acsEmulator/createAcsMessagesEmulator";
import { TEST_BSUID, TEST_CHANNEL_ID, TEST_PHONE } from "../../support/acsEmulatorHarness";

let emulator: AcsMessagesEmulator;
let client: AcsMessagesClient;

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({ channels: [TEST_CHANNEL_ID] });
  client = createAcsMessagesClient(
    { kind: "connectionString", connectionString: emulator.connectionString },
    { retryOptions: { maxRetries: 0 } },
  );
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

/** Sends a raw body through the real SDK (signed with HMAC), bypassing the app's own validation. */
function post(body: Record<string, unknown>, options: { headers?: Record<string, string>; apiVersion?: string } = {}) {
  return client.path("/messages/notifications:send").post({
    body: { channelRegistrationId: TEST_CHANNEL_ID, to: [TEST_PHONE], ...body } as never,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.apiVersion === undefined ? {} : { queryParameters: { "api-version": options.apiVersion } }),
  });
}

function repeatabilityHeaders(id = randomUUID(), firstSent = new Date()) {
  return { "Repeatability-Request-ID": id, "Repeatability-First-Sent": firstSent.toUTCString() };
}

describe("createAcsMessagesEmulator", () => {
  it("answers 202 with one receipt for the recipient when the send is valid", async () => {
    const response = await post({ to: [TEST_BSUID], kind: "text", content: "Hi" });

    expect(response.status).toBe("202");
    expect(response.body).toEqual({ receipts: [{ messageId: emulator.sent[0]?.messageId, to: TEST_BSUID }] });
    expect(emulator.sent[0]?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers["repeatability-result"]).toBeUndefined();
  });

  it("answers 401 Denied when the request is not signed", async () => {
    const response = await fetch(`${emulator.url}/messages/notifications:send?api-version=2024-08-30`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channelRegistrationId: TEST_CHANNEL_ID, to: [TEST_PHONE], kind: "text", content: "Hi" }),
    });

    expect(response.status).toBe(401);
    expect(response.headers.get("x-ms-error-code")).toBe("Denied");
    expect(await response.json()).toMatchObject({
      error: { code: "Denied", message: expect.stringContaining("Authorization") },
    });
    expect(emulator.sent).toHaveLength(0);
  });

  it("answers 202 when the phone number has no leading +, as in the spec's examples", async () => {
    const response = await post({ to: ["14255551234"], kind: "text", content: "Hi" });

    expect(response.status).toBe("202");
    expect(response.body).toMatchObject({ receipts: [{ to: "14255551234" }] });
  });

  it.each(["12345", "+04255551234", "tel:+14255551234"])(
    "answers 400 InvalidRecipient with x-ms-error-code when the recipient is %s",
    async (recipient) => {
      const response = await post({ to: [recipient], kind: "text", content: "Hi" });

      expect(response.status).toBe("400");
      expect(response.headers["x-ms-error-code"]).toBe("InvalidRecipient");
      expect(response.body).toMatchObject({ error: { code: "InvalidRecipient", target: "to" } });
    },
  );

  it("answers 400 when a BSUID has been reformatted", async () => {
    const response = await post({ to: [TEST_BSUID.toLowerCase()], kind: "text", content: "Hi" });

    expect(response.status).toBe("400");
    expect(response.headers["x-ms-error-code"]).toBe("InvalidRecipient");
  });

  it("answers 400 when more than one recipient is given", async () => {
    const response = await post({ to: [TEST_PHONE, TEST_BSUID], kind: "text", content: "Hi" });

    expect(response.status).toBe("400");
    expect(response.body).toMatchObject({ error: { code: "InvalidRecipientCount", target: "to" } });
  });

  it("answers 400 UnsupportedMessageKind when the api-version predates the kind", async () => {
    const response = await post({ kind: "reaction", emoji: "👍", messageId: "m1" });

    expect(response.status).toBe("400");
    expect(response.body).toMatchObject({ error: { code: "UnsupportedMessageKind", target: "kind" } });
  });

  it("answers 400 naming the field when an interactive message lacks its action", async () => {
    const response = await post(
      { kind: "interactive", interactiveMessage: { body: { kind: "text", text: "Pick" } } },
      { apiVersion: "2025-09-01-preview" },
    );

    expect(response.status).toBe("400");
    expect(response.body).toMatchObject({ error: { code: "InvalidRequestBody", target: "interactiveMessage.action" } });
  });

  it("answers 400 UnsupportedApiVersion when the api-version is unknown", async () => {
    const response = await post({ kind: "text", content: "Hi" }, { apiVersion: "2019-01-01" });

    expect(response.status).toBe("400");
    expect(response.headers["x-ms-error-code"]).toBe("UnsupportedApiVersion");
  });

  it("replays the original answer marked accepted when the same request ID and body are sent again", async () => {
    const headers = repeatabilityHeaders();

    const first = await post({ kind: "text", content: "Hi" }, { headers });
    const second = await post({ kind: "text", content: "Hi" }, { headers });

    expect(first.status).toBe("202");
    expect(second.status).toBe("202");
    expect(second.body).toEqual(first.body);
    expect(first.headers["repeatability-result"]).toBe("accepted");
    expect(second.headers["repeatability-result"]).toBe("accepted");
    expect(emulator.sent).toHaveLength(1);
  });

  it("replays a refusal when a refused request is repeated", async () => {
    const headers = repeatabilityHeaders();

    await post({ to: ["12345"], kind: "text", content: "Hi" }, { headers });
    const again = await post({ to: ["12345"], kind: "text", content: "Hi" }, { headers });

    expect(again.status).toBe("400");
    expect(again.headers["repeatability-result"]).toBe("accepted");
    expect(again.headers["x-ms-error-code"]).toBe("InvalidRecipient");
  });

  it("answers 400 rejected when a request ID is reused for a different body", async () => {
    const headers = repeatabilityHeaders();

    await post({ kind: "text", content: "Hi" }, { headers });
    const reused = await post({ kind: "text", content: "Something else" }, { headers });

    expect(reused.status).toBe("400");
    expect(reused.headers["repeatability-result"]).toBe("rejected");
    expect(emulator.sent).toHaveLength(1);
  });

  it("answers 412 rejected when Repeatability-First-Sent is older than the 5 minute window", async () => {
    const response = await post(
      { kind: "text", content: "Hi" },
      { headers: repeatabilityHeaders(randomUUID(), new Date(Date.now() - 6 * 60 * 1000)) },
    );

    expect(response.status).toBe("412");
    expect(response.headers["repeatability-result"]).toBe("rejected");
    expect(emulator.sent).toHaveLength(0);
  });

  it("answers 400 rejected when Repeatability-First-Sent is not an HTTP date", async () => {
    const response = await post(
      { kind: "text", content: "Hi" },
      { headers: { "Repeatability-Request-ID": randomUUID(), "Repeatability-First-Sent": new Date().toISOString() } },
    );

    expect(response.status).toBe("400");
    expect(response.headers["repeatability-result"]).toBe("rejected");
  });

  it("calls onSent listeners with the accepted message when a send is accepted", async () => {
    const received: SentMessage[] = [];
    const unsubscribe = emulator.onSent((message) => void received.push(message));

    await post({ kind: "text", content: "Hi" });
    await new Promise((resolve) => setImmediate(resolve));
    unsubscribe();
    await post({ kind: "text", content: "Again" });
    await new Promise((resolve) => setImmediate(resolve));

    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      to: TEST_PHONE,
      kind: "text",
      channelId: TEST_CHANNEL_ID,
      apiVersion: "2024-08-30",
    });
  });

  it("answers 404 in the ACS error shape when the route is unknown", async () => {
    const response = await fetch(`${emulator.url}/messages/nope?api-version=2024-08-30`);

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "NotFound" } });
  });
});
