import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAcsMessagesClient, type AcsMessagesClient } from "../../../lib/adapters/acs/createAcsMessagesClient";
import { listTemplates } from "../../../lib/adapters/acs/listTemplates";
import { UpstreamError } from "../../../lib/domain/messaging/sendErrors";
import {
  createAcsMessagesEmulator,
  type AcsMessagesEmulator,
  type EmulatorTemplate,
} from "../../../local/acsEmulator/createAcsMessagesEmulator";
import { TEST_CHANNEL_ID, UNKNOWN_CHANNEL_ID } from "../../support/acsEmulatorHarness";
import { publishedTemplateListings } from "../../support/publishedExamples";

const OTHER_CHANNEL_ID = "22222222-2222-4222-8222-222222222222";
const ODD_CHANNEL_ID = "33333333-3333-4333-8333-333333333333";

/** Listed with `content` as given, the way ACS passes WhatsApp's payload on. */
const listed = (name: string, content: unknown): EmulatorTemplate => ({
  name,
  language: "en_US",
  content,
  channelId: ODD_CHANNEL_ID,
});

let emulator: AcsMessagesEmulator;
let client: AcsMessagesClient;

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({
    channels: [TEST_CHANNEL_ID, OTHER_CHANNEL_ID, ODD_CHANNEL_ID],
    templates: [
      { name: "login_code", language: "en_US", category: "AUTHENTICATION", channelId: TEST_CHANNEL_ID },
      { name: "order_shipped", language: "en_US", category: "UTILITY", channelId: TEST_CHANNEL_ID },
      { name: "spring_sale", language: "en", category: "MARKETING", status: "pending", channelId: TEST_CHANNEL_ID },
      { name: "other_channel_only", language: "en", category: "UTILITY", channelId: OTHER_CHANNEL_ID },
      listed("published_shape", [
        { type: "BODY", text: "Your package has been shipped. It will be delivered in {{1}} business days." },
        { type: "FOOTER", text: "This message is from an unverified business." },
      ]),
      listed("copy_code", [{ type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "COPY_CODE", text: "Copy code" }] }]),
      listed("meta_object", { name: "meta_object", category: "AUTHENTICATION", components: [{ type: "BODY" }] }),
      listed("unreadable", "<template payload>"),
      listed("null_content", null),
      listed("junk_components", [null, 1, { type: "BUTTONS", buttons: "OTP" }]),
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
  it("lists the channel's templates with their status when they span several pages", async () => {
    const templates = await listTemplates(client, TEST_CHANNEL_ID, { maxPageSize: 1 });

    expect(templates.map(({ name, language, status }) => ({ name, language, status }))).toEqual([
      { name: "login_code", language: "en_US", status: "approved" },
      { name: "order_shipped", language: "en_US", status: "approved" },
      { name: "spring_sale", language: "en", status: "pending" },
    ]);
    expect(emulator.requests.filter((r) => r.path === `/messages/channels/${TEST_CHANNEL_ID}/templates`)).toHaveLength(
      3,
    );
  });

  it("recognises the authentication template from its OTP button when ACS lists no category", async () => {
    const templates = await listTemplates(client, TEST_CHANNEL_ID);

    expect(templates.map(({ name, category, isAuthentication }) => ({ name, category, isAuthentication }))).toEqual([
      { name: "login_code", category: undefined, isAuthentication: true },
      { name: "order_shipped", category: undefined, isAuthentication: false },
      { name: "spring_sale", category: undefined, isAuthentication: false },
    ]);
  });

  it("reads every listed shape and keeps the unreadable ones as not authentication when paging one by one", async () => {
    const templates = await listTemplates(client, ODD_CHANNEL_ID, { maxPageSize: 1 });

    expect(Object.fromEntries(templates.map((t) => [t.name, t.isAuthentication]))).toEqual({
      published_shape: false,
      copy_code: true,
      meta_object: true,
      unreadable: false,
      null_content: false,
      junk_components: false,
    });
    expect(templates.find((t) => t.name === "meta_object")?.category).toBe("AUTHENTICATION");
  });

  const pages = publishedTemplateListings().filter((listing) =>
    Array.isArray((listing.response.body as { value?: unknown }).value),
  );
  it.each(pages.map((listing) => [listing.entry.file, listing] as const))(
    "reads the page of %s as published, following its nextLink",
    async (_file, listing) => {
      const page = listing.response.body as { value: { name: string }[]; nextLink: string | null };
      const stub = await startStub((url) => (url.includes("continuationToken") ? { value: [] } : page));
      try {
        const templates = await listTemplates(stub.client, "0f0eb78e-a576-1dfc-b414-0f0756de3338");

        expect(templates.map((t) => [t.name, t.isAuthentication])).toEqual(
          page.value.map((item) => [item.name, false]),
        );
        expect(stub.urls).toHaveLength(page.nextLink === null ? 1 : 2);
      } finally {
        await stub.close();
      }
    },
  );

  it.each([
    ["a value that is not an array", { value: { name: "login_code" } }],
    ["no value", {}],
    ["a null nextLink, as the published examples have", { value: [], nextLink: null }],
  ])("returns no templates without throwing when the page holds %s", async (_shape, page) => {
    const stub = await startStub(() => page);
    try {
      expect(await listTemplates(stub.client, TEST_CHANNEL_ID)).toEqual([]);
    } finally {
      await stub.close();
    }
  });

  it("throws UpstreamError 404 when the channel is unknown", async () => {
    const error = await listTemplates(client, UNKNOWN_CHANNEL_ID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 404, acsErrorCode: "ChannelNotFound" });
  });
});

/** A stand-in answering each request (whatever its signature) with the JSON `pageFor` gives for its URL. */
async function startStub(pageFor: (url: string) => unknown) {
  const urls: string[] = [];
  const server = createServer((req, res) => {
    urls.push(req.url ?? "");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(pageFor(req.url ?? "")));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const client = createAcsMessagesClient(
    {
      kind: "connectionString",
      connectionString: `endpoint=http://127.0.0.1:${port}/;accesskey=${emulator.accessKey}`,
    },
    { retryOptions: { maxRetries: 0 } },
  );
  return {
    client,
    urls,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
