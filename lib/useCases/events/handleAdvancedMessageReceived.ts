import { ConfigurationError } from "../../core/errors";
import type { InboundMessage } from "../../events/types";
import { resolveScope } from "../../domain/identity/resolveScope";
import {
  predictContactId,
  resolveContact,
  type ResolveAction,
  type ResolveInput,
  type ResolveOutcome,
} from "../identity/resolveContact";
import type { Contact } from "../../domain/identity/types";
import type { Logger } from "../../core/logging/createLogger";
import { maskIdentifier } from "../../core/logging/mask";
import type { ContactId, MessageId } from "../../core/values/identifiers";
import { ContactErasingError } from "../identity/locateContact";
import { sendDepsOf, type SendingPorts } from "../messaging/sendDeps";
import type { RejectionPorts } from "./rejectEvent";
import type { RoutingPorts } from "../routing/runRoutes";
import { runRoutes, type RouteRun } from "../routing/runRoutes";
import { parseEventFor, rejectIfPermanent } from "./rejectEvent";

/** What happened to one event. */
export type EventOutcome =
  | {
      result: "processed";
      contact: Contact;
      actions: ResolveAction[];
      message: InboundMessage;
      duplicate: boolean;
      /** Where the subject disagreed with the data (masked descriptions); the data was used. */
      subjectMismatches: string[];
      /** The routes that matched and what their actions did; none when the services carry no routing. */
      routes: RouteRun;
    }
  | { result: "rejected"; code: string; reason: string }
  | { result: "ignored"; eventType: string };

/**
 * What the message handler uses: the identity map and ledger, where rejections go, and for routes (when there are any)
 * the routing ports and the sending side.
 */
export interface ReceivedEventPorts
  extends RejectionPorts, Pick<SendingPorts, "config" | "identityStore" | "ledger" | "clock"> {
  routing?: RoutingPorts | undefined;
  sends?: SendingPorts["sends"] | undefined;
  channel?: SendingPorts["channel"];
}

export const ADVANCED_MESSAGE_RECEIVED_FUNCTION = "advancedMessageReceived";

/**
 * Handles one `AdvancedMessageReceived` event: cross-checks the subject with the data (the data wins; a disagreement is
 * logged, masked), resolves the sender to a contact (BSUID first, then phone), records the inbound time on the channel,
 * stores the message once in the ledger, and then runs the routes that match the raw event (see `runRoutes`).
 *
 * Routes run after storing, and on every delivery, duplicates included: a previous delivery may have stored the message
 * and failed before its routes finished, and every route action is idempotent.
 *
 * Idempotent and order-independent (contact times only move forward; the ledger row is insert-once). Malformed events
 * are acknowledged and recorded with their reason; storage failures and transient route failures throw so Event Grid
 * redelivers.
 */
export async function handleAdvancedMessageReceived(
  services: ReceivedEventPorts,
  rawEvent: unknown,
  logger: Logger,
): Promise<EventOutcome> {
  const parsed = await parseEventFor("received", services, ADVANCED_MESSAGE_RECEIVED_FUNCTION, rawEvent, logger);
  if ("outcome" in parsed) return parsed.outcome;
  const event = parsed.event;

  const log = logger.child({ eventId: event.envelope.id, messageId: event.messageId });
  const subjectMismatches = checkSubject(event, log);
  try {
    const identity = { store: services.identityStore, logger: log, clock: services.clock };
    const input: ResolveInput = {
      scope: resolveScope(services.config, event.channelId),
      bsuid: event.fromBsuid,
      phone: event.fromPhone,
      inbound: { channelId: event.channelId, at: event.receivedAt },
    };
    const store = (contactId: ContactId) =>
      services.ledger.recordInbound({
        messageId: event.messageId,
        contactId,
        channelId: event.channelId,
        messageType: event.messageType,
        summary: event.summary,
        at: event.receivedAt,
        warnings: event.warnings,
      });
    let resolved: ResolveOutcome;
    let stored: boolean;
    const predicted = predictContactId(services.identityStore, input);
    if (predicted) {
      // A known sender: the contact update and the ledger insert do not depend on each other, so both go out at once
      // and the event waits for one round trip instead of two. Both are idempotent, so a failure of either is retried
      // whole by Event Grid.
      [resolved, stored] = await resolveAndStore(services, event.messageId, resolveContact(identity, input), () =>
        store(predicted),
      );
      try {
        if (stored && resolved.contact.contactId !== predicted) {
          await keepWithCurrentContact(services, event.messageId, predicted, resolved.contact.contactId, store, log);
        } else if (
          stored &&
          resolved.unwritten &&
          !(await confirmContactExists(services, event.messageId, predicted))
        ) {
          // The contact was erased: the keys are gone, so resolving again (past the cache) starts a fresh contact.
          resolved = await resolveContact(identity, input);
          stored = await store(resolved.contact.contactId);
        }
      } catch (error) {
        // As above: no message is left under the predicted contact by a delivery that failed.
        if (stored) await services.ledger.deleteMessageOf(event.messageId, [predicted]);
        throw error;
      }
    } else {
      resolved = await resolveContact(identity, input);
      stored = await store(resolved.contact.contactId);
    }
    log.info("inbound message stored", {
      contactId: resolved.contact.contactId,
      actions: resolved.actions.join(","),
      sender: maskIdentifier(event.fromBsuid ?? event.fromPhone),
      senderKind: event.fromBsuid ? "bsuid" : "phone",
      messageType: event.messageType,
      duplicate: !stored,
      ...(event.warnings.length === 0 ? {} : { warnings: event.warnings.map((warning) => warning.code).join(",") }),
    });
    const routes = await routeMessage(services, rawEvent, event, resolved.contact, log);
    return {
      result: "processed",
      contact: resolved.contact,
      actions: resolved.actions,
      message: event,
      duplicate: !stored,
      subjectMismatches,
      routes,
    };
  } catch (error) {
    return rejectIfPermanent(error, services, ADVANCED_MESSAGE_RECEIVED_FUNCTION, event.envelope, rawEvent, logger);
  }
}

