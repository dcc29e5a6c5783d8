import { NotFoundError, RuleRefusalError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";
import { maskIdentifier } from "../../core/logging/mask";
import type { Bsuid } from "../../core/values/Bsuid";
import type { ChannelId } from "../../core/values/ChannelId";
import type { PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId } from "../../core/values/identifiers";
import type { IdentityStore } from "../../domain/identity/IdentityStore";
import { resolveScope, type ScopeSettings } from "../../domain/identity/resolveScope";
import type { Contact } from "../../domain/identity/types";
import type { OutboundMessage } from "../../domain/messaging/outboundMessage";
import { followContact, resolveContact } from "../identity/resolveContact";

/** Who to send to: a contact by ID, or the contact holding a BSUID or phone (in the channel's scope). */
export type Recipient = { contactId: ContactId } | { bsuid: Bsuid } | { phone: PhoneNumber };

/** What finding a recipient reads and, for a template to a new phone, writes. */
export interface RecipientDeps {
  config: ScopeSettings;
  identityStore: IdentityStore;
  clock: () => Date;
  logger: Logger;
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
export async function findRecipient(
  deps: RecipientDeps,
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
