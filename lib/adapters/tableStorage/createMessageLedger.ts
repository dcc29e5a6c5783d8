import { odata, type TableClient, type TableEntityResult, type TransactionAction } from "@azure/data-tables";
import { ConcurrencyError } from "../../core/errors";
import type { ContactId, MessageId } from "../../core/values/identifiers";
import type { MessageLedger, MessageStatus, StatusEntry, StatusRecord } from "../../domain/ledger/MessageLedger";
import {
  isAhead,
  MAX_SUMMARY,
  MESSAGE_ROW,
  resendableTemplateOf,
  STATUS_ROW_PREFIX,
  statusHistoryRow,
  storeWarnings,
  toMessage,
  toStatusEntry,
  type MessageEntity,
  type StatusEntity,
} from "./messageLedgerRows";
import { asTransient, isConflict, isEntityMissing, isPreconditionFailed } from "./tableErrors";
import { deletePartition } from "./deleteRows";

const MAX_ATTEMPTS = 10;

/**
 * What a status does to its message's row, given the row as read: creates it when the message is unknown (a status for
 * a message not sent through this app, or whose send record is late: it is kept), otherwise merges the status in when
 * it is ahead and fills a missing contact. Returns the transaction action and the message's status after it.
 */
function messageRowAction(
  record: StatusRecord,
  row: TableEntityResult<MessageEntity> | undefined,
): { action: TransactionAction; status: MessageStatus } {
  const statusFields = {
    status: record.status,
    statusEventId: record.eventId,
    statusAt: record.at,
    errorCode: record.errorCode,
    errorMessage: record.errorMessage,
  };
  if (!row) {
    const created: MessageEntity = {
      partitionKey: record.messageId,
      rowKey: MESSAGE_ROW,
      direction: "outbound",
      contactId: record.contactId,
      channelId: record.channelId,
      ...statusFields,
    };
    return { action: ["create", created], status: record.status };
  }
  const ahead = isAhead(record, row);
  const next: Partial<MessageEntity> & { partitionKey: string; rowKey: string } = {
    partitionKey: record.messageId,
    rowKey: MESSAGE_ROW,
    ...(ahead ? statusFields : {}),
  };
  if (!row.contactId && record.contactId) next.contactId = record.contactId;
  // Merge with the row's ETag: the row is only touched when nobody changed it since the read.
  return {
    action: ["update", next, "Merge", { etag: row.etag }],
    status: ahead ? record.status : (row.status as MessageStatus),
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

  /** Whether a status event's history row exists: the event was applied before. */
  async function hasHistoryRow(messageId: MessageId, rowKey: string): Promise<boolean> {
    try {
      await messages.getEntity<StatusEntity>(messageId, rowKey);
      return true;
    } catch (error) {
      if (isEntityMissing(error)) return false;
      throw asTransient("status history read", error);
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
      const historyRow = statusHistoryRow(record);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const { action, status } = messageRowAction(record, await readRow(record.messageId));
        try {
          await messages.submitTransaction([["create", historyRow], action]);
          return { duplicate: false, status };
        } catch (error) {
          if (!isConflict(error) && !isPreconditionFailed(error)) throw asTransient("status transaction", error);
          // 409 on the history row: this event was applied before. 409/412 on the message row: a concurrent writer;
          // re-read and try again.
          if (await hasHistoryRow(record.messageId, historyRow.rowKey)) {
            const current = await readRow(record.messageId);
            return { duplicate: true, status: (current?.status as MessageStatus | undefined) ?? record.status };
          }
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
          else if (entity.rowKey?.startsWith(STATUS_ROW_PREFIX)) history.push(toStatusEntry(entity));
        }
      } catch (error) {
        throw asTransient("message query", error);
      }
      if (!row) return undefined;
      history.sort((a, b) => (a.at === b.at ? a.eventId.localeCompare(b.eventId) : a.at.localeCompare(b.at)));
      return toMessage(row, history);
    },

    async messageIdsOf(contactId) {
      const ids: MessageId[] = [];
      try {
        const filter = odata`RowKey eq ${MESSAGE_ROW} and contactId eq ${contactId}`;
        for await (const row of messages.listEntities({ queryOptions: { filter, select: ["PartitionKey"] } })) {
          ids.push(row.partitionKey as MessageId);
        }
      } catch (error) {
        throw asTransient("message list", error);
      }
      return ids;
    },

    deleteMessage: (messageId) => deletePartition(messages, messageId, "message"),

    async deleteMessageOf(messageId, contactIds) {
      try {
        const row = await messages.getEntity<MessageEntity>(messageId, MESSAGE_ROW);
        if (!row.contactId || !contactIds.includes(row.contactId as ContactId)) return 0;
        await messages.deleteEntity(messageId, MESSAGE_ROW, { etag: row.etag });
      } catch (error) {
        if (isEntityMissing(error) || isPreconditionFailed(error)) return 0;
        throw asTransient("message delete", error);
      }
      return 1 + (await deletePartition(messages, messageId, "message"));
    },

    async reassignInbound(messageId: MessageId, from: ContactId, to: ContactId) {
      try {
        const row = await messages.getEntity<MessageEntity>(messageId, MESSAGE_ROW);
        if (row.contactId !== from) return false;
        await messages.updateEntity({ partitionKey: messageId, rowKey: MESSAGE_ROW, contactId: to }, "Merge", {
          etag: row.etag,
        });
        return true;
      } catch (error) {
        if (isEntityMissing(error) || isPreconditionFailed(error)) return false;
        throw asTransient("message reassign", error);
      }
    },
  };
}