/**
 * Resolution and the ledger insert of a known sender, at once. When resolution finds the contact being erased, the
 * message this delivery just stored under it is taken back before the event fails (Event Grid redelivers it after the
 * erasure, and it then starts a fresh contact), so the erasure's sweep never races this delivery for it.
 */
async function resolveAndStore(
  services: ReceivedEventPorts,
  messageId: MessageId,
  resolving: Promise<ResolveOutcome>,
  storing: () => Promise<boolean>,
): Promise<[ResolveOutcome, boolean]> {
  const [resolved, stored] = await Promise.allSettled([resolving, storing()]);
  if (resolved.status === "rejected") {
    // Whatever made resolution fail, a message this delivery stored under a contact it could not confirm is taken
    // back: the redelivery stores it under the contact resolution finds then, instead of finding it stored already
    // under one an erasure may have ended meanwhile (and sweeps away).
    if (stored.status === "fulfilled" && stored.value) await services.ledger.deleteMessage(messageId);
    throw resolved.reason;
  }
  if (stored.status === "rejected") throw stored.reason;
  return [resolved.value, stored.value];
}

/**
 * The message was stored under the contact the cache predicted, and resolution ended on another one. A merge tombstone
 * resolves to its survivor, so that is fine; a contact that is gone (erased meanwhile) does not, so the message moves to
 * the contact its sender has now rather than be swept away with the erased one. If the erasure's sweep took it first,
 * it is stored again under the current contact.
 */
async function keepWithCurrentContact(
  services: ReceivedEventPorts,
  messageId: MessageId,
  storedUnder: ContactId,
  contactId: ContactId,
  store: (contactId: ContactId) => Promise<boolean>,
  log: Logger,
): Promise<void> {
  const previous = await services.identityStore.getContact(storedUnder, { fresh: true });
  if (previous && !previous.erasing && !previous.erased) {
    log.info("message stored under a contact merged meanwhile; its tombstone resolves to the survivor", {
      storedUnder,
      contactId,
    });
    return;
  }
  const moved = await services.ledger.reassignInbound(messageId, storedUnder, contactId);
  const storedAgain = !moved && (await store(contactId));
  log.info("message stored under a contact erased meanwhile; kept with the sender's current contact", {
    storedUnder,
    contactId,
    moved,
    storedAgain,
  });
}

/**
 * A message stored under a contact that resolution did not write (it already said everything the event did) was
 * checked against nothing but a cache. Reads the contact: true when it is still there. Otherwise the message is taken
 * back; while an erasure is still running the event fails (to be redelivered after it), and once it is over the
 * answer is false and the caller resolves the sender again.
 */
async function confirmContactExists(
  services: ReceivedEventPorts,
  messageId: MessageId,
  contactId: ContactId,
): Promise<boolean> {
  const current = await services.identityStore.getContact(contactId, { fresh: true });
  if (current && !current.erased && !current.erasing) return true;
  await services.ledger.deleteMessage(messageId);
  if (current?.erasing) throw new ContactErasingError(contactId);
  return false;
}

/**
 * Logs each place where the event's subject disagreed with its data (already masked by the provider's parser). Nothing
 * else changes: the data is the source of truth, the subject only a routing hint, but a disagreement means
 * subject-filtered subscriptions and routes see something else than the app does.
 */
function checkSubject(event: InboundMessage, log: Logger): string[] {
  const mismatches = event.subjectMismatches ?? [];
  for (const mismatch of mismatches) log.warn("event subject disagrees with its data; the data is used", { mismatch });
  return mismatches;
}

async function routeMessage(
  services: ReceivedEventPorts,
  rawEvent: unknown,
  event: InboundMessage,
  contact: Contact,
  log: Logger,
): Promise<RouteRun> {
  const routing = services.routing;
  if (!routing || routing.routes.length === 0) return { matched: [], outcomes: [] };
  const { sends } = services;
  return runRoutes(
    {
      routes: routing.routes,
      forwardQueue: routing.forwardQueue,
      actionLog: routing.actionLog,
      sendDeps: (logger) => {
        if (!sends) throw new ConfigurationError(["route replies need the send-record store"]);
        return sendDepsOf({ ...services, sends, channel: services.channel }, logger);
      },
      logger: log,
      clock: services.clock,
    },
    // The filter engine reads the event as Event Grid delivered it, so routes see exactly what subscriptions see.
    typeof rawEvent === "string" ? safeJson(rawEvent) : rawEvent,
    event,
    contact,
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
