import { describe, expect, it } from "vitest";
import { RuleRefusalError } from "../../../lib/core/errors";
import {
  assertCustomerServiceWindow,
  CUSTOMER_SERVICE_WINDOW_MS,
} from "../../../lib/domain/messaging/assertCustomerServiceWindow";
import type { OutboundMessage } from "../../../lib/domain/messaging/outboundMessage";

const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const OTHER_CHANNEL = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const NOW = new Date("2026-11-20T12:00:00.000Z");
const HOUR = 60 * 60 * 1000;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

const text: OutboundMessage = { kind: "text", text: "Hi" };
const template: OutboundMessage = { kind: "template", name: "order_shipped", language: "en_US" };
const freeForm: OutboundMessage[] = [
  text,
  { kind: "image", mediaUrl: "https://example.com/a.png" },
  { kind: "document", mediaUrl: "https://example.com/a.pdf" },
  { kind: "reaction", messageId: "m1", emoji: "👍" },
  { kind: "sticker", mediaUrl: "https://example.com/s.webp" },
  { kind: "interactive", body: "Pick", action: { type: "url", title: "Open", url: "https://example.com" } },
];

describe("assertCustomerServiceWindow", () => {
  it.each<[string, Record<string, string>]>([
    ["the contact wrote a minute ago", { [CHANNEL]: ago(60_000) }],
    ["the contact wrote 23 hours 59 minutes ago", { [CHANNEL]: ago(24 * HOUR - 60_000) }],
    ["the last inbound time is slightly ahead of this clock", { [CHANNEL]: ago(-30_000) }],
    [
      "the contact wrote recently here and long ago elsewhere",
      { [CHANNEL]: ago(HOUR), [OTHER_CHANNEL]: ago(90 * HOUR) },
    ],
  ])("allows a free-form message when %s", (_name, lastInboundByChannel) => {
    for (const message of freeForm) {
      expect(() => assertCustomerServiceWindow({ lastInboundByChannel }, CHANNEL, message, NOW)).not.toThrow();
    }
  });

  it.each<[string, Record<string, string>]>([
    ["the contact never wrote", {}],
    ["the contact wrote only on another channel", { [OTHER_CHANNEL]: ago(60_000) }],
    ["the last inbound is a second over 24 hours old", { [CHANNEL]: ago(CUSTOMER_SERVICE_WINDOW_MS + 1000) }],
    ["the last inbound is days old", { [CHANNEL]: ago(72 * HOUR) }],
    ["the last inbound time is unreadable", { [CHANNEL]: "not a time" }],
  ])("refuses every free-form kind when %s", (_name, lastInboundByChannel) => {
    for (const message of freeForm) {
      let thrown: unknown;
      try {
        assertCustomerServiceWindow({ lastInboundByChannel }, CHANNEL, message, NOW);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, message.kind).toBeInstanceOf(RuleRefusalError);
      expect(thrown).toMatchObject({ code: "outside_customer_service_window" });
    }
  });

  it.each<[string, Record<string, string>]>([
    ["the contact never wrote", {}],
    ["the contact wrote only on another channel", { [OTHER_CHANNEL]: ago(60_000) }],
    ["the last inbound is days old", { [CHANNEL]: ago(72 * HOUR) }],
  ])("allows a template when %s", (_name, lastInboundByChannel) => {
    expect(() => assertCustomerServiceWindow({ lastInboundByChannel }, CHANNEL, template, NOW)).not.toThrow();
  });

  it("says how many hours ago the contact wrote when refusing an expired window", () => {
    expect(() =>
      assertCustomerServiceWindow({ lastInboundByChannel: { [CHANNEL]: ago(30 * HOUR) } }, CHANNEL, text, NOW),
    ).toThrow(/30 hours ago/);
  });
});
