import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RuleRefusalError, TransientError, ValidationError } from "../../../lib/core/errors";
import { createLogger } from "../../../lib/core/logging/createLogger";
import { createAcsMessagesClient, type AcsMessagesClient } from "../../../lib/adapters/acs/createAcsMessagesClient";
import { createMessageSender } from "../../../lib/adapters/acs/createMessageSender";
import { type MessageSender } from "../../../lib/domain/messaging/MessageSender";
import type { OutboundMessage } from "../../../lib/domain/messaging/outboundMessage";
import {
  isAuthenticationTemplateRefusal,
  UpstreamError,
  UpstreamTransientError,
} from "../../../lib/domain/messaging/sendErrors";
import {
  createAcsMessagesEmulator,
  type AcsMessagesEmulator,
} from "../../../local/acsEmulator/createAcsMessagesEmulator";
import {
  createMemorySink,
  repeatability,
  TEST_BSUID,
  TEST_CHANNEL_ID,
  TEST_PARENT_BSUID,
  TEST_PHONE,
  UNKNOWN_CHANNEL_ID,
} from "../../support/acsEmulatorHarness";

const PREVIEW = "2025-09-01-preview";
const SDK_DEFAULT = "2024-08-30";

let emulator: AcsMessagesEmulator;
let client: AcsMessagesClient;
let sender: MessageSender;

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({
    channels: [TEST_CHANNEL_ID],
    templates: [
      { name: "login_code", language: "en_US", category: "AUTHENTICATION" },
      { name: "order_shipped", language: "en_US", category: "UTILITY" },
    ],
  });
  client = createAcsMessagesClient(
    { kind: "connectionString", connectionString: emulator.connectionString },
    { retryOptions: { maxRetries: 0 } },
  );
  sender = createMessageSender(client);
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

interface KindCase {
  name: string;
  message: OutboundMessage;
  wire: Record<string, unknown>;
  apiVersion: string;
}

