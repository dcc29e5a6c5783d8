import { ValidationError } from "../../../core/errors";
import { maskIdentifier } from "../../../core/logging/mask";
import type { EventRejection, MessageWarning } from "../../../events/types";

/**
 * The field readers the event parser is built from, in two kinds:
 *
 * - strict readers (`requiredString`, `optionalString`, `optionalObject`) for what an event cannot be processed
 *   without (its envelope, its channel): they throw the parser's own rejection;
 * - tolerant readers (`read*`) for everything else: a missing or malformed optional part becomes a
 *   {@link MessageWarning} and the message goes on without it, because one odd optional field must never lose a message.
 */

export type JsonObject = Record<string, unknown>;

/** Envelope facts known so far, put on a rejection so it can be matched to its event. */
export type KnownEventFacts = Pick<EventRejection, "eventId" | "eventType">;

/** Envelope strings: resource paths and subjects are long but bounded. */
export const MAX_ENVELOPE_LENGTH = 4096;
/** IDs, types, codes, MIME types, emoji, timestamps. */
export const MAX_TOKEN_LENGTH = 256;
/** Captions, titles, descriptions, payloads, file names, error messages: WhatsApp's own limits are far lower. */
export const MAX_TEXT_LENGTH = 64 * 1024;
/** How much of an odd value a warning keeps. */
const MAX_RAW_LENGTH = 200;
/** An event with more oddities than this is described by its first ones; the count says how many there were. */
const MAX_WARNINGS = 20;

/**
 * The parser's own rejections. A private class, so that nothing thrown from inside the input (a hostile getter) can pass
 * itself off as a validation result.
 */
export class EventRejected extends ValidationError {}

/** Rejects the event: it cannot be processed at all. */
export function reject(code: string, field: string | undefined, reason: string): never {
  throw new EventRejected(reason, field === undefined ? { code } : { code, field });
}

/** Runs one of the project's value parsers and turns its `ValidationError` into the parser's own rejection. */
export function adopt<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValidationError) {
      reject(error.code, error.field, error.message.endsWith(".") ? error.message : `${error.message}.`);
    }
    throw error;
  }
}

/** The warnings of one event, bounded. */
export class Warnings {
  readonly list: MessageWarning[] = [];
  private dropped = 0;

  /** Records an oddity; `raw` is the value as sent (masked with `identifier`). */
  add(code: string, field: string, message: string, raw?: unknown, identifier = false): void {
    if (this.list.length >= MAX_WARNINGS) {
      this.dropped += 1;
      return;
    }
    const warning: MessageWarning = { code, field, message };
    if (raw !== undefined) warning.raw = excerpt(raw, identifier);
    this.list.push(warning);
  }

  /** The list, ending with a note of how many more there were when the event had more than the limit. */
  finish(): MessageWarning[] {
    if (this.dropped > 0) {
      this.list.push({
        code: "more_warnings",
        field: "data",
        message: `${this.dropped} more oddities in this event were not listed.`,
      });
    }
    return this.list;
  }
}

/** The value as JSON, cut short; an identifier is masked so that a stored warning never holds one in full. */
function excerpt(value: unknown, identifier: boolean): string {
  // Cut first: a mask keeps the value's length, and the value may be a megabyte of junk.
  if (identifier && typeof value === "string") return JSON.stringify(maskIdentifier(value.slice(0, 64)));
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value.slice(0, MAX_RAW_LENGTH + 1)) : JSON.stringify(value);
  } catch {
    return "(not serialisable)";
  }
  if (text === undefined) return describe(value);
  return text.length > MAX_RAW_LENGTH ? `${text.slice(0, MAX_RAW_LENGTH)}…` : text;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Own properties only: a polluted `Object.prototype` must not be able to supply a sender. */
export function own(object: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/** `undefined`, `null` and `""` all mean "no value": the service uses all three for hidden phone numbers. */
export function isAbsent(value: unknown): value is undefined | null | "" {
  return value === undefined || value === null || value === "";
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}

// ---- strict: the event cannot be processed without these ----------------------------------------------------------

export function checkString(value: unknown, field: string, maxLength: number): string | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value !== "string") reject("invalid_type", field, `${field} must be a string; got ${describe(value)}.`);
  if (value.length > maxLength) {
    reject("field_too_long", field, `${field} is ${value.length} characters long; at most ${maxLength} are accepted.`);
  }
  return value;
}

export function optionalString(
  object: JsonObject,
  key: string,
  field: string,
  maxLength: number = MAX_TOKEN_LENGTH,
): string | undefined {
  return checkString(own(object, key), field, maxLength);
}

/** Each property is read once: a getter may answer differently on a second read. */
export function requiredString(
  object: JsonObject,
  key: string,
  field: string,
  maxLength: number = MAX_TOKEN_LENGTH,
): string {
  const raw = own(object, key);
  const value = checkString(raw, field, maxLength);
  if (value === undefined || value.trim() === "") {
    reject("missing_field", field, `${field} is ${raw === undefined || raw === null ? "missing" : "empty"}.`);
  }
  return value;
}

// ---- tolerant: an odd value is a warning, never a rejection -------------------------------------------------------

/**
 * Reads an optional text. A number or boolean is kept as its text (a publisher's typing slip loses nothing); an object
 * or array is dropped; an over-long text is cut to `maxLength`. Each of those is a warning.
 */
export function readText(
  object: JsonObject,
  key: string,
  field: string,
  warnings: Warnings,
  maxLength: number = MAX_TOKEN_LENGTH,
): string | undefined {
  const value = own(object, key);
  if (isAbsent(value)) return undefined;
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean") {
    text = String(value);
    warnings.add("invalid_type", field, `${field} should be a string; got ${describe(value)}, kept as text.`, value);
  } else {
    warnings.add("invalid_type", field, `${field} should be a string; got ${describe(value)}, left out.`, value);
    return undefined;
  }
  if (text.length > maxLength) {
    warnings.add(
      "field_too_long",
      field,
      `${field} is ${text.length} characters long; kept its first ${maxLength}.`,
      text.slice(0, MAX_RAW_LENGTH),
    );
    return text.slice(0, maxLength);
  }
  return text;
}

/** Reads an optional object part; anything else is dropped with a warning. */
export function readPart(object: JsonObject, key: string, field: string, warnings: Warnings): JsonObject | undefined {
  const value = own(object, key);
  if (isAbsent(value)) return undefined;
  if (isObject(value)) return value;
  warnings.add("invalid_type", field, `${field} should be an object; got ${describe(value)}, left out.`, value);
  return undefined;
}

/**
 * Reads an optional boolean. `"true"` and `"false"` (any case) are booleans too: the docs' attribute tables give some
 * booleans the type string. Anything else is dropped with a warning.
 */
export function readBoolean(object: JsonObject, key: string, field: string, warnings: Warnings): boolean | undefined {
  const value = own(object, key);
  if (isAbsent(value)) return undefined;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (word === "true") return true;
    if (word === "false") return false;
  }
  warnings.add("invalid_type", field, `${field} should be true or false; got ${describe(value)}, left out.`, value);
  return undefined;
}
