import { odata, type TableClient } from "@azure/data-tables";
import { asTransient, isEntityMissing } from "./tableErrors";
import type { ContactId } from "../../core/values/identifiers";
import type { ErasureLog, ErasureReceipt } from "../../domain/erasure/ErasureLog";

/** All receipts share one partition: erasures are rare, and the sweep lists the open ones with one query. */
const PARTITION = "erasure";

interface ErasureEntity {
  partitionKey: string;
  rowKey: string;
  contactIds: string;
  state: string;
  startedAt: string;
  erasedAt?: string | null;
  counts: string;
  sweepAfter?: string | null;
  sweeps: number;
  /** `state === "erasing"` or a sweep still to do: what {@link ErasureLog.due} looks for. */
  open: boolean;
}

function toReceipt(entity: ErasureEntity): ErasureReceipt {
  return {
    contactId: entity.rowKey as ContactId,
    contactIds: JSON.parse(entity.contactIds) as ContactId[],
    state: entity.state === "erased" ? "erased" : "erasing",
    startedAt: entity.startedAt,
    erasedAt: entity.erasedAt ?? null,
    counts: JSON.parse(entity.counts) as ErasureReceipt["counts"],
    sweepAfter: entity.sweepAfter ?? null,
    sweeps: entity.sweeps,
  };
}

/**
 * The erasure log on `table`: one row per erased contact (RowKey = contactId), holding counts and the app's own contact
 * IDs only, never a phone number, BSUID or name.
 */
export function createErasureLog(table: TableClient): ErasureLog {
  return {
    async get(contactId) {
      try {
        return toReceipt(await table.getEntity<ErasureEntity>(PARTITION, contactId));
      } catch (error) {
        if (isEntityMissing(error)) return undefined;
        throw asTransient("erasure read", error);
      }
    },

    async save(receipt) {
      const entity: ErasureEntity = {
        partitionKey: PARTITION,
        rowKey: receipt.contactId,
        contactIds: JSON.stringify(receipt.contactIds),
        state: receipt.state,
        startedAt: receipt.startedAt,
        erasedAt: receipt.erasedAt,
        counts: JSON.stringify(receipt.counts),
        sweepAfter: receipt.sweepAfter,
        sweeps: receipt.sweeps,
        open: receipt.state === "erasing" || receipt.sweeps === 0,
      };
      try {
        await table.upsertEntity(entity, "Replace");
      } catch (error) {
        throw asTransient("erasure write", error);
      }
    },

    async due(now) {
      const receipts: ErasureReceipt[] = [];
      try {
        const filter = odata`PartitionKey eq ${PARTITION} and open eq true`;
        for await (const entity of table.listEntities<ErasureEntity>({ queryOptions: { filter } })) {
          const receipt = toReceipt(entity as ErasureEntity);
          const sweepDue = receipt.sweepAfter !== null && receipt.sweepAfter <= now.toISOString();
          if (receipt.state === "erasing" || sweepDue) receipts.push(receipt);
        }
      } catch (error) {
        throw asTransient("erasure list", error);
      }
      return receipts;
    },
  };
}