const kindCases: KindCase[] = [
  {
    name: "text",
    message: { kind: "text", text: "Hello 👋" },
    wire: { kind: "text", content: "Hello 👋" },
    apiVersion: SDK_DEFAULT,
  },
  {
    name: "image",
    message: { kind: "image", mediaUrl: "https://example.com/a.png", caption: "A plant" },
    wire: { kind: "image", mediaUri: "https://example.com/a.png", caption: "A plant" },
    apiVersion: SDK_DEFAULT,
  },
  {
    name: "video",
    message: { kind: "video", mediaUrl: "https://example.com/a.mp4" },
    wire: { kind: "video", mediaUri: "https://example.com/a.mp4" },
    apiVersion: SDK_DEFAULT,
  },
  {
    name: "audio",
    message: { kind: "audio", mediaUrl: "https://example.com/a.mp3" },
    wire: { kind: "audio", mediaUri: "https://example.com/a.mp3" },
    apiVersion: SDK_DEFAULT,
  },
  {
    name: "document",
    message: { kind: "document", mediaUrl: "https://example.com/a.pdf", caption: "Invoice", fileName: "invoice.pdf" },
    wire: { kind: "document", mediaUri: "https://example.com/a.pdf", caption: "Invoice", fileName: "invoice.pdf" },
    apiVersion: SDK_DEFAULT,
  },
  {
    name: "template",
    message: {
      kind: "template",
      name: "order_shipped",
      language: "en_US",
      values: [
        { kind: "text", name: "days", text: "3" },
        { kind: "quickAction", name: "track", payload: "track-123" },
      ],
      bindings: {
        kind: "whatsApp",
        body: [{ refValue: "days" }],
        buttons: [{ subType: "quickReply", refValue: "track" }],
      },
    },
    wire: {
      kind: "template",
      template: {
        name: "order_shipped",
        language: "en_US",
        values: [
          { kind: "text", name: "days", text: "3" },
          { kind: "quickAction", name: "track", payload: "track-123" },
        ],
        bindings: {
          kind: "whatsApp",
          body: [{ refValue: "days" }],
          buttons: [{ subType: "quickReply", refValue: "track" }],
        },
      },
    },
    apiVersion: SDK_DEFAULT,
  },
  {
    name: "interactive reply buttons",
    message: {
      kind: "interactive",
      header: { type: "image", mediaUrl: "https://example.com/h.png" },
      body: "Proceed?",
      footer: "Lucky Shrub",
      action: {
        type: "buttons",
        buttons: [
          { id: "yes", title: "Yes" },
          { id: "no", title: "No" },
        ],
      },
    },
    wire: {
      kind: "interactive",
      interactiveMessage: {
        header: { kind: "image", mediaUri: "https://example.com/h.png" },
        body: { kind: "text", text: "Proceed?" },
        footer: { kind: "text", text: "Lucky Shrub" },
        action: {
          kind: "whatsAppButtonAction",
          content: {
            kind: "buttonSet",
            buttons: [
              { id: "yes", title: "Yes" },
              { id: "no", title: "No" },
            ],
          },
        },
      },
    },
    apiVersion: PREVIEW,
  },
  {
    name: "interactive list",
    message: {
      kind: "interactive",
      header: { type: "text", text: "Shipping" },
      body: "Which option?",
      action: {
        type: "list",
        title: "Options",
        sections: [
          {
            title: "Fast",
            rows: [
              { id: "express", title: "Express", description: "Next day" },
              { id: "priority", title: "Priority", description: "Two days" },
            ],
          },
        ],
      },
    },
    wire: {
      kind: "interactive",
      interactiveMessage: {
        header: { kind: "text", text: "Shipping" },
        body: { kind: "text", text: "Which option?" },
        action: {
          kind: "whatsAppListAction",
          content: {
            kind: "group",
            title: "Options",
            groups: [
              {
                title: "Fast",
                items: [
                  { id: "express", title: "Express", description: "Next day" },
                  { id: "priority", title: "Priority", description: "Two days" },
                ],
              },
            ],
          },
        },
      },
    },
    apiVersion: PREVIEW,
  },
  {
    name: "interactive URL button",
    message: {
      kind: "interactive",
      body: "Track it",
      action: { type: "url", title: "Track", url: "https://example.com/t" },
    },
    wire: {
      kind: "interactive",
      interactiveMessage: {
        body: { kind: "text", text: "Track it" },
        action: { kind: "whatsAppUrlAction", content: { kind: "url", title: "Track", url: "https://example.com/t" } },
      },
    },
    apiVersion: PREVIEW,
  },
  {
    name: "reaction",
    message: { kind: "reaction", messageId: "e6265c04-c570-43fd-8be1-74aed7750455", emoji: "👍" },
    wire: { kind: "reaction", emoji: "👍", messageId: "e6265c04-c570-43fd-8be1-74aed7750455" },
    apiVersion: PREVIEW,
  },
  {
    name: "sticker",
    message: { kind: "sticker", mediaUrl: "https://example.com/smile.webp" },
    wire: { kind: "sticker", mediaUri: "https://example.com/smile.webp" },
    apiVersion: PREVIEW,
  },
];

