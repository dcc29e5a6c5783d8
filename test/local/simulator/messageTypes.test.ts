import { describe, expect, it } from "vitest";
import { parseAdvancedMessageEvent } from "../../../lib/adapters/acs/events/parseAdvancedMessageEvent";
import type { InboundMessage } from "../../../lib/events/types";
import { LOCAL_ACS_RESOURCE_ID } from "../../../local/eventGrid/acsEvents";
import { SimulatorError } from "../../../local/simulator/identities";
import {
  SIMULATED_MESSAGE_TYPES,
  parseSimulatedMessage,
  type SimulatedMessage,
} from "../../../local/simulator/messageTypes";
import { CHANNEL_A, createTestSimulator, dataOf } from "./support";

/** One message of each type and what the app must read from it. */
const EXAMPLES: { message: SimulatedMessage; messageType: string; expect: (parsed: InboundMessage) => void }[] = [
  {
    message: { type: "text", text: "Hi, is my order shipped?" },
    messageType: "text",
    expect: (p) => expect(p.content).toBe("Hi, is my order shipped?"),
  },
  {
    message: { type: "image", caption: "The damaged box" },
    messageType: "image",
    expect: (p) => {
      expect(p.media).toMatchObject({ mimeType: "image/jpeg", caption: "The damaged box" });
      expect(p.summary).toBe("[image] The damaged box");
    },
  },
  {
    message: { type: "document", fileName: "invoice.pdf" },
    messageType: "document",
    expect: (p) => expect(p.media).toMatchObject({ mimeType: "application/pdf", fileName: "invoice.pdf" }),
  },
  {
    message: { type: "video", caption: "unboxing" },
    messageType: "video",
    expect: (p) => expect(p.media).toMatchObject({ mimeType: "video/mp4", caption: "unboxing" }),
  },
  {
    message: { type: "audio" },
    messageType: "audio",
    expect: (p) => expect(p.media?.mimeType).toBe("audio/ogg; codecs=opus"),
  },
  {
    message: { type: "sticker" },
    messageType: "sticker",
    expect: (p) => expect(p.media).toMatchObject({ mimeType: "image/webp", animated: false }),
  },
  {
    message: { type: "reaction", emoji: "❤️", replyTo: "wamid-out-1" },
    messageType: "reaction",
    expect: (p) => expect(p.reaction).toEqual({ messageId: "wamid-out-1", emoji: "❤️" }),
  },
  {
    message: { type: "button-reply", id: "track", title: "Track it" },
    messageType: "interactive",
    expect: (p) => {
      expect(p.interactive).toMatchObject({ type: "buttonReply", buttonReply: { id: "track", title: "Track it" } });
      expect(p.context?.from).toBe("15550001110");
    },
  },
  {
    message: { type: "list-reply" },
    messageType: "interactive",
    expect: (p) =>
      expect(p.interactive).toMatchObject({
        type: "listReply",
        listReply: { id: "priority_mail", title: "Priority Mail", description: "1-3 days" },
      }),
  },
  {
    message: { type: "template-button", title: "Yes", payload: "confirm-2026-11-24" },
    messageType: "button",
    expect: (p) => expect(p.button).toEqual({ text: "Yes", payload: "confirm-2026-11-24" }),
  },
  {
    message: { type: "unknown", messageType: "poll_vote" },
    messageType: "poll_vote",
    expect: (p) => expect(p.summary).toBe("[poll_vote]"),
  },
];

describe("simulated messages", () => {
  it("has an example for every message type the simulator offers", () => {
    expect(new Set(EXAMPLES.map((e) => e.message.type))).toEqual(new Set(SIMULATED_MESSAGE_TYPES));
  });

  it.each(EXAMPLES.flatMap((example) => [true, false].map((username) => ({ ...example, username }))))(
    "produces a $messageType event the app's parser accepts when a user (username: $username) sends $message.type",
    ({ message, messageType, expect: check, username }) => {
      const { simulator } = createTestSimulator();
      const user = simulator.createUser({ country: "GB", ...(username ? { username: "ana" } : {}) });
      const sent = simulator.send(user.id, message);

      expect(sent.event).toMatchObject({
        topic: LOCAL_ACS_RESOURCE_ID,
        eventType: "Microsoft.Communication.AdvancedMessageReceived",
        dataVersion: "1.0",
        metadataVersion: "1",
      });
      expect(dataOf(sent.event)).toMatchObject({ channelType: "whatsapp", to: CHANNEL_A, messageType });
      const parsed = parseAdvancedMessageEvent(JSON.parse(JSON.stringify(sent.event)));
      if (!parsed.ok) throw new Error(`rejected: ${JSON.stringify(parsed.rejection)}`);
      const event = parsed.value as InboundMessage;
      expect(event.kind).toBe("received");
      expect(event.messageType).toBe(messageType);
      expect(event.messageId).toBe(sent.messageId);
      expect(event.fromBsuid).toBe(user.bsuids["brand-a"]);
      expect(event.fromPhone).toBe(username ? undefined : user.phone);
      expect(event.receivedAt).toBe(dataOf(sent.event).receivedTimestamp);
      check(event);
    },
  );

  it("serves a media message's bytes under its media ID when the simulator can add media", () => {
    const { simulator, media } = createTestSimulator();
    const user = simulator.createUser();
    const sent = simulator.send(user.id, { type: "document" });
    const id = (dataOf(sent.event).media as { id: string }).id;
    expect(media.get(id)?.contentType).toBe("application/pdf");
    expect(Buffer.from(media.get(id)!.content).subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("reacts to the business's last message to the user, and removes a reaction with an empty emoji", () => {
    const { simulator } = createTestSimulator();
    const user = simulator.createUser();
    simulator.handleBusinessSend({ messageId: "out-42", channelId: CHANNEL_A, to: user.phone });
    const reaction = simulator.send(user.id, { type: "reaction" });
    expect(dataOf(reaction.event).reaction).toEqual({ messageId: "out-42", emoji: "👍" });
    const removed = simulator.send(user.id, { type: "reaction", emoji: "" });
    expect(dataOf(removed.event).reaction).toEqual({ messageId: "out-42" });
    const reply = simulator.send(user.id, { type: "button-reply" });
    expect(dataOf(reply.event).context).toEqual({ from: "15550001110", id: "out-42" });
  });

  it("accepts ACS's and Meta's names for the types and refuses unknown ones", () => {
    expect(parseSimulatedMessage({ type: "interactive-list" }).type).toBe("list-reply");
    expect(parseSimulatedMessage({ type: "button" }).type).toBe("template-button");
    expect(parseSimulatedMessage({ type: "TEXT", text: "x" }).type).toBe("text");
    expect(() => parseSimulatedMessage({ type: "fax" })).toThrow(SimulatorError);
    expect(() => parseSimulatedMessage({ type: "text" })).toThrow(/non-empty text/);
    expect(() => parseSimulatedMessage({ type: "unknown", messageType: "Bad Type" })).toThrow(/messageType/);
    expect(() => parseSimulatedMessage({ type: "image", caption: 5 })).toThrow(/caption must be a string/);
  });

  it("refuses a channel that is not one of the simulated business numbers", () => {
    const { simulator } = createTestSimulator();
    const user = simulator.createUser();
    expect(() =>
      simulator.send(user.id, { type: "text", text: "x" }, { channelId: "11111111-1111-1111-1111-111111111111" }),
    ).toThrow(/not one of the simulated business numbers/);
  });
});
