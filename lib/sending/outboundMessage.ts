import { ValidationError } from "../errors";
import { isSecureOrLoopbackUrl } from "./isLoopbackHost";

/**
 * A message the app wants to send to one WhatsApp user, in the app's own terms.
 *
 * Independent of the ACS wire format (see `toNotificationContent`), so callers and stored jobs do not change when the
 * REST API's shapes or versions do.
 */
export type OutboundMessage =
  | TextMessage
  | ImageMessage
  | VideoMessage
  | AudioMessage
  | DocumentMessage
  | TemplateMessage
  | InteractiveMessage
  | ReactionMessage
  | StickerMessage;

/** The `kind` values of {@link OutboundMessage}. */
export type OutboundMessageKind = OutboundMessage["kind"];

/** A free-form text message (only allowed inside the 24-hour customer service window). */
export interface TextMessage {
  kind: "text";
  text: string;
}

/** An image sent by URL (JPEG or PNG), with an optional caption. */
export interface ImageMessage {
  kind: "image";
  mediaUrl: string;
  caption?: string;
}

/** A video sent by URL, with an optional caption. */
export interface VideoMessage {
  kind: "video";
  mediaUrl: string;
  caption?: string;
}

/** An audio file sent by URL. WhatsApp shows no caption on audio, so there is none. */
export interface AudioMessage {
  kind: "audio";
  mediaUrl: string;
}

/** A document sent by URL, with an optional caption and the file name the user sees. */
export interface DocumentMessage {
  kind: "document";
  mediaUrl: string;
  caption?: string;
  fileName?: string;
}

/** A pre-approved WhatsApp template; the only kind allowed outside the 24-hour window. */
export interface TemplateMessage {
  kind: "template";
  /** The template's name as approved by Meta (lower-case letters, digits, underscores). */
  name: string;
  /** The template's language, e.g. `en` or `en_US`. */
  language: string;
  /** Parameter values, referenced by name from {@link TemplateMessage.bindings}. */
  values?: TemplateValue[];
  /** Where each value goes in the template. */
  bindings?: TemplateBindings;
}

/** One named parameter value of a template (modelled on the SDK's `MessageTemplateValue` union). */
export type TemplateValue =
  | { kind: "text"; name: string; text: string }
  | { kind: "image" | "video" | "document"; name: string; url: string; caption?: string; fileName?: string }
  | { kind: "location"; name: string; latitude: number; longitude: number; locationName?: string; address?: string }
  | { kind: "quickAction"; name: string; text?: string; payload?: string };

/** WhatsApp template bindings (modelled on the SDK's `WhatsAppMessageTemplateBindings`). */
export interface TemplateBindings {
  kind: "whatsApp";
  header?: { refValue: string }[];
  body?: { refValue: string }[];
  footer?: { refValue: string }[];
  buttons?: { subType: "quickReply" | "url"; refValue: string }[];
}

/** The optional header of an interactive message. */
export type InteractiveHeader =
  { type: "text"; text: string } | { type: "image" | "video" | "document"; mediaUrl: string };

/** What the user can do with an interactive message. */
export type InteractiveAction =
  | { type: "buttons"; buttons: { id: string; title: string }[] }
  | {
      type: "list";
      /** The label of the button that opens the list. */
      title: string;
      /** Each row needs a description: ACS requires it (`ActionGroupItem`: id, title, description). */
      sections: { title: string; rows: { id: string; title: string; description: string }[] }[];
    }
  | { type: "url"; title: string; url: string };

/** Reply buttons, a list picker or a call-to-action URL button. */
export interface InteractiveMessage {
  kind: "interactive";
  body: string;
  header?: InteractiveHeader;
  footer?: string;
  action: InteractiveAction;
}

/** An emoji reaction to a message the user sent (its ACS/WhatsApp message ID). */
export interface ReactionMessage {
  kind: "reaction";
  messageId: string;
  emoji: string;
}

/** A sticker sent by URL (WhatsApp requires WebP). */
export interface StickerMessage {
  kind: "sticker";
  mediaUrl: string;
}

/**
 * WhatsApp Cloud API limits the parser enforces, counted in Unicode code points.
 * Enforcing them here turns a send that Meta would refuse later (often asynchronously) into an immediate, named error.
 */
export const WHATSAPP_LIMITS = {
  textLength: 4096,
  captionLength: 1024,
  fileNameLength: 240,
  urlLength: 2048,
  templateNameLength: 512,
  interactiveBodyLength: 1024,
  interactiveHeaderTextLength: 60,
  interactiveFooterLength: 60,
  replyButtons: 3,
  buttonTitleLength: 20,
  buttonIdLength: 256,
  listSections: 10,
  listRowsTotal: 10,
  listButtonTitleLength: 20,
  listSectionTitleLength: 24,
  listRowTitleLength: 24,
  listRowDescriptionLength: 72,
  listRowIdLength: 200,
  urlButtonTitleLength: 20,
  reactionMessageIdLength: 200,
  emojiLength: 10,
} as const;