describe("createMessageSender", () => {
  it.each(kindCases)(
    "sends the $name wire shape with api-version $apiVersion when the message is $name",
    async (kindCase) => {
      const result = await sender.send({
        channelId: TEST_CHANNEL_ID,
        to: TEST_PHONE,
        message: kindCase.message,
        ...repeatability(),
      });

      expect(emulator.sent).toHaveLength(1);
      const [sent] = emulator.sent;
      expect(sent?.body).toEqual({ channelRegistrationId: TEST_CHANNEL_ID, to: [TEST_PHONE], ...kindCase.wire });
      expect(sent?.apiVersion).toBe(kindCase.apiVersion);
      expect(result).toEqual({ ok: true, messageId: sent?.messageId, to: TEST_PHONE, repeatabilityResult: "accepted" });
    },
  );

  it("sends a BSUID byte for byte when the recipient is a parent BSUID", async () => {
    const result = await sender.send({
      channelId: TEST_CHANNEL_ID,
      to: TEST_PARENT_BSUID,
      message: { kind: "text", text: "Hi" },
      ...repeatability(),
    });

    expect(emulator.sent[0]?.to).toBe(TEST_PARENT_BSUID);
    expect(result.to).toBe(TEST_PARENT_BSUID);
  });

  it("sends Repeatability-Request-ID and an HTTP-date Repeatability-First-Sent when sending", async () => {
    const firstSent = new Date(Date.now() - 1000);
    const requestId = "5a2b7f5e-3f6d-4c55-9a0d-6b1f6a8f0c11";

    await sender.send({
      channelId: TEST_CHANNEL_ID,
      to: TEST_PHONE,
      message: { kind: "text", text: "Hi" },
      repeatabilityRequestId: requestId,
      repeatabilityFirstSent: firstSent,
    });

    const headers = emulator.sent[0]?.headers;
    expect(headers?.["repeatability-request-id"]).toBe(requestId);
    expect(headers?.["repeatability-first-sent"]).toBe(firstSent.toUTCString());
    expect(headers?.["repeatability-first-sent"]).toMatch(
      /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
  });

  it("answers with the original message ID and sends nothing new when the same request ID is sent again", async () => {
    const request = {
      channelId: TEST_CHANNEL_ID,
      to: TEST_PHONE,
      message: { kind: "text", text: "Once" } as const,
      ...repeatability(),
    };

    const first = await sender.send(request);
    const second = await sender.send(request);

    expect(second).toEqual(first);
    expect(second.repeatabilityResult).toBe("accepted");
    expect(emulator.sent).toHaveLength(1);
    expect(emulator.requests.filter((r) => r.method === "POST")).toHaveLength(2);
  });

  it("throws TransientError with retryAfterSeconds when ACS answers 429 with Retry-After", async () => {
    emulator.failNext({ status: 429, retryAfterSeconds: 7 });

    const error = await sender
      .send({ channelId: TEST_CHANNEL_ID, to: TEST_PHONE, message: { kind: "text", text: "Hi" }, ...repeatability() })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toBeInstanceOf(UpstreamTransientError);
    expect(error).toMatchObject({ retryAfterSeconds: 7, status: 429, code: "acs_throttled", permanent: false });
    expect(emulator.sent).toHaveLength(0);
  });

  it("throws TransientError carrying the ACS error code when ACS answers 500", async () => {
    emulator.failNext({ status: 500, code: "InternalError" });

    const error = await sender
      .send({ channelId: TEST_CHANNEL_ID, to: TEST_PHONE, message: { kind: "text", text: "Hi" }, ...repeatability() })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ status: 500, acsErrorCode: "InternalError", code: "acs_server_error" });
  });

  it("throws TransientError when the connection drops before ACS answers", async () => {
    emulator.failNext({ dropConnection: true });

    const error = await sender
      .send({ channelId: TEST_CHANNEL_ID, to: TEST_PHONE, message: { kind: "text", text: "Hi" }, ...repeatability() })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: "acs_unreachable", permanent: false });
  });

  it("sends the message once when the pipeline retries a 500 with the same repeatability headers", async () => {
    const retrying = createMessageSender(
      createAcsMessagesClient(
        { kind: "connectionString", connectionString: emulator.connectionString },
        { retryOptions: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 } },
      ),
    );
    emulator.failNext({ status: 500 });
    const request = repeatability();

    const result = await retrying.send({
      channelId: TEST_CHANNEL_ID,
      to: TEST_PHONE,
      message: { kind: "text", text: "Hi" },
      ...request,
    });

    expect(emulator.requests.map((r) => r.status)).toEqual([500, 202]);
    expect(emulator.sent).toHaveLength(1);
    expect(emulator.sent[0]?.repeatabilityRequestId).toBe(request.repeatabilityRequestId);
    expect(result.messageId).toBe(emulator.sent[0]?.messageId);
  });

  it("throws UpstreamError with status and ACS error code when ACS refuses an unknown channel", async () => {
    const error = await sender
      .send({
        channelId: UNKNOWN_CHANNEL_ID,
        to: TEST_PHONE,
        message: { kind: "text", text: "Hi" },
        ...repeatability(),
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      status: 400,
      acsErrorCode: "ChannelNotFound",
      target: "channelRegistrationId",
      permanent: true,
    });
  });

  it("throws ValidationError without calling ACS when the recipient is neither E.164 nor a BSUID", async () => {
    for (const to of ["14255551234", "us.123", " +14255551234", "+1 425 555 1234"]) {
      const error = await sender
        .send({ channelId: TEST_CHANNEL_ID, to, message: { kind: "text", text: "Hi" }, ...repeatability() })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: "to" });
    }
    expect(emulator.requests).toHaveLength(0);
  });

  it("throws UpstreamError with WhatsApp code 131062 when an authentication template is sent to a BSUID", async () => {
    const error = await sender
      .send({
        channelId: TEST_CHANNEL_ID,
        to: TEST_BSUID,
        message: { kind: "template", name: "login_code", language: "en_US" },
        ...repeatability(),
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 400, acsErrorCode: "131062", channelErrorCode: "131062", permanent: true });
    expect(isAuthenticationTemplateRefusal(error)).toBe(true);
    expect((error as Error).message).toContain("authentication template");
    expect(emulator.sent).toHaveLength(0);
  });

  it("sends an authentication template when the recipient is a phone number", async () => {
    const result = await sender.send({
      channelId: TEST_CHANNEL_ID,
      to: TEST_PHONE,
      message: { kind: "template", name: "login_code", language: "en_US" },
      ...repeatability(),
    });

    expect(result.ok).toBe(true);
    expect(emulator.sent).toHaveLength(1);
  });

  it("refuses an authentication template to a BSUID before calling ACS when the caller knows the category", async () => {
    const error = await sender
      .send({
        channelId: TEST_CHANNEL_ID,
        to: TEST_BSUID,
        message: { kind: "template", name: "login_code", language: "en_US" },
        templateCategory: "AUTHENTICATION",
        ...repeatability(),
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RuleRefusalError);
    expect(isAuthenticationTemplateRefusal(error)).toBe(true);
    expect(emulator.requests).toHaveLength(0);
  });

  it("logs only masked recipients when sends succeed and fail", async () => {
    const sink = createMemorySink();
    const logged = createMessageSender(client, createLogger(sink));
    emulator.failNext({ status: 500 });

    await logged
      .send({ channelId: TEST_CHANNEL_ID, to: TEST_PHONE, message: { kind: "text", text: "Hi" }, ...repeatability() })
      .catch(() => undefined);
    await logged.send({
      channelId: TEST_CHANNEL_ID,
      to: TEST_BSUID,
      message: { kind: "text", text: "Hi" },
      ...repeatability(),
    });
    await logged
      .send({
        channelId: TEST_CHANNEL_ID,
        to: TEST_BSUID,
        message: { kind: "template", name: "login_code", language: "en_US" },
        ...repeatability(),
      })
      .catch(() => undefined);

    expect(sink.lines.length).toBeGreaterThanOrEqual(3);
    const all = sink.lines.join("\n");
    expect(all).not.toContain(TEST_PHONE);
    expect(all).not.toContain(TEST_PHONE.slice(1));
    expect(all).not.toContain(TEST_BSUID);
    expect(all).toContain("+14******234");
  });
});
