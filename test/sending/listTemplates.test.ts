import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAcsMessagesClient, type AcsMessagesClient } from "../../lib/sending/createAcsMessagesClient";
import { listTemplates } from "../../lib/sending/listTemplates";
import { UpstreamError } from "../../lib/sending/UpstreamError";
import { createAcsMessagesEmulator, type AcsMessagesEmulator } from "../../local/acsEmulator/createAcsMessagesEmulator";
import { TEST_CHANNEL_ID, UNKNOWN_CHANNEL_ID } from "../support/acsEmulatorHarness";

const OTHER_CHANNEL_ID = "22222222-2222-4222-8222-222222222222";

let emulator: AcsMessagesEmulator;
let client: AcsMessagesClient;

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({
    channels: [TEST_CHANNEL_ID, OTHER_CHANNEL_ID],
    templates: [
      { name: "login_code", language: "en_US", category: "AUTHENTICATION" },
      { name: "order_shipped", language: "en_US", category: "UTILITY" },
      { name: "spring_sale", language: "en", category: "MARKETING", status: "pending" },
      { name: "other_channel_only", language: "en", category: "UTILITY", channelId: OTHER_CHANNEL_ID },
    ],
  });
  client = createAcsMessagesClient(
    { kind: "connectionString", connectionString: emulator.connectionString },
    { retryOptions: { maxRetries: 0 } },
  );
});

afterAll(async () => {
  await emulator.close();
});

describe("listTemplates", () => {
  it("lists the channel's templates with category and status when they span several pages", async () => {
    const templates = await listTemplates(client, TEST_CHANNEL_ID, { maxPageSize: 1 });

    expect(templates).toEqual([
      { name: "login_code", language: "en_US", status: "approved", category: "AUTHENTICATION", isAuthentication: true },
      { name: "order_shipped", language: "en_US", status: "approved", category: "UTILITY", isAuthentication: false },
      { name: "spring_sale", language: "en", status: "pending", category: "MARKETING", isAuthentication: false },
    ]);
    expect(emulator.requests.filter((r) => r.path.endsWith("/templates"))).toHaveLength(3);
  });

  it("throws UpstreamError 404 when the channel is unknown", async () => {
    const error = await listTemplates(client, UNKNOWN_CHANNEL_ID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 404, acsErrorCode: "ChannelNotFound" });
  });
});