const TEMPLATE_NAME_PATTERN = /^[a-z0-9_]+$/;
const LANGUAGE_PATTERN = /^[a-z]{2,3}(?:_[A-Z]{2})?$/;

/**
 * Validates request JSON describing one outbound message and returns it as an {@link OutboundMessage}.
 *
 * Throws {@link ValidationError} whose `field` names the offending field below `field` (e.g. `message.text`). Unknown
 * extra properties are ignored; only the known ones are copied, so nothing unvalidated reaches the wire.
 */
export function parseOutboundMessage(body: unknown, field = "message"): OutboundMessage {
  const input = requireObject(body, field);
  const kind = input.kind;
  switch (kind) {
    case "text":
      return { kind, text: requireText(input.text, `${field}.text`, WHATSAPP_LIMITS.textLength) };
    case "image":
    case "video":
      return withOptional(
        { kind, mediaUrl: requireUrl(input.mediaUrl, `${field}.mediaUrl`) },
        "caption",
        optionalText(input.caption, `${field}.caption`, WHATSAPP_LIMITS.captionLength),
      );
    case "audio":
      if (input.caption !== undefined) fail(`${field}.caption`, "audio messages cannot have a caption");
      return { kind, mediaUrl: requireUrl(input.mediaUrl, `${field}.mediaUrl`) };
    case "document": {
      const message: DocumentMessage = { kind, mediaUrl: requireUrl(input.mediaUrl, `${field}.mediaUrl`) };
      const caption = optionalText(input.caption, `${field}.caption`, WHATSAPP_LIMITS.captionLength);
      const fileName = optionalText(input.fileName, `${field}.fileName`, WHATSAPP_LIMITS.fileNameLength);
      if (fileName !== undefined && /[\\/]/.test(fileName)) fail(`${field}.fileName`, "must not contain / or \\");
      return withOptional(withOptional(message, "caption", caption), "fileName", fileName);
    }
    case "template":
      return parseTemplate(input, field);
    case "interactive":
      return parseInteractive(input, field);
    case "reaction": {
      const messageId = requireText(input.messageId, `${field}.messageId`, WHATSAPP_LIMITS.reactionMessageIdLength);
      const emoji = requireText(input.emoji, `${field}.emoji`, WHATSAPP_LIMITS.emojiLength);
      if (/[\sA-Za-z]/.test(emoji)) fail(`${field}.emoji`, "must be an emoji, without letters or spaces");
      return { kind, messageId, emoji };
    }
    case "sticker": {
      const mediaUrl = requireUrl(input.mediaUrl, `${field}.mediaUrl`);
      if (!new URL(mediaUrl).pathname.toLowerCase().endsWith(".webp")) {
        fail(`${field}.mediaUrl`, "must point to a .webp file (WhatsApp stickers are WebP)");
      }
      return { kind, mediaUrl };
    }
    default:
      return fail(
        `${field}.kind`,
        "must be one of text, image, video, audio, document, template, interactive, reaction, sticker",
      );
  }
}

function parseTemplate(input: Record<string, unknown>, field: string): TemplateMessage {
  const name = requireText(input.name, `${field}.name`, WHATSAPP_LIMITS.templateNameLength);
  if (!TEMPLATE_NAME_PATTERN.test(name)) fail(`${field}.name`, "must contain only lower-case letters, digits and _");
  const language = requireText(input.language, `${field}.language`, 10);
  if (!LANGUAGE_PATTERN.test(language)) fail(`${field}.language`, "must be a language code such as en or en_US");
  const message: TemplateMessage = { kind: "template", name, language };

  const names = new Set<string>();
  if (input.values !== undefined) {
    message.values = requireArray(input.values, `${field}.values`, 0, 100).map((raw, index) => {
      const value = parseTemplateValue(raw, `${field}.values[${index}]`);
      if (names.has(value.name)) fail(`${field}.values[${index}].name`, `duplicates the value name "${value.name}"`);
      names.add(value.name);
      return value;
    });
  }
  if (input.bindings !== undefined) message.bindings = parseBindings(input.bindings, `${field}.bindings`, names);
  return message;
}

