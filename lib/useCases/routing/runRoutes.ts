import { ConfigurationError, isPermanentError, type AppError } from "../../core/errors";
import type { InboundMessage } from "../../events/types";
import type { Contact } from "../../domain/identity/types";
import type { Logger } from "../../core/logging/createLogger";
import { reply } from "../messaging/reply";
import type { SendDeps } from "../messaging/sendToContact";
import { buildForwardMessage, type ForwardQueue } from "../../domain/routing/ForwardQueue";
import type { RouteActionStore } from "../../domain/routing/RouteActionStore";
import { evaluateEventGridFilter } from "../../eventGridFilter/evaluateEventGridFilter";
import type { Route, RouteAction, RouteActionType } from "../../domain/routing/routes";
import { senderCountryOf } from "../../domain/routing/senderCountry";

/** The routes and where their actions go, built once per process. */
export interface RoutingPorts {
  routes: readonly Route[];
  /** Absent when no forward queue is configured (start-up refuses forward routes then). */
  forwardQueue: ForwardQueue | undefined;
  /** The route-actions table: what each route did per inbound message. */
  actionLog: RouteActionStore;
}

/** What running the routes needs. */
export interface RouteRunDeps extends RoutingPorts {
  /** Called on the first reply only, because sending needs ACS, which a deployment without reply routes may lack. */
  sendDeps: (logger: Logger) => SendDeps;
  logger: Logger;
  clock: () => Date;
}

/** How one action of one matching route ended. */
export interface RouteActionOutcome {
  route: string;
  action: RouteActionType;
  /**
   * `stored`: nothing to do (the message was stored before routing); `forwarded` / `replied`: done now (a reply may be
   * the replay of an earlier identical send); `skipped`: recorded as done (or refused) by an earlier delivery;
   * `refused`: a permanent refusal, recorded and not retried; `failed`: transient, the event will be redelivered.
   */
  result: "stored" | "forwarded" | "replied" | "skipped" | "refused" | "failed";
  /** The error code for `refused` and `failed`. */
  code?: string;
}

/** The routes that matched, in order, and what each action did. */
export interface RouteRun {
  matched: string[];
  outcomes: RouteActionOutcome[];
}

/**
 * The routes that apply to `event`, in file order: every route whose filter matches, up to and including the first
 * matching route with `stopProcessing`. Filters are evaluated by the Event Grid filter engine against the raw event
 * (Event Grid or CloudEvents schema), so a route behaves exactly as the same filter would on a subscription.
 *
 * A route with `senderCountries` also needs the sender to be from one of them ({@link senderCountryOf}: the BSUID's
 * country, else the phone's). Its expanded subject filter matches a whole calling code for phone senders (44 is GB,
 * GG, IM and JE), which a subscription cannot narrow; the app can, so a Jersey user is routed the same way with their
 * number visible (44…, BSUID JE.…) or hidden (JE.…), and never by a GB route.
 */
export function selectRoutes(routes: readonly Route[], event: unknown): Route[] {
  const selected: Route[] = [];
  for (const route of routes) {
    if (!evaluateEventGridFilter(route.filter, event)) continue;
    if (route.senderCountries.length > 0) {
      const country = senderCountryOf(event);
      if (country === undefined || !route.senderCountries.includes(country)) continue;
    }
    selected.push(route);
    if (route.stopProcessing) break;
  }
  return selected;
}

/**
 * Runs the actions of every route that matches `rawEvent` for an inbound message that is already stored.
 *
 * Idempotent under Event Grid redelivery, and run on every delivery (also when the ledger says the message is a
 * duplicate), because an earlier delivery may have stopped after storing and before routing:
 * - `reply` goes through `reply()` with the route name as purpose, so its idempotency key is
 *   `reply:{messageId}:{route}` and a repeat never sends twice;
 * - `forward` is skipped when the route-actions table says it was done; otherwise it enqueues and then records. A
 *   crash between the two (or two deliveries racing) enqueues again: forwarding is at least once, and consumers dedupe
 *   on the message's `dedupeKey`. Recording first would instead lose the message in that window.
 *
 * Failures: a permanent one (a reply refused by a rule such as the 24-hour window, an ACS 4xx, an unknown contact) is
 * logged, recorded in the route-actions table and not retried. A transient one (storage, ACS throttling or outage) is
 * logged; the remaining actions still run, and the first transient error is thrown at the end so Event Grid
 * redelivers; on that redelivery the finished actions are skipped or replayed.
 */
export async function runRoutes(
  deps: RouteRunDeps,
  rawEvent: unknown,
  inbound: InboundMessage,
  contact: Contact,
): Promise<RouteRun> {
  const matched = selectRoutes(deps.routes, rawEvent);
  const outcomes: RouteActionOutcome[] = [];
  let transient: unknown;
  for (const route of matched) {
    const log = deps.logger.child({ route: route.name });
    for (const action of route.actions) {
      try {
        outcomes.push(await runAction(deps, route, action, inbound, contact, log));
      } catch (error) {
        const code = error instanceof Error && "code" in error ? String((error as AppError).code) : "unexpected_error";
        const reason = error instanceof Error ? error.message : String(error);
        if (isPermanentError(error)) {
          if (action.type !== "store") {
            await deps.actionLog.record({
              messageId: inbound.messageId,
              route: route.name,
              action: action.type,
              result: "refused",
              at: deps.clock().toISOString(),
              code,
              detail: reason,
            });
          }
          log.warn("route action refused; recorded and not retried", { action: action.type, code, reason });
          outcomes.push({ route: route.name, action: action.type, result: "refused", code });
        } else {
          log.error("route action failed; the event will be redelivered", { action: action.type, code, reason });
          outcomes.push({ route: route.name, action: action.type, result: "failed", code });
          transient ??= error;
        }
      }
    }
  }
  if (matched.length > 0) {
    deps.logger.info("routes evaluated", {
      routes: matched.map((route) => route.name).join(","),
      results: outcomes.map((outcome) => `${outcome.route}:${outcome.action}=${outcome.result}`).join(","),
    });
  }
  if (transient !== undefined) throw transient;
  return { matched: matched.map((route) => route.name), outcomes };
}

async function runAction(
  deps: RouteRunDeps,
  route: Route,
  action: RouteAction,
  inbound: InboundMessage,
  contact: Contact,
  log: Logger,
): Promise<RouteActionOutcome> {
  const outcome = (result: RouteActionOutcome["result"]): RouteActionOutcome => ({
    route: route.name,
    action: action.type,
    result,
  });
  if (action.type === "store") return outcome("stored");

  const done = await deps.actionLog.get(inbound.messageId, route.name, action.type);
  if (done) return outcome("skipped");

  if (action.type === "forward") {
    if (!deps.forwardQueue) {
      throw new ConfigurationError([
        `route "${route.name}" forwards, but neither FORWARD_QUEUE_CONNECTION_STRING nor FORWARD_QUEUE_SERVICE_URI is set`,
      ]);
    }
    await deps.forwardQueue.send(buildForwardMessage(route.name, inbound, contact));
    await deps.actionLog.record({
      messageId: inbound.messageId,
      route: route.name,
      action: "forward",
      result: "forwarded",
      at: deps.clock().toISOString(),
      detail: deps.forwardQueue.queueName,
    });
    return outcome("forwarded");
  }

  const sent = await reply(deps.sendDeps(log), inbound, action.message, { purpose: route.name });
  await deps.actionLog.record({
    messageId: inbound.messageId,
    route: route.name,
    action: "reply",
    result: "replied",
    at: deps.clock().toISOString(),
    detail: sent.messageId,
  });
  return outcome("replied");
}
