import type { EventGridFilter } from "../../eventGridFilter/evaluateEventGridFilter";
import type { TemplateMessage, TextMessage } from "../messaging/outboundMessage";

/** The action types a route can take, in the order the docs present them. */
export const ROUTE_ACTION_TYPES = ["store", "reply", "forward"] as const;

/** The name of a route action. */
export type RouteActionType = (typeof ROUTE_ACTION_TYPES)[number];

/** Keep the message. It always is (before any route runs); listing it only documents the route's intent. */
export interface StoreAction {
  type: "store";
}

/** Answer the sender through `reply()` (BSUID preferred, same channel, idempotent per inbound message and route). */
export interface ReplyAction {
  type: "reply";
  /** A text (only inside the 24-hour window) or an approved template. */
  message: TextMessage | TemplateMessage;
}

/** Put the message on the forward Storage Queue for downstream systems (at least once, with a dedupe key). */
export interface ForwardAction {
  type: "forward";
}

/** One action of a route. */
export type RouteAction = StoreAction | ReplyAction | ForwardAction;

/** A validated route. */
export interface Route {
  /** Unique in the file (case-insensitively); the reply's idempotency purpose and the forward dedupe key use it. */
  name: string;
  description?: string;
  /**
   * The filter the route is evaluated with: the file's `filter` (`{}` when omitted) with `senderCountries` appended as
   * one `StringBeginsWith` filter on `subject`. Valid for Event Grid as it stands, so it can be copied into a
   * subscription.
   */
  filter: EventGridFilter;
  /**
   * As written, upper case. Folded into `filter` as subject prefixes (what a subscription would use) and, because a
   * calling code is shared (44 is GB, GG, IM, JE), also checked exactly by `selectRoutes` against the sender's country
   * (the BSUID's, else the phone number's), so a sender is routed alike with the number visible or hidden.
   */
  senderCountries: string[];
  actions: RouteAction[];
  /** When the route matches, later routes are not evaluated. */
  stopProcessing: boolean;
}
