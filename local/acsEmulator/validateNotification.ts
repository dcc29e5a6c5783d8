// Over 400 lines on purpose: the published rules of every send kind, one checker per kind,
// sharing one error shape; read side by side with test/fixtures/published, which they must accept.
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

/**
 * Model names below are those of the ACS Messages TypeSpec (azure-rest-api-specs,
 * `specification/communication/data-plane/Messages`), as they appear in the OpenAPI emitted for each api-version
 * (`stable/<version>/` and `preview/<version>/communicationservicesmessages.json`).
 */
const KINDS_2024_08_30 = ["text", "image", "image_v0", "document", "video", "audio", "template"] as const;
const KINDS_2025 = [...KINDS_2024_08_30, "sticker", "reaction", "interactive"] as const;
const ALL_KINDS = [...KINDS_2025, "status"] as const;

/**
 * The api-versions the emulator serves, with the message kinds (`CommunicationMessageKind`) each accepts.
 *
 * - `2024-02-01`: `image` is the first media model (`MediaNotificationContent`: `mediaUri`, optional `content`). The
 *   spec's enum stops at text, image and template, but its example folder also holds document and video sends
 *   (`mediaUri` and `content`), so those are accepted too.
 * - `2024-08-30`: `image` becomes `ImageNotificationContent` (`caption`); the old model stays as `image_v0`.
 * - `2024-11-15`: adds `interactive` in its first shape (`interactiveMessage.actionBindings`). The spec has also been
 *   published with `sticker` and `reaction` in this version, with examples, so both are accepted here too.
 * - `2025-01-15-preview` to `2025-04-01-preview`: `sticker`, `reaction`, and `interactive` in the
 *   `interactiveMessage.action` shape the app sends.
 * - `2025-09-01-preview`: adds `status` (`StatusNotificationContent`, read receipts).
 */
export const EMULATED_API_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  "2024-02-01": ["text", "image", "template", "document", "video"],
  "2024-08-30": KINDS_2024_08_30,
  "2024-11-15": [...KINDS_2024_08_30, "interactive", "sticker", "reaction"],
  "2025-01-15-preview": KINDS_2025,
  "2025-03-01-preview": KINDS_2025,
  "2025-04-01-preview": KINDS_2025,
  "2025-09-01-preview": ALL_KINDS,
};

/**
 * Versions with `POST /messages/readreceipts:send` (`ReadReceiptsOperations_Send`, body `ReadReceiptContent`:
 * `channelRegistrationId` and `messageId` required, `typingIndicator` optional), as the 2025-09-01-preview example
 * `NotificationMessages_SendReadReceipt.json` and the client generated from that TypeSpec have it.
 */
export const READ_RECEIPT_API_VERSIONS: ReadonlySet<string> = new Set(["2025-09-01-preview"]);

/** A read receipt that passed validation. */
export interface ValidReadReceipt {
  channelId: string;
  messageId: string;
  typingIndicator: boolean;
}

/** Versions whose `interactive` body is the first, `actionBindings` shape. */
const ACTION_BINDINGS_VERSIONS = new Set(["2024-11-15"]);

/** E.164 with or without the `+`: the spec's own examples send `14250000000`. */
const PHONE_PATTERN = /^\+?[1-9]\d{6,14}$/;
const BSUID_PATTERN = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;
const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for the recipient forms ACS accepts in `to`: a phone number (with or without `+`) or a BSUID. */
export function isValidRecipient(value: unknown): value is string {
  return typeof value === "string" && (PHONE_PATTERN.test(value) || BSUID_PATTERN.test(value));
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
 * recipient, a kind the api-version supports, and the fields that kind's model requires.
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
      "The recipient must be a phone number in E.164 format (the + is optional) or a WhatsApp BSUID.",
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
    checkKindShape(kind, parsed, apiVersion);
  } catch (error) {
    if (error instanceof Invalid)
      return badRequest("InvalidRequestBody", `${error.target} ${error.problem}.`, error.target);
    throw error;
  }
  return { channelId: channelId.toLowerCase(), to: recipient, kind, body: parsed };
}

