import { createHash } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";
import { deleteRow } from "./deleteRows";
import { asTransient, isConflict, isEntityMissing, isPreconditionFailed } from "./tableErrors";
import type { SendOutcome, SendRecord, SendRecordStore } from "../../domain/messaging/SendRecordStore";

/** A UUID derived from the idempotency key, so every attempt of one logical send carries the same request ID. */
export function repeatabilityIdFor(key: string): string {
  const hex = createHash("sha256").update(key).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

type SendEntity = {
  partitionKey: string;
  rowKey: string;
  fingerprint: string;
  repeatabilityRequestId: string;
  repeatabilityFirstSent: string;
  outcome?: string | null;
  attempt?: number;
};

function partitionFor(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Creates the send-record store on a table (one partition per key: the hash of the idempotency key). */
export function createSendRecordStore(table: TableClient): SendRecordStore {
  const toRecord = (entity: SendEntity, etag: string): SendRecord => ({
    fingerprint: entity.fingerprint,
    repeatabilityRequestId: entity.repeatabilityRequestId,
    repeatabilityFirstSent: new Date(entity.repeatabilityFirstSent),
    outcome: entity.outcome ? (JSON.parse(entity.outcome) as SendOutcome) : undefined,
    attempt: entity.attempt ?? 1,
    etag,
  });

  return {
    async get(key) {
      try {
        const entity = await table.getEntity<SendEntity>(partitionFor(key), "send");
        return toRecord(entity, entity.etag);
      } catch (error) {
        if (isEntityMissing(error)) return undefined;
        throw asTransient("send record read", error);
      }
    },

    async begin(key, fingerprint, now) {
      const entity: SendEntity = {
        partitionKey: partitionFor(key),
        rowKey: "send",
        fingerprint,
        repeatabilityRequestId: repeatabilityIdFor(key),
        repeatabilityFirstSent: now.toISOString(),
        attempt: 1,
      };
      try {
        const response = await table.createEntity(entity);
        return toRecord(entity, response.etag ?? "*");
      } catch (error) {
        if (!isConflict(error)) throw asTransient("send record insert", error);
      }
      try {
        const stored = await table.getEntity<SendEntity>(entity.partitionKey, "send");
        return toRecord(stored, stored.etag);
      } catch (error) {
        throw asTransient("send record read", error);
      }
    },

    async complete(key, outcome) {
      try {
        await table.updateEntity(
          // contactId on its own too, so an erasure finds a contact's sends with a query.
          {
            partitionKey: partitionFor(key),
            rowKey: "send",
            outcome: JSON.stringify(outcome),
            contactId: outcome.contactId,
          },
          "Merge",
        );
      } catch (error) {
        throw asTransient("send record update", error);
      }
    },

    async renew(key, record, now) {
      const attempt = record.attempt + 1;
      const entity = {
        partitionKey: partitionFor(key),
        rowKey: "send",
        repeatabilityRequestId: repeatabilityIdFor(`${key}\n${attempt}`),
        repeatabilityFirstSent: now.toISOString(),
        attempt,
      };
      try {
        const response = await table.updateEntity(entity, "Merge", { etag: record.etag });
        return {
          ...record,
          repeatabilityRequestId: entity.repeatabilityRequestId,
          repeatabilityFirstSent: now,
          attempt,
          etag: response.etag ?? "*",
        };
      } catch (error) {
        if (isPreconditionFailed(error)) return undefined;
        throw asTransient("send record update", error);
      }
    },

    async deleteFor(contactId) {
      const partitions: string[] = [];
      try {
        const filter = odata`contactId eq ${contactId}`;
        for await (const row of table.listEntities({ queryOptions: { filter, select: ["PartitionKey"] } })) {
          partitions.push(row.partitionKey!);
        }
      } catch (error) {
        throw asTransient("send record list", error);
      }
      for (const partition of partitions) await deleteRow(table, partition, "send", "send record");
      return partitions.length;
    },
  };
}
