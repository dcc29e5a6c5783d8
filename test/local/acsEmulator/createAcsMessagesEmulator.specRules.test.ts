// What the published ACS Messages contract allows and refuses, checked against the emulator over HTTP with the SDK.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAcsMessagesClient, type AcsMessagesClient } from "../../../lib/adapters/acs/createAcsMessagesClient";
import {
  createAcsMessagesEmulator,
  type AcsMessagesEmulator,
} from "../../../local/acsEmulator/createAcsMessagesEmulator";
import { EMULATED_API_VERSIONS, READ_RECEIPT_API_VERSIONS } from "../../../local/acsEmulator/validateNotification";
import { TEST_BSUID, TEST_CHANNEL_ID, TEST_PHONE } from "../../support/acsEmulatorHarness";
import { publishedSends, publishedTemplateListings, type PublishedSend } from "../../support/publishedExamples";

let emulator: AcsMessagesEmulator;
let client: AcsMessagesClient;

/** The channel registration ID of every REST spec example, and of the BSUID article's send examples. */
const SPEC_CHANNEL_ID = "0f0eb78e-a576-1dfc-b414-0f0756de3338";
const DOCS_CHANNEL_ID = "11111111-1111-1111-1111-111111111111";
/** The template the spec's template send examples name. */
const SPEC_TEMPLATE = { name: "example", language: "en" };

/** The published send examples of the api-versions the emulator serves (the docs' name none: the SDK default). */
const SERVED_SENDS = publishedSends().filter(
  (send) => send.apiVersion === undefined || EMULATED_API_VERSIONS[send.apiVersion] !== undefined,
);