/** Validates a `POST /messages/readreceipts:send` body (`ReadReceiptContent`). */
export function validateReadReceipt(parsed: unknown, channels: ReadonlySet<string>): ValidReadReceipt | EmulatorError {
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
  try {
    text(parsed.messageId, "messageId");
    if (parsed.typingIndicator !== undefined && typeof parsed.typingIndicator !== "boolean") {
      throw new Invalid("typingIndicator", "must be a boolean");
    }
  } catch (error) {
    if (error instanceof Invalid)
      return badRequest("InvalidRequestBody", `${error.target} ${error.problem}.`, error.target);
    throw error;
  }
  return {
    channelId: channelId.toLowerCase(),
    messageId: parsed.messageId as string,
    typingIndicator: parsed.typingIndicator === true,
  };
}

function checkKindShape(kind: string, body: Record<string, unknown>, apiVersion: string): void {
  switch (kind) {
    case "text": // TextNotificationContent
      text(body.content, "content");
      return;
    case "image":
      if (apiVersion === "2024-02-01") checkMediaV0(body);
      else checkMedia(body, ["caption"]); // ImageNotificationContent
      return;
    case "image_v0":
      checkMediaV0(body);
      return;
    case "video": // VideoNotificationContent
      checkMedia(body, ["caption"]);
      return;
    case "document": // DocumentNotificationContent
      checkMedia(body, ["caption", "fileName"]);
      return;
    case "audio": // AudioNotificationContent
    case "sticker": // StickerNotificationContent
      checkMedia(body, []);
      return;
    case "reaction": // ReactionNotificationContent: emoji and messageId required
      text(body.messageId, "messageId");
      text(body.emoji, "emoji");
      return;
    case "status": // StatusNotificationContent: status (`Status`: read) and messageId required
      if (body.status !== "read") throw new Invalid("status", 'must be "read"');
      text(body.messageId, "messageId");
      if (body.typingIndicator !== undefined && typeof body.typingIndicator !== "boolean") {
        throw new Invalid("typingIndicator", "must be a boolean");
      }
      return;
    case "template": // TemplateNotificationContent
      checkTemplate(object(body.template, "template"));
      return;
    case "interactive": {
      const message = object(body.interactiveMessage, "interactiveMessage");
      if (ACTION_BINDINGS_VERSIONS.has(apiVersion)) checkActionBindingsInteractive(message);
      else checkInteractive(message);
      return;
    }
  }
}

/** `MediaNotificationContent` (`image` in 2024-02-01, `image_v0` after): `mediaUri` required, `content` optional. */
function checkMediaV0(body: Record<string, unknown>): void {
  uri(body.mediaUri, "mediaUri");
  optionalText(body.content, "content");
}

function checkMedia(body: Record<string, unknown>, optionalFields: readonly string[]): void {
  uri(body.mediaUri, "mediaUri");
  for (const field of optionalFields) optionalText(body[field], field);
}

/** `MessageTemplate` (name, language required), its `MessageTemplateValue`s and `WhatsAppMessageTemplateBindings`. */
function checkTemplate(template: Record<string, unknown>): void {
  text(template.name, "template.name");
  text(template.language, "template.language");
  if (template.values !== undefined) {
    array(template.values, "template.values", 0).forEach((raw, index) =>
      checkTemplateValue(object(raw, `template.values[${index}]`), `template.values[${index}]`),
    );
  }
  if (template.bindings !== undefined) checkBindings(object(template.bindings, "template.bindings"));
}

function checkTemplateValue(value: Record<string, unknown>, at: string): void {
  text(value.name, `${at}.name`);
  switch (value.kind) {
    case "text": // MessageTemplateText: text required
      text(value.text, `${at}.text`);
      return;
    case "image": // MessageTemplateImage / Document / Video: url required, caption and fileName optional
    case "document":
    case "video":
      uri(value.url, `${at}.url`);
      optionalText(value.caption, `${at}.caption`);
      optionalText(value.fileName, `${at}.fileName`);
      return;
    case "location": // MessageTemplateLocation: latitude and longitude required
      number(value.latitude, `${at}.latitude`);
      number(value.longitude, `${at}.longitude`);
      optionalText(value.locationName, `${at}.locationName`);
      optionalText(value.address, `${at}.address`);
      return;
    case "quickAction": // MessageTemplateQuickAction: text and payload optional
      optionalText(value.text, `${at}.text`);
      optionalText(value.payload, `${at}.payload`);
      return;
    default:
      throw new Invalid(`${at}.kind`, "must be one of text, image, document, video, location, quickAction");
  }
}

