import type {
  AudioNotificationContent,
  DocumentNotificationContent,
  ImageNotificationContent,
  MessageTemplate,
  TemplateNotificationContent,
  TextNotificationContent,
  VideoNotificationContent,
} from "@azure-rest/communication-messages";
import type {
  InteractiveAction,
  InteractiveHeader,
  OutboundMessage,
  OutboundMessageKind,
} from "../../domain/messaging/outboundMessage";

/**
 * The newest Advanced Messaging preview API version. Its spec (azure-rest-api-specs,
 * `specification/communication/data-plane/Messages/preview/2025-09-01-preview`) has all ten message kinds, and its
 * examples use exactly the interactive, reaction and sticker shapes below.
 */
export const ACS_MESSAGES_PREVIEW_API_VERSION = "2025-09-01-preview";

/**
 * The api-version each kind is sent with; `undefined` keeps the client's version (the SDK's `2024-08-30` unless the
 * client was created with another), which has every kind the SDK types.
 *
 * `interactive` is pinned to the preview rather than stable `2024-11-15` because the stable spec describes a different
 * body (`interactiveMessage.actionBindings` with `actionBindingKind`/`actions`) than the `interactiveMessage.action`
 * shape sent here, which the 2025 previews (and the current Python/.NET/JS SDK samples) use.
 */
export const API_VERSION_BY_KIND: Readonly<Record<OutboundMessageKind, string | undefined>> = {
  text: undefined,
  image: undefined,
  video: undefined,
  audio: undefined,
  document: undefined,
  template: undefined,
  interactive: ACS_MESSAGES_PREVIEW_API_VERSION,
  reaction: ACS_MESSAGES_PREVIEW_API_VERSION,
  sticker: ACS_MESSAGES_PREVIEW_API_VERSION,
};

/** The api-version a message kind needs, or `undefined` when the client's default serves. */
export function apiVersionFor(kind: OutboundMessageKind): string | undefined {
  return API_VERSION_BY_KIND[kind];
}

/** Fields every notification body carries. */
interface WireNotificationBase {
  channelRegistrationId: string;
  to: string[];
}

/** A piece of interactive-message content, as the REST API's `MessageContent` union. */
export type WireMessageContent =
  { kind: "text"; text: string } | { kind: "image" | "video" | "document"; mediaUri: string };

/** The REST API's interactive action bindings (`WhatsAppButtonActionBindings` and siblings). */
export type WireInteractiveAction =
  | { kind: "whatsAppButtonAction"; content: { kind: "buttonSet"; buttons: { id: string; title: string }[] } }
  | {
      kind: "whatsAppListAction";
      content: {
        kind: "group";
        title: string;
        groups: { title: string; items: { id: string; title: string; description: string }[] }[];
      };
    }
  | { kind: "whatsAppUrlAction"; content: { kind: "url"; title: string; url: string } };

/** `kind: "interactive"` body; the 2.0.0 SDK does not type it. */
export interface InteractiveNotificationContent extends WireNotificationBase {
  kind: "interactive";
  interactiveMessage: {
    header?: WireMessageContent;
    body: { kind: "text"; text: string };
    footer?: { kind: "text"; text: string };
    action: WireInteractiveAction;
  };
}

/** `kind: "reaction"` body; the 2.0.0 SDK does not type it. */
export interface ReactionNotificationContent extends WireNotificationBase {
  kind: "reaction";
  emoji: string;
  messageId: string;
}

/** `kind: "sticker"` body; the 2.0.0 SDK does not type it. */
export interface StickerNotificationContent extends WireNotificationBase {
  kind: "sticker";
  mediaUri: string;
}

/** Every body `POST /messages/notifications:send` is given by this app. */
export type WireNotificationContent =
  | TextNotificationContent
  | ImageNotificationContent
  | VideoNotificationContent
  | AudioNotificationContent
  | DocumentNotificationContent
  | TemplateNotificationContent
  | InteractiveNotificationContent
  | ReactionNotificationContent
  | StickerNotificationContent;

/**
 * Builds the REST body that sends `message` from channel `channelId` to one recipient.
 *
 * `to` is used byte for byte: a BSUID must never be reformatted and a phone number is expected in E.164 with `+`.
 */
export function toNotificationContent(
  message: OutboundMessage,
  channelId: string,
  to: string,
): WireNotificationContent {
  const base = { channelRegistrationId: channelId, to: [to] };
  switch (message.kind) {
    case "text":
      return { ...base, kind: "text", content: message.text };
    case "image":
      return { ...base, kind: "image", mediaUri: message.mediaUrl, ...optional("caption", message.caption) };
    case "video":
      return { ...base, kind: "video", mediaUri: message.mediaUrl, ...optional("caption", message.caption) };
    case "audio":
      return { ...base, kind: "audio", mediaUri: message.mediaUrl };
    case "document":
      return {
        ...base,
        kind: "document",
        mediaUri: message.mediaUrl,
        ...optional("caption", message.caption),
        ...optional("fileName", message.fileName),
      };
    case "template": {
      const template: MessageTemplate = { name: message.name, language: message.language };
      if (message.values !== undefined) template.values = message.values.map((value) => ({ ...value }));
      if (message.bindings !== undefined) template.bindings = structuredClone(message.bindings);
      return { ...base, kind: "template", template };
    }
    case "interactive":
      return {
        ...base,
        kind: "interactive",
        interactiveMessage: {
          ...optional("header", message.header === undefined ? undefined : toWireHeader(message.header)),
          body: { kind: "text", text: message.body },
          ...optional(
            "footer",
            message.footer === undefined ? undefined : { kind: "text" as const, text: message.footer },
          ),
          action: toWireAction(message.action),
        },
      };
    case "reaction":
      return { ...base, kind: "reaction", emoji: message.emoji, messageId: message.messageId };
    case "sticker":
      return { ...base, kind: "sticker", mediaUri: message.mediaUrl };
    default:
      return assertNever(message);
  }
}

function toWireHeader(header: InteractiveHeader): WireMessageContent {
  return header.type === "text"
    ? { kind: "text", text: header.text }
    : { kind: header.type, mediaUri: header.mediaUrl };
}

function toWireAction(action: InteractiveAction): WireInteractiveAction {
  switch (action.type) {
    case "buttons":
      return {
        kind: "whatsAppButtonAction",
        content: { kind: "buttonSet", buttons: action.buttons.map(({ id, title }) => ({ id, title })) },
      };
    case "list":
      return {
        kind: "whatsAppListAction",
        content: {
          kind: "group",
          title: action.title,
          groups: action.sections.map((section) => ({
            title: section.title,
            items: section.rows.map((row) => ({ id: row.id, title: row.title, description: row.description })),
          })),
        },
      };
    case "url":
      return { kind: "whatsAppUrlAction", content: { kind: "url", title: action.title, url: action.url } };
    default:
      return assertNever(action);
  }
}

/** `{ [key]: value }` when there is a value, `{}` otherwise: the wire never carries `"caption": undefined`. */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function assertNever(value: never): never {
  throw new Error(`Unhandled message variant: ${JSON.stringify(value)}`);
}
