import { createHash } from "node:crypto";
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from "@azure/data-tables";
import { ConcurrencyError } from "../../core/errors";
import type { MessageWarning } from "../../events/types";
import { asTransient, isConflict, isEntityMissing, isPreconditionFailed } from "./tableErrors";
import type { ContactId, MessageId } from "../../core/values/identifiers";
import {
  STATUS_RANK,
  type FollowUp,
  type LedgerMessage,
  type MessageLedger,
  type MessageStatus,
  type OutboundRecord,
  type StatusEntry,
} from "../../domain/ledger/MessageLedger";

type MessageEntity = {
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

type StatusEntity = {
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

const MESSAGE_ROW = "message";
const STATUS_ROW_PREFIX = "status|";
const MAX_ATTEMPTS = 10;
// Table Storage string properties hold at most 32K UTF-16 characters; summaries are short by design anyway.
const MAX_SUMMARY = 1000;
/**
 * JSON properties (warnings, a kept template) stay under Table Storage's 32K-character property limit. Warnings are
 * bounded by the parser anyway (20, each with a 200-character excerpt).
 */
const MAX_JSON_PROPERTY = 30_000;

function storeWarnings(warnings: readonly MessageWarning[] | undefined): string | null {
  if (!warnings || warnings.length === 0) return null;
  const json = JSON.stringify(warnings);
  if (json.length <= MAX_JSON_PROPERTY) return json;
  return JSON.stringify([
    { code: "more_warnings", field: "data", message: "The event's warnings were too long to keep." },
  ]);
}

function readWarnings(json: string | null | undefined): MessageWarning[] {
  const parsed = readJson(json);
  return Array.isArray(parsed) ? (parsed as MessageWarning[]) : [];
}

/** The template to keep for a resend, when it fits in a table property (a template that large is not kept). */
function resendableTemplateOf(record: OutboundRecord): { resendableTemplate?: string } {
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
function statusRowKey(eventId: string): string {
  if (KEY_SAFE_EVENT_ID.test(eventId)) return `${STATUS_ROW_PREFIX}${eventId}`;
  return `${STATUS_ROW_PREFIX}|${createHash("sha256").update(eventId).digest("hex")}`;
}

/** Orders two statuses of one message: rank first, then time and event ID so the outcome never depends on arrival order. */
function isAhead(a: { status: MessageStatus; at: string; eventId: string }, b: MessageEntity): boolean {
  if (!b.status) return true;
  const rankA = STATUS_RANK[a.status];
  const rankB = STATUS_RANK[b.status as MessageStatus] ?? 0;
  if (rankA !== rankB) return rankA > rankB;
  const atB = b.statusAt ?? "";
  if (a.at !== atB) return a.at > atB;
  return a.eventId > (b.statusEventId ?? "");
}

function toMessage(entity: MessageEntity, history: StatusEntry[]): LedgerMessage {
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

/**
 * Creates the message ledger on a table. Each message is a partition (`messageId`) holding the message row and one row
 * per status event, so a status is applied with one entity-group transaction: the history row (insert-once, which makes
 * redeliveries no-ops) and the message row (ETag-conditional, which makes concurrent statuses safe).
 */
export function createMessageLedger(messages: TableClient): MessageLedger {
  async function readRow(messageId: MessageId): Promise<TableEntityResult<MessageEntity> | undefined> {
    try {
      return await messages.getEntity<MessageEntity>(messageId, MESSAGE_ROW);
    } catch (error) {
      if (isEntityMissing(error)) return undefined;
      throw asTransient("message read", error);
    }
  }

  return {
    async recordInbound(record) {
      try {
        await messages.createEntity<MessageEntity>({
          partitionKey: record.messageId,
          rowKey: MESSAGE_ROW,
          direction: "inbound",
          contactId: record.contactId,
          channelId: record.channelId,
          messageType: record.messageType,
          summary: record.summary.slice(0, MAX_SUMMARY),
          at: record.at,
          warnings: storeWarnings(record.warnings),
        });
        return true;
      } catch (error) {
        if (isConflict(error)) return false;
        throw asTransient("message insert", error);
      }
    },

    async recordOutbound(record) {
      // Merge keeps any status fields a fast delivery event already wrote.
      try {
        await messages.upsertEntity<Omit<MessageEntity, "status" | "statusAt" | "errorCode" | "errorMessage">>(
          {
            partitionKey: record.messageId,
            rowKey: MESSAGE_ROW,
            direction: "outbound",
            contactId: record.contactId,
            channelId: record.channelId,
            messageType: record.messageType,
            summary: record.summary.slice(0, MAX_SUMMARY),
            at: record.at,
            addressedBy: record.addressedBy,
            templateName: record.templateName,
            ...resendableTemplateOf(record),
          },
          "Merge",
        );
      } catch (error) {
        throw asTransient("message upsert", error);
      }
    },

    async applyStatus(record) {
      const historyRow: StatusEntity = {
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
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const row = await readRow(record.messageId);
        const actions: TransactionAction[] = [["create", historyRow]];
        let status: MessageStatus;
        if (!row) {
          // A status for a message we never sent through this app (or whose send record is late): keep it.
          status = record.status;
          actions.push([
            "create",
            {
              partitionKey: record.messageId,
              rowKey: MESSAGE_ROW,
              direction: "outbound",
              contactId: record.contactId,
              channelId: record.channelId,
              status: record.status,
              statusEventId: record.eventId,
              statusAt: record.at,
              errorCode: record.errorCode,
              errorMessage: record.errorMessage,
            } satisfies MessageEntity,
          ]);
        } else {
          const ahead = isAhead(record, row);
          status = ahead ? record.status : (row.status as MessageStatus);
          const next: Partial<MessageEntity> & { partitionKey: string; rowKey: string } = {
            partitionKey: record.messageId,
            rowKey: MESSAGE_ROW,
          };
          if (ahead) {
            Object.assign(next, {
              status: record.status,
              statusEventId: record.eventId,
              statusAt: record.at,
              errorCode: record.errorCode,
              errorMessage: record.errorMessage,
            });
          }
          if (!row.contactId && record.contactId) next.contactId = record.contactId;
          // Merge with the row's ETag: the row is only touched when nobody changed it since the read.
          actions.push(["update", next, "Merge", { etag: row.etag }]);
        }
        try {
          await messages.submitTransaction(actions);
          return { duplicate: false, status };
        } catch (error) {
          if (isConflict(error) || isPreconditionFailed(error)) {
            // 409 on the history row: this event was applied before. 409/412 on the message row: a concurrent
            // writer; re-read and try again.
            const seen = await messages
              .getEntity<StatusEntity>(record.messageId, historyRow.rowKey)
              .then(() => true)
              .catch((readError: unknown) => {
                if (isEntityMissing(readError)) return false;
                throw asTransient("status history read", readError);
              });
            if (seen) {
              const current = await readRow(record.messageId);
              return { duplicate: true, status: (current?.status as MessageStatus | undefined) ?? record.status };
            }
            continue;
          }
          throw asTransient("status transaction", error);
        }
      }
      throw new ConcurrencyError(
        `Could not apply a status to message ${record.messageId} after ${MAX_ATTEMPTS} attempts`,
      );
    },

    async recordFollowUp(messageId, followUp) {
      try {
        await messages.upsertEntity<Pick<MessageEntity, "partitionKey" | "rowKey" | "followUp">>(
          { partitionKey: messageId, rowKey: MESSAGE_ROW, followUp: JSON.stringify(followUp) },
          "Merge",
        );
      } catch (error) {
        throw asTransient("message follow-up", error);
      }
    },

    async getMessage(messageId) {
      const history: StatusEntry[] = [];
      let row: MessageEntity | undefined;
      try {
        const filter = odata`PartitionKey eq ${messageId}`;
        for await (const entity of messages.listEntities<MessageEntity & StatusEntity>({ queryOptions: { filter } })) {
          if (entity.rowKey === MESSAGE_ROW) row = entity;
          else if (entity.rowKey?.startsWith(STATUS_ROW_PREFIX)) {
            history.push({
              status: entity.status as MessageStatus,
              rawStatus: entity.rawStatus,
              at: entity.at,
              eventId: entity.eventId,
              errorCode: entity.errorCode ?? null,
              errorMessage: entity.errorMessage ?? null,
              warnings: readWarnings(entity.warnings),
            });
          }
        }
      } catch (error) {
        throw asTransient("message query", error);
      }
      if (!row) return undefined;
      history.sort((a, b) => (a.at === b.at ? a.eventId.localeCompare(b.eventId) : a.at.localeCompare(b.at)));
      return toMessage(row, history);
    },
  };
}