function parseTemplateValue(raw: unknown, field: string): TemplateValue {
  const input = requireObject(raw, field);
  const name = requireText(input.name, `${field}.name`, 100);
  const kind = input.kind;
  switch (kind) {
    case "text":
      return { kind, name, text: requireText(input.text, `${field}.text`, WHATSAPP_LIMITS.textLength) };
    case "image":
    case "video":
    case "document": {
      const value: TemplateValue = { kind, name, url: requireUrl(input.url, `${field}.url`) };
      const caption = optionalText(input.caption, `${field}.caption`, WHATSAPP_LIMITS.captionLength);
      const fileName = optionalText(input.fileName, `${field}.fileName`, WHATSAPP_LIMITS.fileNameLength);
      return withOptional(withOptional(value, "caption", caption), "fileName", fileName);
    }
    case "location": {
      const latitude = requireNumber(input.latitude, `${field}.latitude`, -90, 90);
      const longitude = requireNumber(input.longitude, `${field}.longitude`, -180, 180);
      const value: TemplateValue = { kind, name, latitude, longitude };
      const locationName = optionalText(input.locationName, `${field}.locationName`, 1000);
      return withOptional(
        withOptional(value, "locationName", locationName),
        "address",
        optionalText(input.address, `${field}.address`, 1000),
      );
    }
    case "quickAction": {
      const value: TemplateValue = { kind, name };
      const text = optionalText(input.text, `${field}.text`, 1000);
      return withOptional(
        withOptional(value, "text", text),
        "payload",
        optionalText(input.payload, `${field}.payload`, 1000),
      );
    }
    default:
      return fail(`${field}.kind`, "must be one of text, image, video, document, location, quickAction");
  }
}

function parseBindings(raw: unknown, field: string, valueNames: ReadonlySet<string>): TemplateBindings {
  const input = requireObject(raw, field);
  if (input.kind !== "whatsApp") fail(`${field}.kind`, 'must be "whatsApp"');
  const bindings: TemplateBindings = { kind: "whatsApp" };
  const refValue = (value: unknown, at: string): string => {
    const ref = requireText(value, at, 100);
    if (!valueNames.has(ref)) fail(at, `refers to "${ref}", which is not the name of any template value`);
    return ref;
  };
  for (const part of ["header", "body", "footer"] as const) {
    if (input[part] === undefined) continue;
    bindings[part] = requireArray(input[part], `${field}.${part}`, 0, 100).map((item, index) => {
      const at = `${field}.${part}[${index}]`;
      return { refValue: refValue(requireObject(item, at).refValue, `${at}.refValue`) };
    });
  }
  if (input.buttons !== undefined) {
    bindings.buttons = requireArray(input.buttons, `${field}.buttons`, 0, 10).map((item, index) => {
      const at = `${field}.buttons[${index}]`;
      const button = requireObject(item, at);
      const subType = button.subType;
      if (subType !== "quickReply" && subType !== "url") fail(`${at}.subType`, 'must be "quickReply" or "url"');
      return { subType, refValue: refValue(button.refValue, `${at}.refValue`) };
    });
  }
  return bindings;
}

function parseInteractive(input: Record<string, unknown>, field: string): InteractiveMessage {
  const body = requireText(input.body, `${field}.body`, WHATSAPP_LIMITS.interactiveBodyLength);
  const action = parseAction(input.action, `${field}.action`);
  const message: InteractiveMessage = { kind: "interactive", body, action };
  if (input.header !== undefined) {
    const header = parseHeader(input.header, `${field}.header`);
    // Meta accepts only a text header on list messages.
    if (action.type === "list" && header.type !== "text") fail(`${field}.header.type`, 'must be "text" for a list');
    message.header = header;
  }
  return withOptional(
    message,
    "footer",
    optionalText(input.footer, `${field}.footer`, WHATSAPP_LIMITS.interactiveFooterLength),
  );
}

function parseHeader(raw: unknown, field: string): InteractiveHeader {
  const input = requireObject(raw, field);
  const type = input.type;
  if (type === "text") {
    return { type, text: requireText(input.text, `${field}.text`, WHATSAPP_LIMITS.interactiveHeaderTextLength) };
  }
  if (type === "image" || type === "video" || type === "document") {
    return { type, mediaUrl: requireUrl(input.mediaUrl, `${field}.mediaUrl`) };
  }
  return fail(`${field}.type`, "must be one of text, image, video, document");
}

