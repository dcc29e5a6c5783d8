import type { TableClient } from "@azure/data-tables";
import { asTransient, isConflict, isEntityMissing } from "./tableErrors";
import { deletePartition } from "./deleteRows";
import type { RouteActionResult, RouteActionStore } from "../../domain/routing/RouteActionStore";

interface RouteActionEntity {
  partitionKey: string;
  rowKey: string;
  result: RouteActionResult;
  at: string;
  code?: string;
  detail?: string;
}

/**
 * The route-action store on `table` (PartitionKey = inbound message ID, RowKey = `route|action`). Storage failures
 * become transient errors ({@link asTransient}), so the handler throws and Event Grid redelivers.
 */
export function createRouteActionStore(table: TableClient): RouteActionStore {
  return {
    async get(messageId, route, action) {
      try {
        const entity = await table.getEntity<RouteActionEntity>(messageId, rowKeyOf(route, action));
        return {
          messageId,
          route,
          action,
          result: entity.result,
          at: entity.at,
          ...(entity.code === undefined ? {} : { code: entity.code }),
          ...(entity.detail === undefined ? {} : { detail: entity.detail }),
        };
      } catch (error) {
        if (isEntityMissing(error)) return undefined;
        throw asTransient("route action read", error);
      }
    },

    async record(record) {
      const entity: RouteActionEntity = {
        partitionKey: record.messageId,
        rowKey: rowKeyOf(record.route, record.action),
        result: record.result,
        at: record.at,
        ...(record.code === undefined ? {} : { code: record.code }),
        // A table string property holds at most 32K characters; reasons are far shorter, but stay safe.
        ...(record.detail === undefined ? {} : { detail: record.detail.slice(0, 4000) }),
      };
      try {
        await table.createEntity(entity);
      } catch (error) {
        if (isConflict(error)) return;
        throw asTransient("route action insert", error);
      }
    },

    deleteFor: (messageId) => deletePartition(table, messageId, "route action"),
  };
}

// Route names are limited to letters, digits, `_`, `.` and `-` (see loadRoutes), none of which Table Storage forbids
// in keys; message IDs are checked by parseMessageId to the same kind of alphabet.
function rowKeyOf(route: string, action: string): string {
  return `${route}|${action}`;
}
