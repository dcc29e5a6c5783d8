import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import { asTransient, isEntityMissing } from "./tableErrors";

/** Table Storage's limit of operations in one entity-group transaction (all in one partition). */
const MAX_BATCH = 100;

/**
 * Deletes every row of one partition, in transactions of up to 100 rows; returns how many rows it deleted. Rows that
 * vanish meanwhile (a concurrent erasure or purge) count as done.
 */
export async function deletePartition(table: TableClient, partitionKey: string, operation: string): Promise<number> {
  const rowKeys: string[] = [];
  try {
    const filter = odata`PartitionKey eq ${partitionKey}`;
    for await (const row of table.listEntities({ queryOptions: { filter, select: ["RowKey"] } })) {
      rowKeys.push(row.rowKey!);
    }
  } catch (error) {
    throw asTransient(`${operation} list`, error);
  }
  await deleteRows(table, partitionKey, rowKeys, operation);
  return rowKeys.length;
}

/** Deletes the given rows of one partition, in transactions of up to 100 rows. */
export async function deleteRows(
  table: TableClient,
  partitionKey: string,
  rowKeys: readonly string[],
  operation: string,
): Promise<void> {
  for (let start = 0; start < rowKeys.length; start += MAX_BATCH) {
    const batch = rowKeys.slice(start, start + MAX_BATCH);
    const actions: TransactionAction[] = batch.map((rowKey) => ["delete", { partitionKey, rowKey }]);
    try {
      await table.submitTransaction(actions);
    } catch (error) {
      // A transaction fails whole when one row is already gone: delete the rest one by one.
      if (!isEntityMissing(error)) throw asTransient(`${operation} delete`, error);
      for (const rowKey of batch) await deleteRow(table, partitionKey, rowKey, operation);
    }
  }
}

/** Deletes one row; a row already gone counts as deleted. */
export async function deleteRow(table: TableClient, partitionKey: string, rowKey: string, operation: string) {
  try {
    await table.deleteEntity(partitionKey, rowKey);
  } catch (error) {
    if (!isEntityMissing(error)) throw asTransient(`${operation} delete`, error);
  }
}
