import { ValidationError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";
import { maskIdentifier } from "../../core/logging/mask";
import type { ChannelId } from "../../core/values/ChannelId";
import type { IdentityStore } from "../../domain/identity/IdentityStore";
import type { ScopeSettings } from "../../domain/identity/resolveScope";
import type { Contact } from "../../domain/identity/types";
import type { MessageLedger } from "../../domain/ledger/MessageLedger";
import { assertCustomerServiceWindow } from "../../domain/messaging/assertCustomerServiceWindow";
import {
  chooseRecipientAddress,
  type AddressChoice,
  type SendAddressSettings,
} from "../../domain/messaging/chooseRecipientAddress";
import type { MessageSender, SendResult } from "../../domain/messaging/MessageSender";
import type { OutboundMessage } from "../../domain/messaging/outboundMessage";
import { isAuthenticationTemplateRefusal } from "../../domain/messaging/sendErrors";
import type { SendOutcome, SendRecordStore } from "../../domain/messaging/SendRecordStore";
import type { TemplateCatalog } from "./createTemplateCatalog";
import { findRecipient, type Recipient } from "./findRecipient";
import { recordInLedger } from "./recordInLedger";
import { beginAttempt, derivedRequestId, findEarlierAnswer, fingerprintOf, type Repeatability } from "./sendAttempt";

export type { Recipient } from "./findRecipient";
export { RENEW_ATTEMPT_AFTER_MS } from "./sendAttempt";

/** A send as callers ask for it. */
export interface SendCommand {
  recipient: Recipient;
  /** Optional when exactly one channel is configured. */
  channelId?: ChannelId | undefined;
  message: OutboundMessage;
  /** Same key, same result, nothing sent twice. */
  idempotencyKey?: string | undefined;
  /**
   * The template is known to be an authentication one (WhatsApp said so), whatever the catalog answers: it then goes
   * only to a confirmed phone. Set when a template refused for a BSUID is sent again.
   */
  authenticationTemplate?: boolean;
}

/** The settings a send reads: scopes, and which channels and identifiers it may use. */
export interface SendSettings extends ScopeSettings {
  messaging: SendAddressSettings & { channelIds: readonly ChannelId[] };
}

/** What a send needs. */
export interface SendDeps {
  config: SendSettings;
  identityStore: IdentityStore;
  ledger: MessageLedger;
  sends: SendRecordStore;
  sender: MessageSender;
  templates: TemplateCatalog;
  clock: () => Date;
  logger: Logger;
}

/** An accepted send; `replayed` when an earlier send with the same idempotency key is being answered again. */
export interface SentMessage extends SendOutcome {
  replayed: boolean;
  /** Why this identifier was chosen. */
  reason: string;
}

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Validates an `Idempotency-Key` (1-255 visible ASCII characters). */
export function parseIdempotencyKey(value: unknown): string {
  if (typeof value === "string" && IDEMPOTENCY_KEY_PATTERN.test(value)) return value;
  throw new ValidationError("Idempotency-Key must be 1-255 visible ASCII characters", {
    code: "invalid_idempotency_key",
    field: "Idempotency-Key",
  });
}

function chooseChannel(deps: SendDeps, requested: ChannelId | undefined): ChannelId {
  const configured = deps.config.messaging.channelIds;
  if (requested) {
    if (configured.length > 0 && !configured.includes(requested)) {
      throw new ValidationError("channelId is not one of the channels configured in ACS_CHANNEL_IDS", {
        code: "unknown_channel",
        field: "channelId",
      });
    }
    return requested;
  }
  if (configured.length === 1) return configured[0]!;
  throw new ValidationError(
    configured.length === 0
      ? "channelId is required (no channel is configured in ACS_CHANNEL_IDS)"
      : "channelId is required when several channels are configured",
    { code: "missing_channel", field: "channelId" },
  );
}

/**
 * Sends a message to a contact by the rules: the address is chosen by `chooseRecipientAddress` (authentication
 * templates need a phone; BSUID preferred otherwise), non-template messages need an open 24-hour window, and every
 * refusal happens before ACS is called.
 *
 * Idempotent: with an idempotency key, the first send's result is stored and returned for every repeat, and every
 * attempt carries the same `Repeatability-Request-ID` / `Repeatability-First-Sent`, so even a crash between ACS
 * accepting the send and the result being stored does not send twice. Every accepted send is recorded in the ledger,
 * where its delivery statuses attach.
 */
export async function sendToContact(deps: SendDeps, command: SendCommand): Promise<SentMessage> {
  const channelId = chooseChannel(deps, command.channelId);
  const fingerprint = fingerprintOf({ recipient: command.recipient, channelId, message: command.message });
  const now = deps.clock();

  // A repeat of an accepted send answers with its result before any rule is applied again: the window may have closed,
  // the contact may have been merged or the settings changed since, and the caller must still get the same answer.
  if (command.idempotencyKey) {
    const earlier = await findEarlierAnswer(deps.sends, command.idempotencyKey, fingerprint);
    if (earlier) {
      await recordInLedger(deps.ledger, command.message, earlier.replay, earlier.firstSent);
      return earlier.replay;
    }
  }

  const isAuthentication =
    command.message.kind === "template" &&
    (command.authenticationTemplate === true ||
      (await deps.templates.isAuthenticationTemplate(channelId, command.message.name)));
  const contact = await findRecipient(deps, command.recipient, channelId, command.message, isAuthentication);
  const choice = chooseRecipientAddress(contact, deps.config.messaging, isAuthentication);
  assertCustomerServiceWindow(contact, channelId, command.message, now);

  // The attempt is begun only once every rule has passed, right before ACS is called: a refusal must not pin the
  // key's Repeatability-First-Sent, or a retry after the refusal's cause is gone (the user wrote in) would fall outside
  // ACS's 5-minute repeatability window and be refused with 412.
  const attempt = await beginAttempt(deps, command.idempotencyKey, fingerprint, now);
  if ("replayed" in attempt) return attempt;

  const sent = await sendWithAuthenticationFallback(deps, {
    channelId,
    contact,
    message: command.message,
    choice,
    isAuthentication,
    repeatability: attempt,
  });
  return recordOutcome(deps, command, { contact, channelId, now, ...sent });
}

/** What to send, to whom, and with which repeatability headers. */
interface SendPlan {
  channelId: ChannelId;
  contact: Contact;
  message: OutboundMessage;
  choice: AddressChoice;
  isAuthentication: boolean;
  repeatability: Repeatability;
}

/**
 * Calls ACS. An authentication template to a phone has its own request ID, derived from the attempt's: the same
 * whether the catalog knew the template or WhatsApp's refusal for the BSUID taught it, so a retry after a crash repeats
 * that phone send instead of making it twice. A template to a BSUID that WhatsApp refuses as an authentication one
 * (131062) is sent to the phone instead: nothing was sent.
 */
async function sendWithAuthenticationFallback(
  deps: SendDeps,
  plan: SendPlan,
): Promise<{ result: SendResult; choice: AddressChoice }> {
  const { channelId, contact, message, choice, isAuthentication, repeatability } = plan;
  const phoneRequestId = derivedRequestId(repeatability.repeatabilityRequestId, "authentication template to phone");
  try {
    const result = await deps.sender.send({
      channelId,
      to: choice.to,
      message,
      ...repeatability,
      ...(isAuthentication
        ? {
            templateCategory: "AUTHENTICATION",
            ...(choice.addressedBy === "phone" ? { repeatabilityRequestId: phoneRequestId } : {}),
          }
        : {}),
    });
    return { result, choice };
  } catch (error) {
    if (message.kind !== "template" || choice.addressedBy !== "bsuid" || !isAuthenticationTemplateRefusal(error)) {
      throw error;
    }
    // The catalog did not know this is an authentication template (the listing was down and AUTHENTICATION_TEMPLATES
    // does not name it), and WhatsApp refused it for the BSUID (131062). Nothing was sent: send it to the phone.
    deps.templates.learnAuthenticationTemplate(channelId, message.name);
    const toPhone = chooseRecipientAddress(contact, deps.config.messaging, true);
    deps.logger.warn("WhatsApp refused an authentication template for a BSUID (131062); sending it to the phone", {
      template: message.name,
      to: maskIdentifier(toPhone.to),
    });
    const result = await deps.sender.send({
      channelId,
      to: toPhone.to,
      message,
      repeatabilityRequestId: phoneRequestId,
      repeatabilityFirstSent: repeatability.repeatabilityFirstSent,
      templateCategory: "AUTHENTICATION",
    });
    return { result, choice: toPhone };
  }
}

/**
 * Stores the answer for the idempotency key, then records the send in the ledger: if that write fails, the retry
 * replays this answer (and records it) instead of facing a send whose outcome is unknown.
 */
async function recordOutcome(
  deps: SendDeps,
  command: SendCommand,
  sent: { contact: Contact; channelId: ChannelId; now: Date; result: SendResult; choice: AddressChoice },
): Promise<SentMessage> {
  const { contact, channelId, now, result, choice } = sent;
  const outcome: SendOutcome = {
    messageId: result.messageId,
    to: choice.to,
    addressedBy: choice.addressedBy,
    contactId: contact.contactId,
    channelId,
  };
  if (command.idempotencyKey) await deps.sends.complete(command.idempotencyKey, outcome);
  await recordInLedger(deps.ledger, command.message, outcome, now);
  deps.logger.info("message sent", {
    contactId: contact.contactId,
    kind: command.message.kind,
    addressedBy: choice.addressedBy,
    to: maskIdentifier(choice.to),
    reason: choice.reason,
  });
  return { ...outcome, replayed: false, reason: choice.reason };
}