function parseAction(raw: unknown, field: string): InteractiveAction {
  const input = requireObject(raw, field);
  switch (input.type) {
    case "buttons": {
      const ids = new Set<string>();
      const buttons = requireArray(input.buttons, `${field}.buttons`, 1, WHATSAPP_LIMITS.replyButtons).map(
        (item, index) => {
          const at = `${field}.buttons[${index}]`;
          const button = requireObject(item, at);
          const id = requireText(button.id, `${at}.id`, WHATSAPP_LIMITS.buttonIdLength);
          if (ids.has(id)) fail(`${at}.id`, `duplicates the button ID "${id}"`);
          ids.add(id);
          return { id, title: requireText(button.title, `${at}.title`, WHATSAPP_LIMITS.buttonTitleLength) };
        },
      );
      return { type: "buttons", buttons };
    }
    case "list": {
      const title = requireText(input.title, `${field}.title`, WHATSAPP_LIMITS.listButtonTitleLength);
      const ids = new Set<string>();
      let rowCount = 0;
      const sections = requireArray(input.sections, `${field}.sections`, 1, WHATSAPP_LIMITS.listSections).map(
        (item, sectionIndex) => {
          const at = `${field}.sections[${sectionIndex}]`;
          const section = requireObject(item, at);
          const sectionTitle = requireText(section.title, `${at}.title`, WHATSAPP_LIMITS.listSectionTitleLength);
          const rows = requireArray(section.rows, `${at}.rows`, 1, WHATSAPP_LIMITS.listRowsTotal).map(
            (rawRow, rowIndex) => {
              const rowAt = `${at}.rows[${rowIndex}]`;
              rowCount += 1;
              if (rowCount > WHATSAPP_LIMITS.listRowsTotal) {
                fail(rowAt, `a list may hold at most ${WHATSAPP_LIMITS.listRowsTotal} rows across all sections`);
              }
              const row = requireObject(rawRow, rowAt);
              const id = requireText(row.id, `${rowAt}.id`, WHATSAPP_LIMITS.listRowIdLength);
              if (ids.has(id)) fail(`${rowAt}.id`, `duplicates the row ID "${id}"`);
              ids.add(id);
              return {
                id,
                title: requireText(row.title, `${rowAt}.title`, WHATSAPP_LIMITS.listRowTitleLength),
                // Required by ACS (TypeSpec `ActionGroupItem`, every api-version with `interactiveMessage.action`),
                // though Meta's own API makes it optional.
                description: requireText(
                  row.description,
                  `${rowAt}.description`,
                  WHATSAPP_LIMITS.listRowDescriptionLength,
                ),
              };
            },
          );
          return { title: sectionTitle, rows };
        },
      );
      return { type: "list", title, sections };
    }
    case "url":
      return {
        type: "url",
        title: requireText(input.title, `${field}.title`, WHATSAPP_LIMITS.urlButtonTitleLength),
        url: requireUrl(input.url, `${field}.url`),
      };
    default:
      return fail(`${field}.type`, "must be one of buttons, list, url");
  }
}

function fail(field: string, problem: string): never {
  throw new ValidationError(`${field} ${problem}`, { code: "invalid_message", field });
}

function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(field, "must be an object");
  return value as Record<string, unknown>;
}

function requireArray(value: unknown, field: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) return fail(field, "must be an array");
  if (value.length < min) fail(field, `must hold at least ${min} item${min === 1 ? "" : "s"}`);
  if (value.length > max) fail(field, `must hold at most ${max} items`);
  return value;
}

/** Counts code points, as WhatsApp does, so an emoji counts once rather than as two UTF-16 units. */
function length(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function requireText(value: unknown, field: string, max: number): string {
  if (value === undefined) return fail(field, "is required");
  if (typeof value !== "string") return fail(field, "must be a string");
  if (value.trim().length === 0) fail(field, "must not be empty");
  if (length(value) > max) fail(field, `must be at most ${max} characters`);
  return value;
}

function optionalText(value: unknown, field: string, max: number): string | undefined {
  return value === undefined ? undefined : requireText(value, field, max);
}

function requireNumber(value: unknown, field: string, min: number, max: number): number {
  if (value === undefined) return fail(field, "is required");
  if (typeof value !== "number" || !Number.isFinite(value)) return fail(field, "must be a number");
  if (value < min || value > max) fail(field, `must be between ${min} and ${max}`);
  return value;
}

function requireUrl(value: unknown, field: string): string {
  const text = requireText(value, field, WHATSAPP_LIMITS.urlLength);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(field, "must be an absolute URL");
  }
  // ACS fetches the media itself, so the URL must be reachable and not leak over plain HTTP; loopback HTTP is kept
  // for local testing against the emulator.
  if (!isSecureOrLoopbackUrl(url)) fail(field, "must be an https URL (http only for 127.0.0.1, localhost or ::1)");
  if (url.username !== "" || url.password !== "") fail(field, "must not contain credentials");
  return text;
}

/** Sets an optional property only when it has a value, so absent fields stay absent on the wire. */
function withOptional<T extends object, K extends string, V>(target: T, key: K, value: V | undefined): T {
  if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  return target;
}
