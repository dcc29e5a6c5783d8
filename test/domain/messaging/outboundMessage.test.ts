import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../lib/core/errors";
import {
  checkSendRequestShape,
  parseOutboundMessage,
  type OutboundMessage,
} from "../../../lib/domain/messaging/outboundMessage";
import { apiVersionFor } from "../../../lib/adapters/acs/toNotificationContent";

function fieldOf(body: unknown): string | undefined {
  try {
    parseOutboundMessage(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  return undefined;
}

const buttons = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `b${i}`, title: `Button ${i}` }));
const rows = (count: number, prefix = "r") =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, title: `Row ${i}`, description: `About ${i}` }));

describe("parseOutboundMessage", () => {
  it.each<OutboundMessage>([
    { kind: "text", text: "Hello" },
    { kind: "image", mediaUrl: "https://example.com/a.png", caption: "c" },
    { kind: "video", mediaUrl: "https://example.com/a.mp4" },
    { kind: "audio", mediaUrl: "https://example.com/a.ogg" },
    { kind: "document", mediaUrl: "https://example.com/a.pdf", fileName: "a.pdf" },
    {
      kind: "template",
      name: "order_shipped",
      language: "en_US",
      values: [
        { kind: "text", name: "days", text: "3" },
        { kind: "location", name: "shop", latitude: 47.6, longitude: -122.3 },
      ],
      bindings: { kind: "whatsApp", body: [{ refValue: "days" }], header: [{ refValue: "shop" }] },
    },
    { kind: "interactive", body: "Pick", footer: "f", action: { type: "buttons", buttons: buttons(3) } },
    {
      kind: "interactive",
      body: "Pick",
      header: { type: "text", text: "Head" },
      action: { type: "list", title: "Open", sections: [{ title: "S", rows: rows(10) }] },
    },
    { kind: "interactive", body: "Go", action: { type: "url", title: "Open", url: "https://example.com" } },
    { kind: "reaction", messageId: "wamid.HBgLMTQyNTU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", emoji: "❤️" },
    { kind: "sticker", mediaUrl: "https://example.com/s.webp?sig=abc" },
  ])("returns the same $kind message when it is valid", (message) => {
    expect(parseOutboundMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
  });

  it("drops unknown properties when parsing", () => {
    expect(parseOutboundMessage({ kind: "text", text: "Hi", extra: { evil: true } })).toEqual({
      kind: "text",
      text: "Hi",
    });
  });

  it("names the field when the text is longer than 4096 characters", () => {
    expect(fieldOf({ kind: "text", text: "x".repeat(4097) })).toBe("message.text");
  });

  it("counts an emoji once when checking the text length", () => {
    expect(parseOutboundMessage({ kind: "text", text: "😀".repeat(4096) }).kind).toBe("text");
  });

  it("names the field when the kind is unknown or missing", () => {
    expect(fieldOf({ kind: "location" })).toBe("message.kind");
    expect(fieldOf({ text: "Hi" })).toBe("message.kind");
    expect(fieldOf("Hi")).toBe("message");
  });

  it("names the field when there are more than 3 reply buttons", () => {
    expect(fieldOf({ kind: "interactive", body: "b", action: { type: "buttons", buttons: buttons(4) } })).toBe(
      "message.action.buttons",
    );
  });

  it("names the field when a button title is longer than 20 characters", () => {
    const action = { type: "buttons", buttons: [{ id: "a", title: "x".repeat(21) }] };
    expect(fieldOf({ kind: "interactive", body: "b", action })).toBe("message.action.buttons[0].title");
  });

  it("names the field when two buttons share an ID", () => {
    const action = {
      type: "buttons",
      buttons: [
        { id: "a", title: "A" },
        { id: "a", title: "B" },
      ],
    };
    expect(fieldOf({ kind: "interactive", body: "b", action })).toBe("message.action.buttons[1].id");
  });

  it("names the row when a list holds more than 10 rows across its sections", () => {
    const action = {
      type: "list",
      title: "Open",
      sections: [
        { title: "A", rows: rows(6, "a") },
        { title: "B", rows: rows(5, "b") },
      ],
    };
    expect(fieldOf({ kind: "interactive", body: "b", action })).toBe("message.action.sections[1].rows[4]");
  });

  it("names the field when a list message has a media header", () => {
    const action = { type: "list", title: "Open", sections: [{ title: "A", rows: rows(1) }] };
    const header = { type: "image", mediaUrl: "https://example.com/a.png" };
    expect(fieldOf({ kind: "interactive", body: "b", header, action })).toBe("message.header.type");
  });

  it("names the field when a media URL is plain HTTP on a public host", () => {
    expect(fieldOf({ kind: "image", mediaUrl: "http://example.com/a.png" })).toBe("message.mediaUrl");
    expect(
      fieldOf({ kind: "interactive", body: "b", action: { type: "url", title: "t", url: "http://example.com" } }),
    ).toBe("message.action.url");
    expect(fieldOf({ kind: "image", mediaUrl: "ftp://example.com/a.png" })).toBe("message.mediaUrl");
    expect(fieldOf({ kind: "image", mediaUrl: "/a.png" })).toBe("message.mediaUrl");
  });

  it("accepts loopback URLs, plain HTTP too, when the provider runs on this machine", () => {
    for (const mediaUrl of ["http://127.0.0.1:7071/a.png", "http://localhost/a.png", "http://[::1]/a.png"]) {
      expect(parseOutboundMessage({ kind: "image", mediaUrl }, "message", { allowLoopbackUrls: true })).toEqual({
        kind: "image",
        mediaUrl,
      });
    }
  });

  it.each([
    "http://127.0.0.1:7071/a.png",
    "https://127.0.0.1/a.png",
    "https://localhost/a.png",
    "http://[::1]/a.png",
    "https://LOCALHOST:8443/a.png",
  ])("refuses %s as a media URL when the provider is real ACS (the default)", (mediaUrl) => {
    expect(fieldOf({ kind: "image", mediaUrl })).toBe("message.mediaUrl");
    expect(() => parseOutboundMessage({ kind: "image", mediaUrl })).toThrow(/localhost|https/);
  });

  it("refuses a loopback link in a template value when the provider is real ACS", () => {
    const body = {
      kind: "template",
      name: "t",
      language: "en",
      values: [{ kind: "image", name: "header", url: "https://localhost/a.png" }],
    };
    expect(fieldOf(body)).toBe("message.values[0].url");
  });

  it("names the field when an audio message has a caption", () => {
    expect(fieldOf({ kind: "audio", mediaUrl: "https://example.com/a.ogg", caption: "c" })).toBe("message.caption");
  });

  it("names the field when a sticker is not a WebP file", () => {
    expect(fieldOf({ kind: "sticker", mediaUrl: "https://example.com/s.png" })).toBe("message.mediaUrl");
  });

  it("names the field when a template binding refers to an unknown value", () => {
    const body = {
      kind: "template",
      name: "order_shipped",
      language: "en_US",
      values: [{ kind: "text", name: "days", text: "3" }],
      bindings: { kind: "whatsApp", body: [{ refValue: "weeks" }] },
    };
    expect(fieldOf(body)).toBe("message.bindings.body[0].refValue");
  });

  it("names the field when the template name or language is malformed", () => {
    expect(fieldOf({ kind: "template", name: "Order Shipped", language: "en_US" })).toBe("message.name");
    expect(fieldOf({ kind: "template", name: "order_shipped", language: "english" })).toBe("message.language");
  });

  // What ACS refuses (models of the Messages TypeSpec), refused here first so the request never leaves the app.
  const template = { kind: "template", name: "order_shipped", language: "en_US" };
  const listOf = (row: Record<string, unknown>) => ({
    kind: "interactive",
    body: "Pick",
    action: { type: "list", title: "Open", sections: [{ title: "S", rows: [row] }] },
  });
  it.each([
    {
      refusal: "a list row has no description (ActionGroupItem)",
      body: listOf({ id: "r0", title: "Row" }),
      field: "message.action.sections[0].rows[0].description",
    },
    {
      refusal: "a list row's description is empty (ActionGroupItem)",
      body: listOf({ id: "r0", title: "Row", description: " " }),
      field: "message.action.sections[0].rows[0].description",
    },
    {
      refusal: "a text value has no text (MessageTemplateText)",
      body: { ...template, values: [{ kind: "text", name: "days" }] },
      field: "message.values[0].text",
    },
    {
      refusal: "a document value has no url (MessageTemplateDocument)",
      body: { ...template, values: [{ kind: "document", name: "invoice", fileName: "a.pdf" }] },
      field: "message.values[0].url",
    },
    {
      refusal: "a location value has no longitude (MessageTemplateLocation)",
      body: { ...template, values: [{ kind: "location", name: "shop", latitude: 47.6 }] },
      field: "message.values[0].longitude",
    },
    {
      refusal: "a value has no name (MessageTemplateValue)",
      body: { ...template, values: [{ kind: "text", text: "3" }] },
      field: "message.values[0].name",
    },
    {
      refusal: "a button binding has no subType (WhatsAppMessageTemplateBindingsButton)",
      body: {
        ...template,
        values: [{ kind: "quickAction", name: "track", payload: "t-1" }],
        bindings: { kind: "whatsApp", buttons: [{ refValue: "track" }] },
      },
      field: "message.bindings.buttons[0].subType",
    },
    {
      refusal: "a body binding has no refValue (WhatsAppMessageTemplateBindingsComponent)",
      body: {
        ...template,
        values: [{ kind: "text", name: "days", text: "3" }],
        bindings: { kind: "whatsApp", body: [{}] },
      },
      field: "message.bindings.body[0].refValue",
    },
    {
      refusal: "a reaction has no emoji (ReactionNotificationContent)",
      body: { kind: "reaction", messageId: "wamid.abc" },
      field: "message.emoji",
    },
  ])("names $field when $refusal", ({ body, field }) => {
    expect(fieldOf(body)).toBe(field);
  });

  it("says the field is required when it is missing", () => {
    expect(() => parseOutboundMessage(listOf({ id: "r0", title: "Row" }))).toThrow(
      "message.action.sections[0].rows[0].description is required",
    );
  });

  it("names the field under the given prefix when one is passed", () => {
    expect(() => parseOutboundMessage({ kind: "text", text: "" }, "reply")).toThrow(
      expect.objectContaining({ field: "reply.text" }),
    );
  });
});

describe("checkSendRequestShape", () => {
  const text = { kind: "text", text: "Hi" };
  it.each<[string, unknown, string]>([
    ["the body is an array", [text], "body"],
    ["the recipient is missing", { message: text }, "recipient"],
    ["the recipient names no known identifier", { recipient: { email: "a@example.com" }, message: text }, "recipient"],
    ["the recipient names two identifiers", { recipient: { bsuid: "US.1", phone: "+1" }, message: text }, "recipient"],
    ["the BSUID is a number", { recipient: { bsuid: 1 }, message: text }, "recipient.bsuid"],
    ["the channelId is a number", { recipient: { bsuid: "US.1" }, channelId: 7, message: text }, "channelId"],
    ["the message is missing", { recipient: { bsuid: "US.1" } }, "message"],
    [
      "the message text is blank",
      { recipient: { bsuid: "US.1" }, message: { kind: "text", text: " " } },
      "message.text",
    ],
  ])("names %s as field %s", (_, body, field) => {
    expect(() => checkSendRequestShape(body)).toThrow(expect.objectContaining({ field }));
  });

  it("accepts a well-formed body and leaves its unknown properties in place", () => {
    const body = { recipient: { phone: "+14255550123" }, message: { ...text, extra: 1 }, note: "x" };
    checkSendRequestShape(body);
    expect(body).toEqual({ recipient: { phone: "+14255550123" }, message: { ...text, extra: 1 }, note: "x" });
  });
});

describe("apiVersionFor", () => {
  it("keeps the client's api-version for SDK-typed kinds and pins the preview for the others", () => {
    expect(apiVersionFor("text")).toBeUndefined();
    expect(apiVersionFor("template")).toBeUndefined();
    expect(apiVersionFor("interactive")).toBe("2025-09-01-preview");
    expect(apiVersionFor("reaction")).toBe("2025-09-01-preview");
    expect(apiVersionFor("sticker")).toBe("2025-09-01-preview");
  });
});
