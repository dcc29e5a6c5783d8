import { isBsuid, type Bsuid } from "../../../core/values/Bsuid";
import { tryParsePhoneNumber, type PhoneNumber } from "../../../core/values/PhoneNumber";
import { messageIdFromEventId, parseMessageId, type MessageId } from "../../../core/values/identifiers";
import {
  describe,
  isAbsent,
  MAX_TEXT_LENGTH,
  own,
  readBoolean,
  readPart,
  readText,
  type JsonObject,
  type Warnings,
} from "./readEventFields";
import type {
  DeliveryStatusUpdate,
  InboundButton,
  InboundContext,
  InboundInteractive,
  InboundMedia,
  InboundReaction,
} from "../../../events/types";
import type {
  WireAdvancedMessageDeliveryStatusUpdatedData,
  WireAdvancedMessageReceivedData,
  WireButton,
  WireContext,
  WireDeliveryError,
  WireInteractive,
  WireMedia,
  WireReaction,
} from "./wireTypes";

/**
 * The optional parts of an event's `data`, read tolerantly: a part that is missing or malformed is left out (or kept
 * in part) with a warning, never a reason to drop the message.
 */

/**
 * The media ID ends up as a path segment of `/messages/streams/{id}`; a leading letter or digit rules out `.` and `..`,
 * and the alphabet rules out `/`, `?`, `#` and `%`.
 */
const MEDIA_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._=+-]{0,199}$/;

/** A party's identifiers as read: either may be missing; what was unusable is in the warnings. */
export interface Party {
  phone: PhoneNumber | undefined;
  bsuid: Bsuid | undefined;
  /** Why each identifier is missing, for a rejection when the party is required and has neither. */
  problems: string[];
}

/**
 * Reads a party's phone field and BSUID field. The phone field may itself hold a BSUID (the subject carries the BSUID
 * in the sender position when the phone is hidden, and `from` may follow it): that is taken as the BSUID. An unusable
 * phone next to a valid BSUID (or the reverse) is a warning: one good identifier is enough to keep the message.
 */
export function readParty(data: JsonObject, phoneKey: string, bsuidKey: string, warnings: Warnings): Party {
  const phoneField = `data.${phoneKey}`;
  const bsuidField = `data.${bsuidKey}`;
  const problems: string[] = [];
  const rawBsuid = own(data, bsuidKey);
  let bsuid: Bsuid | undefined;
  if (isBsuid(rawBsuid)) bsuid = rawBsuid;
  else if (!isAbsent(rawBsuid)) {
    problems.push(`${bsuidField} is not a BSUID`);
    warnings.add(
      "invalid_bsuid",
      bsuidField,
      `${bsuidField} is not a BSUID (a two-letter country code, a period, 1-128 letters or digits); left out.`,
      rawBsuid,
      true,
    );
  }

  const rawPhone = own(data, phoneKey);
  if (isAbsent(rawPhone)) return { phone: undefined, bsuid, problems };
  if (isBsuid(rawPhone)) {
    if (bsuid !== undefined && bsuid !== rawPhone) {
      warnings.add(
        "conflicting_identifiers",
        phoneField,
        `${phoneField} holds a BSUID that differs from ${bsuidField}; ${bsuidField} was used.`,
        rawPhone,
        true,
      );
      return { phone: undefined, bsuid, problems };
    }
    return { phone: undefined, bsuid: rawPhone, problems };
  }
  // ACS writes the number as digits in a string; a number is the same digits with a typing slip.
  const text = typeof rawPhone === "number" && Number.isSafeInteger(rawPhone) ? String(rawPhone) : rawPhone;
  if (text !== rawPhone) {
    warnings.add("invalid_type", phoneField, `${phoneField} should be a string; got a number, read as its digits.`);
  }
  const phone = typeof text === "string" ? tryParsePhoneNumber(text) : undefined;
  if (phone !== undefined) return { phone, bsuid, problems };
  const shown = typeof text === "string" ? `a string of ${text.length} characters` : describe(text);
  problems.push(`${phoneField} is not a usable phone number (${shown})`);
  warnings.add(
    "unusable_phone",
    phoneField,
    `${phoneField} is not a usable phone number (${shown}); the ${bsuid === undefined ? "party" : "BSUID"} is used ` +
      "without a phone.",
    rawPhone,
    true,
  );
  return { phone: undefined, bsuid, problems };
}

