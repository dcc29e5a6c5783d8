import { SimulatorError } from "./identities";

/** The message types a simulated user can send, as named in the simulator's API and CLI. */
export const SIMULATED_MESSAGE_TYPES = [
  "text",
  "image",
  "document",
  "video",
  "audio",
  "sticker",
  "reaction",
  "button-reply",
  "list-reply",
  "template-button",
  "unknown",
] as const;

export type SimulatedMessageType = (typeof SIMULATED_MESSAGE_TYPES)[number];

/** What a user sends; every field but `type` (and `text` for a text message) has a default. */
export interface SimulatedMessage {
  type: SimulatedMessageType;
  /** Text of a `text` message; the content of an `unknown` one. */
  text?: string;
  /** Caption of an image, video, document (or sticker: ignored, WhatsApp stickers have none). */
  caption?: string;
  /** File name of a document. */
  fileName?: string;
  /** MIME type of a media message. */
  mimeType?: string;
  /** The emoji of a reaction; `""` removes an earlier reaction (the event then has no emoji). */
  emoji?: string;
  /** The message a reaction is about, or that a reply answers (`context.id`); the business's last message by default. */
  replyTo?: string;
  /** ID of the pressed reply button or chosen list row. */
  id?: string;
  /** Title of the pressed button or chosen row; the text of a template quick-reply button. */
  title?: string;
  /** Description of the chosen list row. */
  description?: string;
  /** Payload of a template quick-reply button. */
  payload?: string;
  /** The `messageType` of an `unknown` message: a type WhatsApp may add later. */
  messageType?: string;
}

/** Aliases accepted for the types (`interactive-button`, `button`, ...), so both ACS's and Meta's names work. */
const ALIASES: Record<string, SimulatedMessageType> = {
  "interactive-button": "button-reply",
  "button-reply": "button-reply",
  buttonreply: "button-reply",
  "interactive-list": "list-reply",
  "list-reply": "list-reply",
  listreply: "list-reply",
  button: "template-button",
  "template-button": "template-button",
  "quick-reply": "template-button",
  future: "unknown",
};

/** The default `messageType` of an `unknown` message: not one ACS documents today. */
export const DEFAULT_UNKNOWN_MESSAGE_TYPE = "poll_vote";

/** Validates a message from the API or CLI (unknown JSON). Throws a 400 {@link SimulatorError} naming the field. */
export function parseSimulatedMessage(input: unknown): SimulatedMessage {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new SimulatorError(
      400,
      "invalid_message",
      'The body must be a JSON object such as { "type": "text", "text": "Hi" }',
    );
  }
  const raw = input as Record<string, unknown>;
  const name = typeof raw.type === "string" ? raw.type.trim().toLowerCase() : "";
  const type = (SIMULATED_MESSAGE_TYPES as readonly string[]).includes(name)
    ? (name as SimulatedMessageType)
    : ALIASES[name];
  if (!type) {
    throw new SimulatorError(400, "invalid_message", `type must be one of ${SIMULATED_MESSAGE_TYPES.join(", ")}`);
  }
  const message: SimulatedMessage = { type };
  for (const field of [
    "text",
    "caption",
    "fileName",
    "mimeType",
    "emoji",
    "replyTo",
    "id",
    "title",
    "description",
    "payload",
    "messageType",
  ] as const) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") throw new SimulatorError(400, "invalid_message", `${field} must be a string`);
    if (value.length > 4096)
      throw new SimulatorError(400, "invalid_message", `${field} is longer than 4096 characters`);
    message[field] = value;
  }
  if (type === "text" && !message.text?.trim()) {
    throw new SimulatorError(400, "invalid_message", "a text message needs a non-empty text");
  }
  if (message.messageType !== undefined && !/^[a-z][a-z0-9_]{0,39}$/.test(message.messageType)) {
    throw new SimulatorError(400, "invalid_message", "messageType must be 1-40 lower-case letters, digits or _");
  }
  return message;
}

