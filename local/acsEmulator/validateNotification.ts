/** An ACS-style error the emulator answers with. */
export interface EmulatorError {
  status: number;
  code: string;
  message: string;
  target?: string;
}

/** A send body that passed validation. */
export interface ValidNotification {
  channelId: string;
  to: string;
  kind: string;
  body: Record<string, unknown>;
}

const SDK_KINDS = ["text", "image", "document", "video", "audio", "template"] as const;
const ALL_KINDS = [...SDK_KINDS, "interactive", "reaction", "sticker"] as const;

/**
 * The api-versions the emulator knows, with the message kinds each accepts.
 *
 * Interactive, reaction and sticker are accepted from `2025-01-15-preview` on, the versions whose spec examples use
 * the `interactiveMessage.action` shape validated here. Stable `2024-11-15` also has `interactive`, but with an older
 * body (`actionBindings`), which the emulator does not reproduce, so it refuses interactive there.
 */
export const EMULATED_API_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  "2024-02-01": ["text", "image", "template"],
  "2024-08-30": SDK_KINDS,
  "2024-11-15": SDK_KINDS,
  "2025-01-15-preview": ALL_KINDS,
  "2025-03-01-preview": ALL_KINDS,
  "2025-04-01-preview": ALL_KINDS,
  "2025-09-01-preview": ALL_KINDS,
};

const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
const BSUID_PATTERN = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;
const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for the recipient forms ACS accepts in `to`: E.164 with `+`, or a BSUID (child or parent form). */
export function isValidRecipient(value: unknown): value is string {
  return typeof value === "string" && (E164_PATTERN.test(value) || BSUID_PATTERN.test(value));
}

/** True for a BSUID (as opposed to a phone number). */
export function isBsuidRecipient(value: string): boolean {
  return BSUID_PATTERN.test(value);
}

class Invalid extends Error {
  constructor(
    readonly target: string,
    readonly problem: string,
  ) {
    super(`${target} ${problem}`);
  }
}

/**
 * Validates a `POST /messages/notifications:send` body the way the service would: a known channel, exactly one
 * recipient, a kind the api-version supports, and the fields that kind requires.
 */
export function validateNotification(
  parsed: unknown,
  apiVersion: string,
  channels: ReadonlySet<string>,
): ValidNotification | EmulatorError {
  if (!isObject(parsed)) return badRequest("InvalidRequestBody", "The request body must be a JSON object.");
  const channelId = parsed.channelRegistrationId;
  if (typeof channelId !== "string" || !GUID_PATTERN.test(channelId)) {
    return badRequest("InvalidChannelRegistrationId", "channelRegistrationId must be a GUID.", "channelRegistrationId");
  }
  if (!channels.has(channelId.toLowerCase())) {
    return badRequest(
      "ChannelNotFound",
      "No channel with this channelRegistrationId is registered.",
      "channelRegistrationId",
    );
  }
  const to = parsed.to;
  if (!Array.isArray(to) || to.length !== 1) {
    return badRequest("InvalidRecipientCount", "to must be an array with exactly one recipient.", "to");
  }
  const recipient: unknown = to[0];
  if (!isValidRecipient(recipient)) {
    return badRequest(
      "InvalidRecipient",
      "The recipient must be a phone number in E.164 format with a leading + or a WhatsApp BSUID.",
      "to",
    );
  }
  const kind = parsed.kind;
  if (typeof kind !== "string" || !(ALL_KINDS as readonly string[]).includes(kind)) {
    return badRequest("InvalidMessageKind", `kind must be one of ${ALL_KINDS.join(", ")}.`, "kind");
  }
  if (!EMULATED_API_VERSIONS[apiVersion]?.includes(kind)) {
    return badRequest("UnsupportedMessageKind", `api-version ${apiVersion} does not support kind ${kind}.`, "kind");
  }
  try {
    checkKindShape(kind, parsed);
  } catch (error) {
    if (error instanceof Invalid)
      return badRequest("InvalidRequestBody", `${error.target} ${error.problem}.`, error.target);
    throw error;
  }
  return { channelId: channelId.toLowerCase(), to: recipient, kind, body: parsed };
}

function checkKindShape(kind: string, body: Record<string, unknown>): void {
  switch (kind) {
    case "text":
      text(body.content, "content");
      return;
    case "image":
    case "video":
      uri(body.mediaUri, "mediaUri");
      optionalText(body.caption, "caption");
      return;
    case "audio":
    case "sticker":
      uri(body.mediaUri, "mediaUri");
      return;
    case "document":
      uri(body.mediaUri, "mediaUri");
      optionalText(body.caption, "caption");
      optionalText(body.fileName, "fileName");
      return;
    case "reaction":
      text(body.messageId, "messageId");
      text(body.emoji, "emoji");
      return;
    case "template":
      checkTemplate(object(body.template, "template"));
      return;
    case "interactive":
      checkInteractive(object(body.interactiveMessage, "interactiveMessage"));
      return;
  }
}