/**
 * Reads `data.messageId`. Without a usable one the event's own ID stands in (stable across redeliveries), so a
 * redelivered event still lands on the same ledger row.
 */
export function readMessageId(data: JsonObject, eventId: string, warnings: Warnings): MessageId {
  const field = "data.messageId";
  const derived = (): MessageId => messageIdFromEventId(eventId, dataText(data));
  const raw = own(data, "messageId" satisfies keyof WireAdvancedMessageReceivedData);
  if (isAbsent(raw)) {
    warnings.add(
      "missing_message_id",
      field,
      "data.messageId is missing; the message is keyed by its Event Grid event ID instead.",
    );
    return derived();
  }
  const id = toMessageId(raw);
  if (id !== undefined) return id;
  warnings.add(
    "invalid_message_id",
    field,
    "data.messageId is not a message ID; the message is keyed by its Event Grid event ID instead.",
    raw,
  );
  return derived();
}

/** The data as delivered, for the derived key; data that cannot be serialised (never from Event Grid) adds nothing. */
function dataText(data: JsonObject): string {
  try {
    return JSON.stringify(data);
  } catch {
    return "";
  }
}

function toMessageId(raw: unknown): MessageId | undefined {
  try {
    return parseMessageId(raw);
  } catch {
    return undefined;
  }
}

export function readMedia(data: JsonObject, warnings: Warnings): InboundMedia | undefined {
  type Key = keyof WireMedia;
  const key = <K extends Key>(name: K): K => name;
  const media = readPart(data, "media" satisfies keyof WireAdvancedMessageReceivedData, "data.media", warnings);
  if (media === undefined) return undefined;

  const mimeType = readText(media, key("mimeType"), "data.media.mimeType", warnings);
  const rawId = own(media, key("id"));
  const id = typeof rawId === "string" && MEDIA_ID_PATTERN.test(rawId) ? rawId : undefined;
  if (id === undefined) {
    warnings.add(
      isAbsent(rawId) ? "missing_media_id" : "invalid_media_id",
      "data.media.id",
      isAbsent(rawId)
        ? "data.media.id is missing; the media cannot be downloaded."
        : "data.media.id is not a media ID (1-200 letters, digits or . _ = + - starting with a letter or digit); " +
            "the media cannot be downloaded.",
      rawId,
    );
  }
  if (mimeType === undefined) {
    warnings.add("missing_mime_type", "data.media.mimeType", "data.media.mimeType is missing.");
  }
  const fileName = readText(media, key("fileName"), "data.media.fileName", warnings, MAX_TEXT_LENGTH);
  const caption = readText(media, key("caption"), "data.media.caption", warnings, MAX_TEXT_LENGTH);
  const animated = readBoolean(media, key("animated"), "data.media.animated", warnings);

  const result: InboundMedia = { mimeType: mimeType ?? "application/octet-stream" };
  if (id !== undefined) result.id = id;
  if (fileName !== undefined) result.fileName = fileName;
  if (caption !== undefined) result.caption = caption;
  if (animated !== undefined) result.animated = animated;
  return result;
}

export function readContext(data: JsonObject, warnings: Warnings): InboundContext | undefined {
  type Key = keyof WireContext;
  const key = <K extends Key>(name: K): K => name;
  const context = readPart(data, "context" satisfies keyof WireAdvancedMessageReceivedData, "data.context", warnings);
  if (context === undefined) return undefined;

  const from = readText(context, key("from"), "data.context.from", warnings);
  const messageId = readReferencedId(context, key("id"), "data.context.id", warnings);
  const result: InboundContext = {};
  if (from !== undefined) result.from = from;
  if (messageId !== undefined) result.messageId = messageId;
  return Object.keys(result).length === 0 ? undefined : result;
}

export function readButton(data: JsonObject, warnings: Warnings): InboundButton | undefined {
  type Key = keyof WireButton;
  const key = <K extends Key>(name: K): K => name;
  const button = readPart(data, "button" satisfies keyof WireAdvancedMessageReceivedData, "data.button", warnings);
  if (button === undefined) return undefined;

  const text = readText(button, key("text"), "data.button.text", warnings, MAX_TEXT_LENGTH);
  const payload = readText(button, key("payload"), "data.button.payload", warnings, MAX_TEXT_LENGTH);
  const result: InboundButton = {};
  if (text !== undefined) result.text = text;
  if (payload !== undefined) result.payload = payload;
  return Object.keys(result).length === 0 ? undefined : result;
}