/** What the simulator needs from its surroundings to build a message's payload. */
export interface MessagePartsContext {
  /** The business number of the channel, digits without `+` (`context.from`). */
  businessPhone: string;
  /** The business's last message to this user on this channel, the default target of reactions and replies. */
  lastBusinessMessageId: string | undefined;
  newId(): string;
}

/** A media file the message carries, to be served by the ACS emulator at `/messages/streams/{id}`. */
export interface SimulatedMedia {
  id: string;
  mimeType: string;
  content: Uint8Array;
}

/** The type-specific part of `data`: `messageType` and `content` / `media` / `context` / `button` / `interactive` / `reaction`. */
export interface MessageParts {
  messageType: string;
  data: Record<string, unknown>;
  media?: SimulatedMedia;
}

const DEFAULT_MIME_TYPES: Record<string, string> = {
  image: "image/jpeg",
  document: "application/pdf",
  video: "video/mp4",
  audio: "audio/ogg; codecs=opus",
  sticker: "image/webp",
};

/** Builds the wire payload parts of one message, shaped like ACS's `AdvancedMessageReceived` data. */
export function buildMessageParts(message: SimulatedMessage, context: MessagePartsContext): MessageParts {
  const replyContext = () => ({
    context: { from: context.businessPhone, id: message.replyTo ?? context.lastBusinessMessageId ?? context.newId() },
  });
  switch (message.type) {
    case "text":
      return {
        messageType: "text",
        data: { content: message.text ?? "", ...(message.replyTo ? replyContext() : {}) },
      };
    case "image":
    case "document":
    case "video":
    case "audio":
    case "sticker": {
      const mimeType = message.mimeType ?? DEFAULT_MIME_TYPES[message.type] ?? "application/octet-stream";
      const id = context.newId();
      const media: Record<string, unknown> = { mimeType, id };
      if (message.type === "document") media.fileName = message.fileName ?? "invoice-2026-11.pdf";
      if (message.caption && message.type !== "audio" && message.type !== "sticker") media.caption = message.caption;
      if (message.type === "sticker") media.animated = false;
      return {
        messageType: message.type,
        data: { media, ...(message.replyTo ? replyContext() : {}) },
        media: { id, mimeType, content: placeholderBytes(message.type) },
      };
    }
    case "reaction": {
      const emoji = message.emoji ?? "👍";
      return {
        messageType: "reaction",
        data: {
          reaction: {
            messageId: message.replyTo ?? context.lastBusinessMessageId ?? context.newId(),
            ...(emoji === "" ? {} : { emoji }),
          },
        },
      };
    }
    case "button-reply":
      return {
        messageType: "interactive",
        data: {
          ...replyContext(),
          interactive: {
            type: "buttonReply",
            buttonReply: { id: message.id ?? "track_order", title: message.title ?? "Track my order" },
          },
        },
      };
    case "list-reply":
      return {
        messageType: "interactive",
        data: {
          ...replyContext(),
          interactive: {
            type: "listReply",
            listReply: {
              id: message.id ?? "priority_mail",
              title: message.title ?? "Priority Mail",
              description: message.description ?? "1-3 days",
            },
          },
        },
      };
    case "template-button":
      return {
        messageType: "button",
        data: {
          ...replyContext(),
          button: { text: message.title ?? "Yes", payload: message.payload ?? "confirm-appointment" },
        },
      };
    case "unknown":
      return {
        messageType: message.messageType ?? DEFAULT_UNKNOWN_MESSAGE_TYPE,
        data: message.text ? { content: message.text } : {},
      };
  }
}

/** A few bytes with the right magic number, so a media download returns something of the announced type. */
function placeholderBytes(type: string): Uint8Array {
  const magic: Record<string, number[]> = {
    image: [0xff, 0xd8, 0xff, 0xe0],
    document: [0x25, 0x50, 0x44, 0x46, 0x2d], // %PDF-
    video: [0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70], // ....ftyp
    audio: [0x4f, 0x67, 0x67, 0x53], // OggS
    sticker: [0x52, 0x49, 0x46, 0x46, 0x00, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50], // RIFF....WEBP
  };
  return Uint8Array.from([...(magic[type] ?? []), ...Buffer.from(" simulated WhatsApp media")]);
}
