import { isBsuid, isParentBsuid, type Bsuid } from "../../../core/values/Bsuid";
import { isGuid } from "../../../core/values/ChannelId";
import { tryParsePhoneNumber, type PhoneNumber } from "../../../core/values/PhoneNumber";
import { maskIdentifier } from "../../../core/logging/mask";

/**
 * The `{sender}` segment of an AdvancedMessageReceived subject, classified. `raw` is the segment exactly as it was.
 *
 * Since BSUIDs arrived the segment is the phone number only while the phone is visible; for a username user it is the
 * BSUID, so it must never be assumed to be a phone number.
 */
export type SubjectSender =
  | { kind: "phone"; raw: string; phone: PhoneNumber }
  | { kind: "bsuid"; raw: string; bsuid: Bsuid }
  | { kind: "parentBsuid"; raw: string; bsuid: Bsuid }
  | { kind: "unknown"; raw: string };

/** The result of {@link parseAdvancedMessageSubject}, discriminated on `kind`. */
export type ParsedAdvancedMessageSubject =
  | {
      /** `advancedMessage/sender/{sender}/recipient/{channel}` (AdvancedMessageReceived). */
      kind: "received";
      sender: SubjectSender;
      /** The channel registration ID segment as written (GUIDs compare case-insensitively). */
      channelId: string;
    }
  | {
      /** `advancedMessage/{messageId}/status/{status}` (AdvancedMessageDeliveryStatusUpdated). */
      kind: "deliveryStatus";
      messageId: string;
      /** As written: sources disagree on its case (`Delivered` vs `delivered`), so compare case-insensitively. */
      status: string;
    }
  | { kind: "unrecognized"; subject: string; reason: string };

/** The event data fields {@link crossCheckSubject} compares with the subject. Empty strings and `null` mean "none". */
export interface SubjectCrossCheckData {
  /** `data.from` of AdvancedMessageReceived (digits without `+`, `""` or `null` when hidden). */
  fromPhone?: string | null;
  /** `data.fromBSUID` of AdvancedMessageReceived. */
  fromBsuid?: string | null;
  /** `data.to` of AdvancedMessageReceived: the channel registration ID. */
  channelId?: string | null;
  /** `data.messageId` of AdvancedMessageDeliveryStatusUpdated. */
  messageId?: string | null;
}

const PHONE_SEGMENT = /^\+?\d{7,15}$/;

/**
 * Parses the subject of an ACS Advanced Messaging event. Never throws: anything that is not one of the two known
 * shapes comes back as `unrecognized` with a reason.
 *
 * The sender segment is classified as `phone` (7-15 digits, optionally with `+`, that {@link tryParsePhoneNumber}
 * accepts, so the project's phone policy applies), `bsuid`, `parentBsuid` (`CC.ENT.…`) or `unknown` (e.g. digits
 * with an unassigned calling code, or a BSUID whose case was changed: BSUIDs are compared byte for byte). The literal segments `advancedMessage`, `sender`,
 * `recipient` and `status` are matched case-insensitively, a judgement call that costs nothing because the data, not
 * the subject, is the source of truth.
 */
export function parseAdvancedMessageSubject(subject: unknown): ParsedAdvancedMessageSubject {
  if (typeof subject !== "string") {
    return { kind: "unrecognized", subject: "", reason: `the subject is not a string (got ${typeOf(subject)})` };
  }
  const segments = subject.split("/");
  const [root, ...rest] = segments;
  if (root === undefined || !sameWord(root, "advancedMessage")) {
    return unrecognized(subject, 'the subject does not start with "advancedMessage/"');
  }
  if (rest.some((segment) => segment === "")) return unrecognized(subject, "a segment is empty");

  if (rest.length === 4) {
    const [senderWord, sender, recipientWord, channelId] = rest as [string, string, string, string];
    if (sameWord(senderWord, "sender") && sameWord(recipientWord, "recipient")) {
      return { kind: "received", sender: classifySender(sender), channelId };
    }
  }
  if (rest.length === 3) {
    const [messageId, statusWord, status] = rest as [string, string, string];
    if (sameWord(statusWord, "status")) return { kind: "deliveryStatus", messageId, status };
  }
  return unrecognized(
    subject,
    "neither advancedMessage/sender/{sender}/recipient/{channel} nor advancedMessage/{messageId}/status/{status}",
  );
}

