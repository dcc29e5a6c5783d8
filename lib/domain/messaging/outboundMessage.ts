import { ValidationError } from "../../core/errors";
import * as compiledSendValidators from "../../schemaValidation/compiledSendValidators";
import { formatPath, schemaProblems, type CompiledValidator } from "../../schemaValidation/describeSchemaErrors";
import { isLoopbackHost, isSecureOrLoopbackUrl } from "../../core/isLoopbackHost";

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

// Read at call time, not bound at load: the deployed bundle loads these generated validators (about 80 KB) on the
// first send rather than at start-up (see `scripts/bundleApp.ts`), for cold start.
const validateMessage = (): CompiledValidator => compiledSendValidators.outboundMessage as unknown as CompiledValidator;
const validateSendRequest = (): CompiledValidator => compiledSendValidators.sendRequest as unknown as CompiledValidator;

/**
 * Checks the body of a send request (`POST /api/messages`) against `schemas/sendMessage.schema.json`: an object with
 * a recipient (exactly one of contactId, bsuid and phone, each a string), an optional channelId string and a message.
 * Throws {@link ValidationError} naming the first offending field (`body` for the body itself). The values themselves
 * (BSUID and phone formats, the channel, the message's own rules) are for their parsers.
 */
export function checkSendRequestShape(body: unknown): void {
  // The validator drops unknown properties from what it checks; the caller's body is left as it is.
  const [problem] = schemaProblems(validateSendRequest(), structuredClone(body));
  if (problem) fail(problem.path.length === 0 ? "body" : formatPath(problem.path), problem.message);
}

/**
 * Validates request JSON describing one outbound message and returns it as an {@link OutboundMessage}.
 *
 * The shape is `schemas/sendMessage.schema.json#/definitions/message` (WhatsApp's limits, counted in Unicode code
 * points as WhatsApp counts them, so a send Meta would refuse later, often asynchronously, fails at once with a name).
 * Then the rules a schema cannot state: URLs ACS can fetch safely, WebP stickers, template bindings that refer to
 * values, unique button and row IDs, at most 10 list rows in all, only a text header on a list.
 *
 * Throws {@link ValidationError} whose `field` names the first offending field below `field` (e.g. `message.text`).
 * Unknown properties are dropped (from a copy; `body` is left as it is), so nothing unvalidated reaches the wire.
 */
export function parseOutboundMessage(
  body: unknown,
  field = "message",
  options: OutboundMessageOptions = {},
): OutboundMessage {
  const message = structuredClone(body);
  const [problem] = schemaProblems(validateMessage(), message);
  if (problem) fail(formatPath(problem.path, field), problem.message);
  checkRules(message as OutboundMessage, field, options.allowLoopbackUrls === true);
  return message as OutboundMessage;
}

/** How {@link parseOutboundMessage} reads URLs. */
export interface OutboundMessageOptions {
  /**
   * True only when the provider runs on this machine (the local emulator): then URLs may name loopback hosts, over
   * plain HTTP too. A real provider fetches media, and users open links, over the internet, where such a URL means
   * nothing or reaches something it should not.
   */
  allowLoopbackUrls?: boolean;
}

function checkRules(message: OutboundMessage, field: string, allowLoopbackUrls: boolean): void {
  for (const [path, url] of urlsOf(message)) checkUrl(url, `${field}.${path}`, allowLoopbackUrls);
  switch (message.kind) {
    case "sticker":
      if (!new URL(message.mediaUrl).pathname.toLowerCase().endsWith(".webp")) {
        fail(`${field}.mediaUrl`, "must point to a .webp file (WhatsApp stickers are WebP)");
      }
      return;
    case "template":
      return checkTemplateReferences(message, field);
    case "interactive":
      return checkInteractive(message, field);
    default:
      return;
  }
}

