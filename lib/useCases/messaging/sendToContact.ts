import { createHash, randomUUID } from "node:crypto";
import { resolveScope, type ScopeSettings } from "../../domain/identity/resolveScope";
import { ConcurrencyError, NotFoundError, RuleRefusalError, ValidationError } from "../../core/errors";
import type { IdentityStore } from "../../domain/identity/IdentityStore";
import { followContact, resolveContact } from "../identity/resolveContact";
import type { Contact } from "../../domain/identity/types";
import type { MessageLedger } from "../../domain/ledger/MessageLedger";
import type { Logger } from "../../core/logging/createLogger";
import { maskIdentifier } from "../../core/logging/mask";
import type { MessageSender } from "../../domain/messaging/MessageSender";
import { isAuthenticationTemplateRefusal } from "../../domain/messaging/sendErrors";
import type { OutboundMessage } from "../../domain/messaging/outboundMessage";
import type { Bsuid } from "../../core/values/Bsuid";
import type { ChannelId } from "../../core/values/ChannelId";
import type { PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId } from "../../core/values/identifiers";
import { assertCustomerServiceWindow } from "../../domain/messaging/assertCustomerServiceWindow";
import { chooseRecipientAddress, type SendAddressSettings } from "../../domain/messaging/chooseRecipientAddress";
import type { SendOutcome, SendRecord, SendRecordStore } from "../../domain/messaging/SendRecordStore";
import type { TemplateCatalog } from "./createTemplateCatalog";

/** Who to send to: a contact by ID, or the contact holding a BSUID or phone (in the channel's scope). */
export type Recipient = { contactId: ContactId } | { bsuid: Bsuid } | { phone: PhoneNumber };

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
 * A send acts on what it reads (the 24-hour window, the address) and no conditional write checks it afterwards, so it
 * reads the table, not this instance's cache: another instance may have recorded the user's latest message.
 */
const FRESH = { fresh: true } as const;

/**
 * The contact to send to. A template to a phone number nobody in the identity map has is how a business starts a
 * conversation, so that one creates the phone-only contact (the number is the business's to give; when the user writes,
 * their BSUID joins it). Anything else sent to an unknown recipient is refused with what to do instead.
 */
async function findRecipient(
  deps: SendDeps,
  recipient: Recipient,
  channelId: ChannelId,
  message: OutboundMessage,
  isAuthentication: boolean,
): Promise<Contact> {
  let contactId: ContactId | undefined;
  const scope = resolveScope(deps.config, channelId);
  if ("contactId" in recipient) contactId = recipient.contactId;
  else {
    const key =
      "bsuid" in recipient
        ? await deps.identityStore.getKey(scope, "bsuid", recipient.bsuid, FRESH)
        : await deps.identityStore.getKey(scope, "phone", recipient.phone, FRESH);
    contactId = key?.contactId;
  }
  const stored = contactId ? await followContact(deps.identityStore, contactId, undefined, FRESH) : undefined;
  if (stored) return stored.contact;
  if ("phone" in recipient && message.kind === "template") {
    // A number a contact gave up when their BSUID changed may belong to someone else now: it gets no code, and a
    // contact made for it has no confirmed phone.
    const released = await deps.identityStore.getKey(scope, "releasedPhone", recipient.phone, FRESH);
    if (released && isAuthentication) {
      throw new RuleRefusalError(
        "authentication_template_needs_phone",
        "This number was given up by a contact whose WhatsApp number changed, and may be someone else's now: " +
          "authentication templates go only to a phone confirmed for the contact's current BSUID.",
      );
    }
    const created = await resolveContact(
      { store: deps.identityStore, logger: deps.logger, clock: deps.clock },
      { scope, phone: recipient.phone, imported: !released },
    );
    deps.logger.info("contact created for a template to a new phone number", {
      contactId: created.contact.contactId,
      to: maskIdentifier(recipient.phone),
    });
    return created.contact;
  }
  throw new NotFoundError(notFoundHint(recipient), "contact_not_found");
}

