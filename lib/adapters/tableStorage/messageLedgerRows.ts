/**
 * How the message ledger's rows look in Table Storage, and the conversions between them and the ledger's records.
 *
 * @packageDocumentation
 */

import { createHash } from "node:crypto";
import type { ContactId, MessageId } from "../../core/values/identifiers";
import {
  STATUS_RANK,
  type FollowUp,
  type LedgerMessage,
  type MessageStatus,
  type OutboundRecord,
  type StatusEntry,
  type StatusRecord,
} from "../../domain/ledger/MessageLedger";
import type { MessageWarning } from "../../events/types";

/** A message's row: what was sent or received, and its latest status. */
export type MessageEntity = {
  partitionKey: string;
  rowKey: string;
  direction: string;
  contactId?: string | null;
  channelId: string;
  messageType?: string | null;
  summary?: string | null;
  at?: string | null;
  addressedBy?: string | null;
  templateName?: string | null;
  status?: string | null;
  statusEventId?: string | null;
  statusAt?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  /** JSON array of `MessageWarning`; absent when there were none. */
  warnings?: string | null;
  /** JSON of the template sent, for outbound templates to a BSUID. */
  resendableTemplate?: string | null;
  /** JSON of a `FollowUp`. */
  followUp?: string | null;
};

/** One status event in a message's history. */
export type StatusEntity = {
  partitionKey: string;
  rowKey: string;
  status: string;
  rawStatus: string;
  at: string;
  eventId: string;
  errorCode?: string | null;
  errorMessage?: string | null;
  warnings?: string | null;
};

/** The row key of a message's own row in its partition. */
export const MESSAGE_ROW = "message";
/** The row key prefix of its status history rows. */
export const STATUS_ROW_PREFIX = "status|";
/** Table Storage string properties hold at most 32K UTF-16 characters; summaries are short by design anyway. */
export const MAX_SUMMARY = 1000;
/**
 * JSON properties (warnings, a kept template) stay under Table Storage's 32K-character property limit. Warnings are
 * bounded by the parser anyway (20, each with a 200-character excerpt).
 */
const MAX_JSON_PROPERTY = 30_000;

/** Warnings as stored: JSON, shortened to one warning saying so when too long for a property. */
export function storeWarnings(warnings: readonly MessageWarning[] | undefined): string | null {
  if (!warnings || warnings.length === 0) return null;
  const json = JSON.stringify(warnings);
  if (json.length <= MAX_JSON_PROPERTY) return json;
  return JSON.stringify([
    { code: "more_warnings", field: "data", message: "The event's warnings were too long to keep." },
  ]);
}

/** Warnings as stored, read back; a damaged value reads as none. */
export function readWarnings(json: string | null | undefined): MessageWarning[] {
  const parsed = readJson(json);
  return Array.isArray(parsed) ? (parsed as MessageWarning[]) : [];
}

/** The template to keep for a resend, when it fits in a table property (a template that large is not kept). */
export function resendableTemplateOf(record: OutboundRecord): { resendableTemplate?: string } {
  if (record.resendableTemplate === undefined) return {};
  const json = JSON.stringify(record.resendableTemplate);
  return json.length <= MAX_JSON_PROPERTY ? { resendableTemplate: json } : {};
}

/** A JSON property as stored by this ledger; a row damaged by hand reads as absent rather than failing the read. */
function readJson(json: string | null | undefined): unknown {
  if (!json) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Event IDs Table Storage accepts in a key (none of `/ \ # ?` or control characters), short enough for its 1 KiB
 * limit, and not starting with `|`: used as they are.
 */
// eslint-disable-next-line no-control-regex
const KEY_SAFE_EVENT_ID = /^[^/\\#?|\u0000-\u001f\u007f-\u009f][^/\\#?\u0000-\u001f\u007f-\u009f]{0,199}$/;

/**
 * The history row key of a status event. Event Grid's `id` is any string the publisher chose, but Table Storage keys
 * refuse `/`, `\`, `#`, `?` and control characters and hold at most 1 KiB; such an ID would fail the write on every
 * delivery (a poison event retried for 24 hours). Those IDs are hashed instead: `status||<sha256>`, which no ID used as
 * it is can collide with (those never start with `|`). The row keeps the ID itself in `eventId`.
 */
export function statusRowKey(eventId: string): string {
  if (KEY_SAFE_EVENT_ID.test(eventId)) return `${STATUS_ROW_PREFIX}${eventId}`;
  return `${STATUS_ROW_PREFIX}|${createHash("sha256").update(eventId).digest("hex")}`;
}

/** The history row of a status event. */
export function statusHistoryRow(record: StatusRecord): StatusEntity {
  return {
    partitionKey: record.messageId,
    rowKey: statusRowKey(record.eventId),
    status: record.status,
    rawStatus: record.rawStatus,
    at: record.at,
    eventId: record.eventId,
    errorCode: record.errorCode,
    errorMessage: record.errorMessage,
    warnings: storeWarnings(record.warnings),
  };
}

/** Orders two statuses of one message: rank first, then time and event ID so the outcome never depends on arrival order. */
export function isAhead(a: { status: MessageStatus; at: string; eventId: string }, b: MessageEntity): boolean {
  if (!b.status) return true;
  const rankA = STATUS_RANK[a.status];
  const rankB = STATUS_RANK[b.status as MessageStatus] ?? 0;
  if (rankA !== rankB) return rankA > rankB;
  const atB = b.statusAt ?? "";
  if (a.at !== atB) return a.at > atB;
  return a.eventId > (b.statusEventId ?? "");
}

/** A status history row as the ledger reports it. */
export function toStatusEntry(entity: StatusEntity): StatusEntry {
  return {
    status: entity.status as MessageStatus,
    rawStatus: entity.rawStatus,
    at: entity.at,
    eventId: entity.eventId,
    errorCode: entity.errorCode ?? null,
    errorMessage: entity.errorMessage ?? null,
    warnings: readWarnings(entity.warnings),
  };
}

/** A message row and its (ordered) history as the ledger reports them. */
export function toMessage(entity: MessageEntity, history: StatusEntry[]): LedgerMessage {
  return {
    messageId: entity.partitionKey as MessageId,
    direction: entity.direction === "inbound" ? "inbound" : "outbound",
    contactId: (entity.contactId ?? null) as ContactId | null,
    channelId: entity.channelId,
    messageType: entity.messageType ?? null,
    summary: entity.summary ?? null,
    at: entity.at ?? null,
    addressedBy: entity.addressedBy === "bsuid" || entity.addressedBy === "phone" ? entity.addressedBy : null,
    templateName: entity.templateName ?? null,
    status: (entity.status ?? null) as MessageStatus | null,
    statusAt: entity.statusAt ?? null,
    errorCode: entity.errorCode ?? null,
    errorMessage: entity.errorMessage ?? null,
    warnings: readWarnings(entity.warnings),
    resendableTemplate: readJson(entity.resendableTemplate) ?? null,
    followUp: (readJson(entity.followUp) as FollowUp | undefined) ?? null,
    history,
  };
}