/**
 * Compares a parsed subject with the event's data and describes every disagreement, for the caller to log. The data
 * always wins; the subject is only a routing hint. Identifiers in the descriptions are masked.
 *
 * The sender is checked only when the caller passes `fromPhone` or `fromBsuid` (even as `""` / `null`), so a caller
 * that has only the channel ID to compare gets no sender complaints. Checks made:
 * - received, phone sender: `fromPhone` must be the same number (compared after parsing, so `+` does not matter);
 * - received, BSUID sender: `fromBsuid` must be the same value byte for byte; a phone in `fromPhone` is reported too,
 *   because ACS documents the BSUID in the subject only when the phone is hidden;
 * - received, unknown sender: reported;
 * - received: `channelId` must equal the recipient segment (case-insensitively when both are GUIDs);
 * - delivery status: `messageId` must equal the message ID segment (likewise);
 * - unrecognized: reported with its reason.
 */
export function crossCheckSubject(parsed: ParsedAdvancedMessageSubject, data: SubjectCrossCheckData): string[] {
  const mismatches: string[] = [];
  if (parsed.kind === "unrecognized") {
    mismatches.push(`subject is not an ACS Advanced Messaging subject (${parsed.reason})`);
    return mismatches;
  }
  if (parsed.kind === "deliveryStatus") {
    const messageId = present(data.messageId);
    if (messageId !== undefined && !sameId(messageId, parsed.messageId)) {
      mismatches.push(`subject message ID ${parsed.messageId} differs from data.messageId ${messageId}`);
    }
    return mismatches;
  }

  if ("fromPhone" in data || "fromBsuid" in data) mismatches.push(...checkSender(parsed.sender, data));
  const channelId = present(data.channelId);
  if (channelId !== undefined && !sameId(channelId, parsed.channelId)) {
    mismatches.push(`subject recipient channel ${parsed.channelId} differs from data channel ${channelId}`);
  }
  return mismatches;
}

function checkSender(sender: SubjectSender, data: SubjectCrossCheckData): string[] {
  const fromPhone = present(data.fromPhone);
  const fromBsuid = present(data.fromBsuid);
  switch (sender.kind) {
    case "phone": {
      if (fromPhone === undefined) {
        return [`subject sender is phone ${maskIdentifier(sender.phone)} but data carries no phone number`];
      }
      const dataPhone = tryParsePhoneNumber(fromPhone);
      return dataPhone === sender.phone
        ? []
        : [`subject sender phone ${maskIdentifier(sender.phone)} differs from data phone ${maskIdentifier(fromPhone)}`];
    }
    case "bsuid":
    case "parentBsuid": {
      const found: string[] = [];
      if (fromBsuid === undefined) {
        found.push(`subject sender is BSUID ${maskIdentifier(sender.bsuid)} but data carries no BSUID`);
      } else if (fromBsuid !== sender.bsuid) {
        found.push(
          `subject sender BSUID ${maskIdentifier(sender.bsuid)} differs from data BSUID ${maskIdentifier(fromBsuid)}`,
        );
      }
      if (fromPhone !== undefined) {
        found.push(
          `subject sender is a BSUID although data carries phone ${maskIdentifier(fromPhone)} (ACS puts the phone in the subject when it is visible)`,
        );
      }
      return found;
    }
    case "unknown":
      return [`subject sender segment ${maskIdentifier(sender.raw)} is neither a phone number nor a BSUID`];
  }
}

function classifySender(raw: string): SubjectSender {
  if (PHONE_SEGMENT.test(raw)) {
    const phone = tryParsePhoneNumber(raw);
    return phone === undefined ? { kind: "unknown", raw } : { kind: "phone", raw, phone };
  }
  if (isBsuid(raw))
    return isParentBsuid(raw) ? { kind: "parentBsuid", raw, bsuid: raw } : { kind: "bsuid", raw, bsuid: raw };
  return { kind: "unknown", raw };
}

function unrecognized(subject: string, reason: string): ParsedAdvancedMessageSubject {
  return { kind: "unrecognized", subject, reason };
}

function sameWord(segment: string, word: string): boolean {
  return segment.toLowerCase() === word.toLowerCase();
}

function sameId(a: string, b: string): boolean {
  return isGuid(a) && isGuid(b) ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function present(value: string | null | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function typeOf(value: unknown): string {
  return value === null ? "null" : typeof value;
}