function notFoundHint(recipient: Recipient): string {
  if ("contactId" in recipient) return "No contact has this contactId.";
  if ("bsuid" in recipient) {
    return "No contact has this BSUID in the channel's scope: a BSUID becomes known when the user writes to the business.";
  }
  return (
    "No contact has this phone number in the channel's scope. Start the conversation with a template to the number " +
    "(that creates the contact), or import the contact first (npm run contacts:import)."
  );
}

function fingerprintOf(command: SendCommand, channelId: string): string {
  return createHash("sha256")
    .update(JSON.stringify({ recipient: command.recipient, channelId, message: command.message }))
    .digest("hex");
}

function summaryOf(message: OutboundMessage): string {
  switch (message.kind) {
    case "text":
      return message.text.slice(0, 200);
    case "template":
      return `[template] ${message.name}`;
    case "reaction":
      return `[reaction] ${message.emoji}`;
    case "interactive":
      return `[interactive] ${message.body.slice(0, 180)}`;
    default:
      return `[${message.kind}]${"caption" in message && message.caption ? ` ${message.caption.slice(0, 180)}` : ""}`;
  }
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
  const fingerprint = fingerprintOf(command, channelId);
  const now = deps.clock();

  // A repeat of an accepted send answers with its result before any rule is applied again: the window may have closed,
  // the contact may have been merged or the settings changed since, and the caller must still get the same answer.
  if (command.idempotencyKey) {
    const earlier = await deps.sends.get(command.idempotencyKey);
    if (earlier) {
      const replay = replayOf(earlier, fingerprint);
      if (replay) {
        await recordInLedger(deps, command, replay, earlier.repeatabilityFirstSent);
        return replay;
      }
    }
  }

  const isAuthentication =
    command.message.kind === "template" &&
    (command.authenticationTemplate === true ||
      (await deps.templates.isAuthenticationTemplate(channelId, command.message.name)));
  const contact = await findRecipient(deps, command.recipient, channelId, command.message, isAuthentication);
  let choice = chooseRecipientAddress(contact, deps.config.messaging, isAuthentication);
  assertCustomerServiceWindow(contact, channelId, command.message, now);

  // The send record is begun only once every rule has passed, right before ACS is called: a refusal must not pin the
  // key's Repeatability-First-Sent, or a retry after the refusal's cause is gone (the user wrote in) would fall outside
  // ACS's 5-minute repeatability window and be refused with 412.
  let repeatability: { repeatabilityRequestId: string; repeatabilityFirstSent: Date } = {
    repeatabilityRequestId: randomUUID(),
    repeatabilityFirstSent: now,
  };
  if (command.idempotencyKey) {
    let record: SendRecord | undefined = await deps.sends.begin(command.idempotencyKey, fingerprint, now);
    const replay = replayOf(record, fingerprint);
    if (replay) return replay;
    if (now.getTime() - record.repeatabilityFirstSent.getTime() > RENEW_ATTEMPT_AFTER_MS) {
      // An earlier attempt's outcome is unknown (ACS failed, timed out, or we crashed before storing its answer) and
      // its Repeatability-First-Sent is about to leave ACS's 5-minute window, after which ACS answers 412 to every
      // repeat. Start a fresh attempt rather than fail forever: at-least-once beats a reply that is never sent.
      record = await deps.sends.renew(command.idempotencyKey, record, now);
      if (!record) throw new ConcurrencyError("Another attempt of this send started at the same time; retry");
      deps.logger.warn("send attempt renewed after its outcome stayed unknown", { attempt: record.attempt });
    }
    repeatability = {
      repeatabilityRequestId: record.repeatabilityRequestId,
      repeatabilityFirstSent: record.repeatabilityFirstSent,
    };
  }

  // An authentication template to a phone has its own request ID, derived from the attempt's: the same whether the
  // catalog knew the template or WhatsApp's refusal for the BSUID taught it (below), so a retry after a crash repeats
  // that phone send instead of making it twice.
  const phoneRequestId = derivedRequestId(repeatability.repeatabilityRequestId, "authentication template to phone");
  let result: Awaited<ReturnType<MessageSender["send"]>>;
  try {
    result = await deps.sender.send({
      channelId,
      to: choice.to,
      message: command.message,
      ...repeatability,
      ...(isAuthentication
        ? {
            templateCategory: "AUTHENTICATION",
            ...(choice.addressedBy === "phone" ? { repeatabilityRequestId: phoneRequestId } : {}),
          }
        : {}),
    });
  } catch (error) {
    if (
      command.message.kind !== "template" ||
      choice.addressedBy !== "bsuid" ||
      !isAuthenticationTemplateRefusal(error)
    )
      throw error;
    // The catalog did not know this is an authentication template (the listing was down and AUTHENTICATION_TEMPLATES
    // does not name it), and WhatsApp refused it for the BSUID (131062). Nothing was sent: send it to the phone.
    deps.templates.learnAuthenticationTemplate(channelId, command.message.name);
    choice = chooseRecipientAddress(contact, deps.config.messaging, true);
    deps.logger.warn("WhatsApp refused an authentication template for a BSUID (131062); sending it to the phone", {
      template: command.message.name,
      to: maskIdentifier(choice.to),
    });
    result = await deps.sender.send({
      channelId,
      to: choice.to,
      message: command.message,
      repeatabilityRequestId: phoneRequestId,
      repeatabilityFirstSent: repeatability.repeatabilityFirstSent,
      templateCategory: "AUTHENTICATION",
    });
  }
  const outcome: SendOutcome = {
    messageId: result.messageId,
    to: choice.to,
    addressedBy: choice.addressedBy,
    contactId: contact.contactId,
    channelId,
  };
  // The answer is stored before the ledger write: if that write fails, the retry replays this answer (and records it)
  // instead of facing a send whose outcome is unknown.
  if (command.idempotencyKey) await deps.sends.complete(command.idempotencyKey, outcome);
  await recordInLedger(deps, command, outcome, now);
  deps.logger.info("message sent", {
    contactId: contact.contactId,
    kind: command.message.kind,
    addressedBy: choice.addressedBy,
    to: maskIdentifier(choice.to),
    reason: choice.reason,
  });
  return { ...outcome, replayed: false, reason: choice.reason };
}