function checkTemplate(template: Record<string, unknown>): void {
  text(template.name, "template.name");
  text(template.language, "template.language");
  if (template.values !== undefined) {
    array(template.values, "template.values", 0).forEach((raw, index) => {
      const value = object(raw, `template.values[${index}]`);
      text(value.name, `template.values[${index}].name`);
      const kinds = ["text", "image", "document", "video", "location", "quickAction"];
      if (typeof value.kind !== "string" || !kinds.includes(value.kind)) {
        throw new Invalid(`template.values[${index}].kind`, `must be one of ${kinds.join(", ")}`);
      }
    });
  }
  if (template.bindings !== undefined) {
    const bindings = object(template.bindings, "template.bindings");
    if (bindings.kind !== "whatsApp") throw new Invalid("template.bindings.kind", 'must be "whatsApp"');
  }
}

function checkInteractive(message: Record<string, unknown>): void {
  textContent(message.body, "interactiveMessage.body");
  if (message.footer !== undefined) textContent(message.footer, "interactiveMessage.footer");
  if (message.header !== undefined) {
    const header = object(message.header, "interactiveMessage.header");
    if (header.kind === "text") text(header.text, "interactiveMessage.header.text");
    else if (header.kind === "image" || header.kind === "video" || header.kind === "document") {
      uri(header.mediaUri, "interactiveMessage.header.mediaUri");
    } else throw new Invalid("interactiveMessage.header.kind", "must be text, image, video or document");
  }
  const action = object(message.action, "interactiveMessage.action");
  const content = object(action.content, "interactiveMessage.action.content");
  const at = "interactiveMessage.action.content";
  switch (action.kind) {
    case "whatsAppButtonAction":
      if (content.kind !== "buttonSet") throw new Invalid(`${at}.kind`, 'must be "buttonSet"');
      array(content.buttons, `${at}.buttons`, 1, 3).forEach((raw, index) => {
        const button = object(raw, `${at}.buttons[${index}]`);
        text(button.id, `${at}.buttons[${index}].id`);
        text(button.title, `${at}.buttons[${index}].title`);
      });
      return;
    case "whatsAppListAction":
      if (content.kind !== "group") throw new Invalid(`${at}.kind`, 'must be "group"');
      text(content.title, `${at}.title`);
      array(content.groups, `${at}.groups`, 1, 10).forEach((raw, index) => {
        const group = object(raw, `${at}.groups[${index}]`);
        text(group.title, `${at}.groups[${index}].title`);
        array(group.items, `${at}.groups[${index}].items`, 1, 10).forEach((rawItem, itemIndex) => {
          const item = object(rawItem, `${at}.groups[${index}].items[${itemIndex}]`);
          text(item.id, `${at}.groups[${index}].items[${itemIndex}].id`);
          text(item.title, `${at}.groups[${index}].items[${itemIndex}].title`);
          optionalText(item.description, `${at}.groups[${index}].items[${itemIndex}].description`);
        });
      });
      return;
    case "whatsAppUrlAction":
      if (content.kind !== "url") throw new Invalid(`${at}.kind`, 'must be "url"');
      text(content.title, `${at}.title`);
      uri(content.url, `${at}.url`);
      return;
    default:
      throw new Invalid(
        "interactiveMessage.action.kind",
        "must be whatsAppButtonAction, whatsAppListAction or whatsAppUrlAction",
      );
  }
}

function textContent(value: unknown, target: string): void {
  const content = object(value, target);
  if (content.kind !== "text") throw new Invalid(`${target}.kind`, 'must be "text"');
  text(content.text, `${target}.text`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(value: unknown, target: string): Record<string, unknown> {
  if (!isObject(value)) throw new Invalid(target, "must be an object");
  return value;
}

function array(value: unknown, target: string, min: number, max = Number.POSITIVE_INFINITY): unknown[] {
  if (!Array.isArray(value)) throw new Invalid(target, "must be an array");
  if (value.length < min || value.length > max) {
    throw new Invalid(target, `must hold ${min}${Number.isFinite(max) ? `-${max}` : " or more"} items`);
  }
  return value;
}

function text(value: unknown, target: string): void {
  if (typeof value !== "string" || value.length === 0) throw new Invalid(target, "must be a non-empty string");
}

function optionalText(value: unknown, target: string): void {
  if (value !== undefined && typeof value !== "string") throw new Invalid(target, "must be a string");
}

function uri(value: unknown, target: string): void {
  text(value, target);
  try {
    const url = new URL(value as string);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Invalid(target, "must be an http(s) URL");
  } catch (error) {
    if (error instanceof Invalid) throw error;
    throw new Invalid(target, "must be an absolute URL");
  }
}

function badRequest(code: string, message: string, target?: string): EmulatorError {
  return { status: 400, code, message, ...(target === undefined ? {} : { target }) };
}