/** `TemplateOperations_ListTemplates` examples of served versions; all list the same published item. */
const SERVED_LISTINGS = publishedTemplateListings().filter(
  (listing) =>
    listing.operationId === "TemplateOperations_ListTemplates" &&
    EMULATED_API_VERSIONS[listing.apiVersion] !== undefined,
);
const PUBLISHED_ITEMS =
  (SERVED_LISTINGS[0]?.response.body as { value: Record<string, unknown>[] } | undefined)?.value ?? [];

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({
    channels: [TEST_CHANNEL_ID, SPEC_CHANNEL_ID, DOCS_CHANNEL_ID],
    templates: [
      SPEC_TEMPLATE,
      { name: "login_code", language: "en_US", category: "AUTHENTICATION" },
      { name: "order_shipped", language: "en_US", category: "UTILITY" },
      {
        // Authentication by its listing alone: WhatsApp's OTP button, no category given.
        name: "one_tap_code",
        language: "en_US",
        components: [{ type: "BUTTONS", buttons: [{ type: "otp", otp_type: "one_tap", text: "Autofill" }] }],
      },
      // As published: listed with the example's content verbatim.
      ...PUBLISHED_ITEMS.map((item) => ({
        name: item.name as string,
        language: item.language as string,
        content: item.content,
        channelId: SPEC_CHANNEL_ID,
      })),
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

/** Posts a published send example to its operation's route, with its api-version when it names one. */
function postPublished(send: PublishedSend) {
  const path =
    send.operationId === "ReadReceiptsOperations_Send" ? "/messages/readreceipts:send" : "/messages/notifications:send";
  return client.pathUnchecked(path).post({
    body: send.body,
    ...(send.apiVersion === undefined ? {} : { queryParameters: { "api-version": send.apiVersion } }),
  });
}

describe("createAcsMessagesEmulator with the spec's own examples", () => {
  it("has a published send example for every api-version it serves but 2025-03-01-preview", () => {
    // The spec publishes no send example for 2025-03-01-preview.
    const covered = new Set(SERVED_SENDS.map((send) => send.apiVersion));
    expect(Object.keys(EMULATED_API_VERSIONS).filter((version) => !covered.has(version))).toEqual([
      "2025-03-01-preview",
    ]);
    expect(covered.has(undefined)).toBe(true);
    expect(SERVED_LISTINGS.length).toBeGreaterThan(0);
  });

  it.each(SERVED_SENDS.map((send) => [send.entry.file, send] as const))(
    "answers 202 when %s is sent as published",
    async (_file, send) => {
      const response = await postPublished(send);

      expect(response.body, JSON.stringify(response.body)).toEqual(
        send.operationId === "ReadReceiptsOperations_Send"
          ? undefined
          : { receipts: [{ messageId: emulator.sent[0]?.messageId, to: (send.body.to as string[])[0] }] },
      );
      expect(response.status).toBe(String(send.expectedStatus ?? 202));
    },
  );

  it.each([
    [
      "image_v0 (MediaNotificationContent)",
      "2024-08-30",
      { kind: "image_v0", mediaUri: "https://example.com/a.jpg", content: "c" },
    ],
    [
      "image_v0 (MediaNotificationContent)",
      "2025-09-01-preview",
      { kind: "image_v0", mediaUri: "https://example.com/a.jpg" },
    ],
    [
      "status (StatusNotificationContent)",
      "2025-09-01-preview",
      { kind: "status", status: "read", messageId: "320fc2a1-4c4b-4387-9c1a-bd38b57795de", typingIndicator: true },
    ],
  ])("answers 202 when a %s body the spec defines is sent with %s", async (_model, apiVersion, body) => {
    const response = await post({ to: ["14250000000"], ...body }, { apiVersion });

    expect(response.status).toBe("202");
    expect(emulator.sent.map((sent) => sent.kind)).toEqual([body.kind]);
  });

  it("records the read receipt and answers 202 with no body when the published read receipt is sent", async () => {
    const receipt = SERVED_SENDS.find((send) => send.operationId === "ReadReceiptsOperations_Send");
    expect(receipt?.apiVersion !== undefined && READ_RECEIPT_API_VERSIONS.has(receipt.apiVersion)).toBe(true);

    const response = await postPublished(receipt!);

    expect(response.status).toBe("202");
    expect(emulator.readReceipts).toEqual([
      {
        channelId: SPEC_CHANNEL_ID,
        messageId: receipt!.body.messageId,
        typingIndicator: true,
        receivedAt: expect.any(Date),
      },
    ]);
    expect(emulator.sent).toHaveLength(0);
  });

  it.each(SERVED_LISTINGS.map((listing) => [listing.entry.file, listing] as const))(
    "lists the channel's templates exactly as %s does when given that example's content",
    async (_file, listing) => {
      const response = await client
        .path("/messages/channels/{channelId}/templates", SPEC_CHANNEL_ID)
        .get({ queryParameters: { "api-version": listing.apiVersion } });

      expect(response.status).toBe("200");
      const value = (response.body as unknown as { value: { name: string }[] }).value;
      const published = (listing.response.body as { value: { name: string }[] }).value;
      const names = new Set(published.map((item) => item.name));
      expect(value.filter((item) => names.has(item.name))).toEqual(published);
    },
  );

  it("lists every template with components as content, no category, and an OTP button on authentication ones", async () => {
    const response = await client
      .path("/messages/channels/{channelId}/templates", TEST_CHANNEL_ID)
      .get({ queryParameters: { "api-version": "2025-09-01-preview" } });

    const value = (response.body as unknown as { value: Record<string, unknown>[] }).value;
    expect(value.map((item) => item.name)).toEqual(["example", "login_code", "order_shipped", "one_tap_code"]);
    for (const item of value) {
      expect(Object.keys(item).sort()).toEqual(["content", "kind", "language", "name", "status"]);
      expect(Array.isArray(item.content)).toBe(true);
    }
    expect(JSON.stringify(value)).not.toMatch(/category/i);
    const buttonsOf = (name: string) =>
      (value.find((item) => item.name === name)?.content as { type: string; buttons?: unknown[] }[])
        .filter((component) => component.type === "BUTTONS")
        .flatMap((component) => component.buttons);
    expect(buttonsOf("login_code")).toEqual([{ type: "OTP", otp_type: "COPY_CODE", text: "Copy code" }]);
    expect(buttonsOf("order_shipped")).toEqual([]);
  });
});

describe("createAcsMessagesEmulator refusing what ACS refuses", () => {
  const listMessage = (item: Record<string, unknown>) => ({
    kind: "interactive",
    interactiveMessage: {
      body: { kind: "text", text: "Pick" },
      action: {
        kind: "whatsAppListAction",
        content: { kind: "group", title: "Options", groups: [{ title: "Fast", items: [item] }] },
      },
    },
  });
  const template = (parts: Record<string, unknown>) => ({
    kind: "template",
    template: { ...SPEC_TEMPLATE, ...parts },
  });
  const cases: {
    refusal: string;
    body: Record<string, unknown>;
    apiVersion?: string;
    to?: string;
    code: string;
    target: string;
  }[] = [
    {
      refusal: "a list row has no description (ActionGroupItem, 2025-09-01-preview)",
      body: listMessage({ id: "express", title: "Express" }),
      apiVersion: "2025-09-01-preview",
      code: "InvalidRequestBody",
      target: "interactiveMessage.action.content.groups[0].items[0].description",
    },
    {
      refusal: "a list row has no description (ActionGroupItem, 2025-01-15-preview)",
      body: listMessage({ id: "express", title: "Express" }),
      apiVersion: "2025-01-15-preview",
      code: "InvalidRequestBody",
      target: "interactiveMessage.action.content.groups[0].items[0].description",
    },
    {
      refusal: "a text value has no text (MessageTemplateText)",
      body: template({ values: [{ name: "userName", kind: "text" }] }),
      code: "InvalidRequestBody",
      target: "template.values[0].text",
    },
    {
      refusal: "an image value has no url (MessageTemplateImage)",
      body: template({ values: [{ name: "header", kind: "image", caption: "c" }] }),
      code: "InvalidRequestBody",
      target: "template.values[0].url",
    },
    {
      refusal: "a location value has no latitude (MessageTemplateLocation)",
      body: template({ values: [{ name: "shop", kind: "location", longitude: -122.3 }] }),
      code: "InvalidRequestBody",
      target: "template.values[0].latitude",
    },
    {
      refusal: "a button binding has no subType (WhatsAppMessageTemplateBindingsButton)",
      body: template({
        values: [{ name: "track", kind: "quickAction", payload: "t-1" }],
        bindings: { kind: "whatsApp", buttons: [{ refValue: "track" }] },
      }),
      code: "InvalidRequestBody",
      target: "template.bindings.buttons[0].subType",
    },
    {
      refusal: "a body binding has no refValue (WhatsAppMessageTemplateBindingsComponent)",
      body: template({ bindings: { kind: "whatsApp", body: [{}] } }),
      code: "InvalidRequestBody",
      target: "template.bindings.body[0].refValue",
    },
    {
      refusal: "the template name is not in the channel's listing",
      body: { kind: "template", template: { name: "not_listed", language: "en" } },
      code: "132001",
      target: "template.name",
    },
    {
      refusal: "the template is listed in another language only",
      body: { kind: "template", template: { name: "example", language: "en_US" } },
      code: "132001",
      target: "template.name",
    },
    {
      refusal: "a read receipt's status is not read (StatusNotificationContent)",
      body: { kind: "status", status: "delivered", messageId: "320fc2a1-4c4b-4387-9c1a-bd38b57795de" },
      apiVersion: "2025-09-01-preview",
      code: "InvalidRequestBody",
      target: "status",
    },
    {
      refusal: "a read receipt has no messageId (StatusNotificationContent)",
      body: { kind: "status", status: "read" },
      apiVersion: "2025-09-01-preview",
      code: "InvalidRequestBody",
      target: "messageId",
    },
    {
      refusal: "the api-version predates the status kind",
      body: { kind: "status", status: "read", messageId: "m1" },
      apiVersion: "2025-04-01-preview",
      code: "UnsupportedMessageKind",
      target: "kind",
    },
    {
      refusal: "image_v0 is sent with 2024-02-01, where image is still that model",
      body: { kind: "image_v0", mediaUri: "https://example.com/image.jpg" },
      apiVersion: "2024-02-01",
      code: "UnsupportedMessageKind",
      target: "kind",
    },
    {
      refusal: "an authentication template is sent to a BSUID",
      body: { kind: "template", template: { name: "login_code", language: "en_US" } },
      to: TEST_BSUID,
      code: "131062",
      target: "to",
    },
    {
      refusal: "a template listed with an OTP button is sent to a BSUID",
      body: { kind: "template", template: { name: "one_tap_code", language: "en_US" } },
      to: TEST_BSUID,
      code: "131062",
      target: "to",
    },
  ];

  it.each(cases.map((c) => [c.refusal, c] as const))(
    "answers 400 in ACS's error shape when %s",
    async (_refusal, { body, apiVersion, to, code, target }) => {
      const response = await post({ ...body, ...(to === undefined ? {} : { to: [to] }) }, { apiVersion });

      expect(response.status).toBe("400");
      expect(response.headers["x-ms-error-code"]).toBe(code);
      expect(response.body).toEqual({ error: { code, message: expect.any(String), target } });
      expect(emulator.sent).toHaveLength(0);
    },
  );

  it.each([
    [
      "the messageId is missing (ReadReceiptContent)",
      "2025-09-01-preview",
      {},
      "400",
      "InvalidRequestBody",
      "messageId",
    ],
    [
      "typingIndicator is not a boolean (ReadReceiptContent)",
      "2025-09-01-preview",
      { messageId: "m1", typingIndicator: "yes" },
      "400",
      "InvalidRequestBody",
      "typingIndicator",
    ],
    ["the api-version has no read receipts", "2025-04-01-preview", { messageId: "m1" }, "404", "NotFound", undefined],
  ])(
    "answers a read receipt in ACS's error shape when %s",
    async (_refusal, apiVersion, body, status, code, target) => {
      const response = await client.pathUnchecked("/messages/readreceipts:send").post({
        body: { channelRegistrationId: TEST_CHANNEL_ID, ...body },
        queryParameters: { "api-version": apiVersion },
      });

      expect(response.status).toBe(status);
      expect(response.headers["x-ms-error-code"]).toBe(code);
      expect(response.body).toEqual({
        error: { code, message: expect.any(String), ...(target === undefined ? {} : { target }) },
      });
      expect(emulator.readReceipts).toHaveLength(0);
    },
  );

  it("answers 202 when an authentication template goes to a phone number", async () => {
    const response = await post({
      to: ["14255551234"],
      kind: "template",
      template: { name: "login_code", language: "en_US" },
    });

    expect(response.status).toBe("202");
  });
});
