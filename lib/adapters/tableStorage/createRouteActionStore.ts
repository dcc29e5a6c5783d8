import type { TableClient } from "@azure/data-tables";
import { asTransient, isConflict, isEntityMissing } from "./tableErrors";

/** How a route action on one inbound message ended. */
export type RouteActionResult = "forwarded" | "replied" | "refused";

/** One finished route action, as kept in the route-actions table. */
export interface RouteActionRecord {
  /** The inbound message the route ran for. */
  messageId: string;
  route: string;
  action: "reply" | "forward";
  result: RouteActionResult;
  /** ISO 8601 time of recording. */
  at: string;
  /** For `refused`: the stable code of the refusal, e.g. `outside_customer_service_window`. */
  code?: string;
  /** For `refused`: the reason; for `replied`: the outbound message ID; for `forwarded`: the queue name. */
  detail?: string;
}

/**
 * The route-actions table: one row per (inbound message, route, action) that finished, so an Event Grid redelivery
 * skips what is done and an operator can see why a reply was refused.
 */
export interface RouteActionStore {
  get(messageId: string, route: string, action: RouteActionRecord["action"]): Promise<RouteActionRecord | undefined>;
  /** Insert-once: when a row exists already (a concurrent duplicate delivery), the first one is kept. */
  record(record: RouteActionRecord): Promise<void>;
}

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
  };
}

// Route names are limited to letters, digits, `_`, `.` and `-` (see loadRoutes), none of which Table Storage forbids
// in keys; message IDs are checked by parseMessageId to the same kind of alphabet.
function rowKeyOf(route: string, action: string): string {
  return `${route}|${action}`;
}