/** Every URL of the message, by its path below the message. */
function urlsOf(message: OutboundMessage): [string, string][] {
  switch (message.kind) {
    case "image":
    case "video":
    case "audio":
    case "document":
    case "sticker":
      return [["mediaUrl", message.mediaUrl]];
    case "template":
      return (message.values ?? []).flatMap((value, index): [string, string][] =>
        "url" in value ? [[`values[${index}].url`, value.url]] : [],
      );
    case "interactive": {
      const urls: [string, string][] = [];
      if (message.header && "mediaUrl" in message.header) urls.push(["header.mediaUrl", message.header.mediaUrl]);
      if (message.action.type === "url") urls.push(["action.url", message.action.url]);
      return urls;
    }
    default:
      return [];
  }
}

function checkUrl(text: string, field: string, allowLoopbackUrls: boolean): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(field, "must be an absolute URL");
  }
  // ACS fetches the media itself, so the URL must be reachable and not leak over plain HTTP; loopback hosts (over HTTP
  // too) only while ACS is the local emulator, which runs on this machine.
  if (!allowLoopbackUrls) {
    if (isLoopbackHost(url.hostname)) {
      fail(field, "must not point at localhost, 127.0.0.1 or ::1: ACS fetches it over the internet");
    }
    if (url.protocol !== "https:") fail(field, "must be an https URL");
  } else if (!isSecureOrLoopbackUrl(url)) {
    fail(field, "must be an https URL (http only for 127.0.0.1, localhost or ::1)");
  }
  if (url.username !== "" || url.password !== "") fail(field, "must not contain credentials");
}

/** Value names are unique, and every binding names a value. */
function checkTemplateReferences(message: TemplateMessage, field: string): void {
  const names = new Set<string>();
  (message.values ?? []).forEach((value, index) => {
    if (names.has(value.name)) fail(`${field}.values[${index}].name`, `duplicates the value name "${value.name}"`);
    names.add(value.name);
  });
  const bindings = message.bindings;
  if (!bindings) return;
  const refers = (refValue: string, at: string) => {
    if (!names.has(refValue)) fail(at, `refers to "${refValue}", which is not the name of any template value`);
  };
  for (const part of ["header", "body", "footer"] as const) {
    bindings[part]?.forEach((item, index) => refers(item.refValue, `${field}.bindings.${part}[${index}].refValue`));
  }
  bindings.buttons?.forEach((item, index) => refers(item.refValue, `${field}.bindings.buttons[${index}].refValue`));
}

function checkInteractive(message: InteractiveMessage, field: string): void {
  const action = message.action;
  // Meta accepts only a text header on list messages.
  if (action.type === "list" && message.header && message.header.type !== "text") {
    fail(`${field}.header.type`, 'must be "text" for a list');
  }
  const ids = new Set<string>();
  if (action.type === "buttons") {
    action.buttons.forEach((button, index) => {
      if (ids.has(button.id)) fail(`${field}.action.buttons[${index}].id`, `duplicates the button ID "${button.id}"`);
      ids.add(button.id);
    });
  }
  if (action.type === "list") {
    let rowCount = 0;
    action.sections.forEach((section, sectionIndex) => {
      section.rows.forEach((row, rowIndex) => {
        const at = `${field}.action.sections[${sectionIndex}].rows[${rowIndex}]`;
        rowCount += 1;
        if (rowCount > LIST_ROWS_IN_ALL) {
          fail(at, `a list may hold at most ${LIST_ROWS_IN_ALL} rows across all sections`);
        }
        if (ids.has(row.id)) fail(`${at}.id`, `duplicates the row ID "${row.id}"`);
        ids.add(row.id);
      });
    });
  }
}

/** WhatsApp's limit on the rows of a list message, over all its sections (the schema limits each section alone). */
const LIST_ROWS_IN_ALL = 10;

function fail(field: string, problem: string): never {
  throw new ValidationError(`${field} ${problem}`, { code: "invalid_message", field });
}
