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
  /** Deletes what every route did for one inbound message (erasure); returns how many actions went. */
  deleteFor(messageId: string): Promise<number>;
}