/** Every field of an interactive reply is optional in the TypeSpec; what is there is kept. */
export function readInteractive(data: JsonObject, warnings: Warnings): InboundInteractive | undefined {
  type Key = keyof WireInteractive;
  const key = <K extends Key>(name: K): K => name;
  const interactive = readPart(
    data,
    "interactive" satisfies keyof WireAdvancedMessageReceivedData,
    "data.interactive",
    warnings,
  );
  if (interactive === undefined) return undefined;

  const result: InboundInteractive = {};
  const type = readText(interactive, key("type"), "data.interactive.type", warnings);
  if (type !== undefined) result.type = type;
  const buttonReply = readReply(interactive, key("buttonReply"), warnings);
  if (buttonReply !== undefined) result.buttonReply = { ...buttonReply.reply };
  const listReply = readReply(interactive, key("listReply"), warnings);
  if (listReply !== undefined) {
    result.listReply = { ...listReply.reply };
    if (listReply.description !== undefined) result.listReply.description = listReply.description;
  }
  return result;
}

function readReply(
  interactive: JsonObject,
  key: "buttonReply" | "listReply",
  warnings: Warnings,
): { reply: { id?: string; title?: string }; description?: string } | undefined {
  const field = `data.interactive.${key}`;
  const part = readPart(interactive, key, field, warnings);
  if (part === undefined) return undefined;
  const reply: { id?: string; title?: string } = {};
  const id = readText(part, "id", `${field}.id`, warnings, MAX_TEXT_LENGTH);
  const title = readText(part, "title", `${field}.title`, warnings, MAX_TEXT_LENGTH);
  if (id !== undefined) reply.id = id;
  if (title !== undefined) reply.title = title;
  const description = readText(part, "description", `${field}.description`, warnings, MAX_TEXT_LENGTH);
  return description === undefined ? { reply } : { reply, description };
}

export function readReaction(data: JsonObject, warnings: Warnings): InboundReaction | undefined {
  type Key = keyof WireReaction;
  const key = <K extends Key>(name: K): K => name;
  const reaction = readPart(
    data,
    "reaction" satisfies keyof WireAdvancedMessageReceivedData,
    "data.reaction",
    warnings,
  );
  if (reaction === undefined) return undefined;

  const messageId = readReferencedId(reaction, key("messageId"), "data.reaction.messageId", warnings);
  const emoji = readText(reaction, key("emoji"), "data.reaction.emoji", warnings);
  const result: InboundReaction = {};
  if (messageId !== undefined) result.messageId = messageId;
  if (emoji !== undefined) result.emoji = emoji;
  return result;
}

/** The ID of an earlier message (a reply's context, a reaction's target): ACS's or WhatsApp's own (`wamid.…`). */
function readReferencedId(part: JsonObject, key: string, field: string, warnings: Warnings): MessageId | undefined {
  const raw = own(part, key);
  if (isAbsent(raw)) return undefined;
  const id = toMessageId(raw);
  if (id === undefined) {
    warnings.add("invalid_message_id", field, `${field} is not a message ID; left out.`, raw);
  }
  return id;
}

export function readDeliveryError(data: JsonObject, warnings: Warnings): DeliveryStatusUpdate["error"] {
  type Key = keyof WireDeliveryError;
  const key = <K extends Key>(name: K): K => name;
  const error = readPart(
    data,
    "error" satisfies keyof WireAdvancedMessageDeliveryStatusUpdatedData,
    "data.error",
    warnings,
  );
  if (error === undefined) return undefined;

  const code = own(error, key("channelCode"));
  // ACS sends the code as a string; Meta's own API as an integer. Both mean the same code.
  const channelCode =
    typeof code === "number" && Number.isSafeInteger(code)
      ? String(code)
      : readText(error, key("channelCode"), "data.error.channelCode", warnings);
  const channelMessage = readText(error, key("channelMessage"), "data.error.channelMessage", warnings, MAX_TEXT_LENGTH);

  const result: NonNullable<DeliveryStatusUpdate["error"]> = {};
  if (channelCode !== undefined) result.channelCode = channelCode;
  if (channelMessage !== undefined) result.channelMessage = channelMessage;
  return Object.keys(result).length === 0 ? undefined : result;
}