/** A request ID derived from another one and a purpose: a UUID (version 4 layout), the same for the same input. */
function derivedRequestId(requestId: string, purpose: string): string {
  const hex = createHash("sha256").update(`${requestId}|${purpose}`).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The stored answer for a repeated key; refuses a key reused for another request; undefined when not yet sent. */
/** How long an attempt with an unknown outcome keeps its repeatability headers (ACS's window is 5 minutes). */
export const RENEW_ATTEMPT_AFTER_MS = 4 * 60 * 1000;

/** Records an accepted send in the ledger; an upsert, so recording a replayed send again changes nothing. */
async function recordInLedger(deps: SendDeps, command: SendCommand, outcome: SendOutcome, at: Date): Promise<void> {
  await deps.ledger.recordOutbound({
    messageId: outcome.messageId as never,
    contactId: outcome.contactId as never,
    channelId: outcome.channelId,
    messageType: command.message.kind,
    summary: summaryOf(command.message),
    at: at.toISOString(),
    addressedBy: outcome.addressedBy,
    templateName: command.message.kind === "template" ? command.message.name : null,
    // Only a template to a BSUID can come back refused as an authentication template (131062) after it was accepted;
    // it is kept so that it can then be sent to the phone.
    ...(command.message.kind === "template" && outcome.addressedBy === "bsuid"
      ? { resendableTemplate: command.message }
      : {}),
  });
}

function replayOf(record: SendRecord, fingerprint: string): SentMessage | undefined {
  if (record.fingerprint !== fingerprint) {
    throw new RuleRefusalError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used for a different request; use a new key for a new message.",
    );
  }
  if (!record.outcome) return undefined;
  return { ...record.outcome, replayed: true, reason: "replay of an earlier send with this key" };
}