function checkBindings(bindings: Record<string, unknown>): void {
  if (bindings.kind !== "whatsApp") throw new Invalid("template.bindings.kind", 'must be "whatsApp"');
  // WhatsAppMessageTemplateBindingsComponent: refValue required.
  for (const part of ["header", "body", "footer"] as const) {
    if (bindings[part] === undefined) continue;
    array(bindings[part], `template.bindings.${part}`, 0).forEach((raw, index) => {
      const at = `template.bindings.${part}[${index}]`;
      text(object(raw, at).refValue, `${at}.refValue`);
    });
  }
  // WhatsAppMessageTemplateBindingsButton: subType (`WhatsAppMessageButtonSubType`) and refValue required.
  if (bindings.buttons !== undefined) {
    array(bindings.buttons, "template.bindings.buttons", 0).forEach((raw, index) => {
      const at = `template.bindings.buttons[${index}]`;
      const button = object(raw, at);
      if (button.subType !== "quickReply" && button.subType !== "url") {
        throw new Invalid(`${at}.subType`, 'is required: "quickReply" or "url"');
      }
      text(button.refValue, `${at}.refValue`);
    });
  }
}

/** `InteractiveMessage` of the 2025 versions: `body` and `action` required. */
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
    case "whatsAppButtonAction": // ButtonSetContent of ButtonContent (id, title)
      if (content.kind !== "buttonSet") throw new Invalid(`${at}.kind`, 'must be "buttonSet"');
      array(content.buttons, `${at}.buttons`, 1, 3).forEach((raw, index) => {
        const button = object(raw, `${at}.buttons[${index}]`);
        text(button.id, `${at}.buttons[${index}].id`);
        text(button.title, `${at}.buttons[${index}].title`);
      });
      return;
    case "whatsAppListAction": // ActionGroupContent of ActionGroup of ActionGroupItem (id, title, description)
      if (content.kind !== "group") throw new Invalid(`${at}.kind`, 'must be "group"');
      text(content.title, `${at}.title`);
      array(content.groups, `${at}.groups`, 1, 10).forEach((raw, index) => {
        const group = object(raw, `${at}.groups[${index}]`);
        text(group.title, `${at}.groups[${index}].title`);
        array(group.items, `${at}.groups[${index}].items`, 1, 10).forEach((rawItem, itemIndex) => {
          const itemAt = `${at}.groups[${index}].items[${itemIndex}]`;
          const item = object(rawItem, itemAt);
          text(item.id, `${itemAt}.id`);
          text(item.title, `${itemAt}.title`);
          text(item.description, `${itemAt}.description`);
        });
      });
      return;
    case "whatsAppUrlAction": // LinkContent: title, url required
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

/**
 * `InteractiveMessage` of `2024-11-15`: `body` and `actionBindings` (`actionBindingKind`, `actions`) required. The
 * app never sends this shape, so only its frame is checked; the published examples write the action kinds with a
 * trailing space (`"button "`), so those are not compared either.
 */
function checkActionBindingsInteractive(message: Record<string, unknown>): void {
  object(message.body, "interactiveMessage.body");
  const bindings = object(message.actionBindings, "interactiveMessage.actionBindings");
  // `MessageActionBindingKind` has been published as whatsAppList/whatsAppButton/whatsAppUrl, with
  // whatsAppQuickAction, and (in a list example) plain "whatsApp": any name is taken.
  text(bindings.actionBindingKind, "interactiveMessage.actionBindings.actionBindingKind");
  array(bindings.actions, "interactiveMessage.actionBindings.actions", 1).forEach((raw, index) =>
    object(raw, `interactiveMessage.actionBindings.actions[${index}]`),
  );
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
  if (!isObject(value)) throw new Invalid(target, value === undefined ? "is required" : "must be an object");
  return value;
}

function array(value: unknown, target: string, min: number, max = Number.POSITIVE_INFINITY): unknown[] {
  if (!Array.isArray(value)) throw new Invalid(target, value === undefined ? "is required" : "must be an array");
  if (value.length < min || value.length > max) {
    throw new Invalid(target, `must hold ${min}${Number.isFinite(max) ? `-${max}` : " or more"} items`);
  }
  return value;
}

function text(value: unknown, target: string): void {
  if (value === undefined) throw new Invalid(target, "is required");
  if (typeof value !== "string" || value.length === 0) throw new Invalid(target, "must be a non-empty string");
}

function optionalText(value: unknown, target: string): void {
  if (value !== undefined && typeof value !== "string") throw new Invalid(target, "must be a string");
}

function number(value: unknown, target: string): void {
  if (value === undefined) throw new Invalid(target, "is required");
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Invalid(target, "must be a number");
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
