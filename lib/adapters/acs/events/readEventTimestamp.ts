import { isAbsent, own, type JsonObject, type Warnings } from "./readEventFields";
import type { EventEnvelope } from "../../../events/types";

/**
 * RFC 3339 / ISO 8601. The offset is optional on the wire: a time without one is read as UTC (the service writes UTC),
 * never in the server's own zone, and flagged.
 */
const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;
const MAX_TIMESTAMP_LENGTH = 64;

/** An instant read from the wire: ISO 8601 UTC, and whether the text said which zone it was in. */
interface ReadTime {
  iso: string;
  hadOffset: boolean;
}

/**
 * Reads when a message or status was received: `receivedTimestamp` (docs) or `receivedTimeStamp` (generated SDKs),
 * else the envelope time (at most seconds later; a missing data time is routine, not an oddity), else the time of
 * processing. A time is what the 24-hour window is measured from, so it is never a reason to drop the event: an
 * unreadable time is a warning and the next one is used.
 */
export function readReceivedAt(
  data: JsonObject,
  envelope: EventEnvelope,
  warnings: Warnings,
  now: () => Date = () => new Date(),
): string {
  const timeField = envelope.schema === "eventgrid" ? "eventTime" : "time";
  const candidates: [string, unknown][] = [
    ["data.receivedTimestamp", own(data, "receivedTimestamp")],
    ["data.receivedTimeStamp", own(data, "receivedTimeStamp")],
    [timeField, envelope.time],
  ];
  for (const [field, value] of candidates) {
    if (isAbsent(value)) continue;
    const read = typeof value === "string" ? readTimestamp(value) : undefined;
    if (read === undefined) {
      warnings.add(
        "invalid_timestamp",
        field,
        `${field} is not an ISO 8601 time (e.g. 2026-11-20T09:15:01+00:00); the next available time was used.`,
        value,
      );
      continue;
    }
    if (!read.hadOffset) {
      warnings.add("timestamp_without_offset", field, `${field} has no time zone offset; it was read as UTC.`, value);
    }
    return read.iso;
  }
  warnings.add(
    "missing_timestamp",
    "data.receivedTimestamp",
    `The event carries no usable time (data.receivedTimestamp, ${timeField}); the time it was processed was used.`,
  );
  return now().toISOString();
}

/** Parses one timestamp, or undefined when it is not one (including impossible dates such as 30 February). */
export function readTimestamp(value: string): ReadTime | undefined {
  if (value.length > MAX_TIMESTAMP_LENGTH) return undefined;
  const match = TIMESTAMP_PATTERN.exec(value);
  if (match === null) return undefined;
  const millis = timestampMillis(match);
  if (Number.isNaN(millis)) return undefined;
  return { iso: new Date(millis).toISOString(), hadOffset: match[8] !== undefined || match[9] !== undefined };
}

/** Milliseconds since the epoch, or NaN for impossible dates (Date.parse would roll 30 February over into March). */
function timestampMillis(match: RegExpExecArray): number {
  const number = (index: number): number => Number(match[index] ?? "0");
  const year = number(1);
  const month = number(2);
  const day = number(3);
  const hour = number(4);
  const minute = number(5);
  const second = number(6);
  const millisecond = Number((match[7] ?? "").padEnd(3, "0").slice(0, 3));
  const sign = match[9] === "-" ? -1 : 1;
  const offsetHours = number(10);
  const offsetMinutes = number(11);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  if (offsetHours > 23 || offsetMinutes > 59) return Number.NaN;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 onto 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return Number.NaN;
  date.setUTCHours(hour, minute, second, millisecond);
  return date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}
