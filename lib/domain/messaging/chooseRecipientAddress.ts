import { RuleRefusalError } from "../../core/errors";
import { isPhoneConfirmed } from "../identity/contactRules";
import type { Contact } from "../identity/types";

/** The settings that decide which identifier a send uses. */
export interface SendAddressSettings {
  /** Which identifier to address when a contact has both. */
  addressPreference: "bsuid" | "phone";
  /** False for tenants where sending to BSUIDs is not live yet: sends go to phones only. */
  bsuidSendsEnabled: boolean;
}

/** The one recipient a send goes to, and why. */
export interface AddressChoice {
  /** A BSUID (sent whole, byte for byte) or an E.164 phone number with `+`. */
  to: string;
  addressedBy: "bsuid" | "phone";
  reason: string;
}

/**
 * Chooses the `to` value for a send to `contact`, by these rules:
 * 1. Authentication templates (one-tap, zero-tap, copy-code) need a phone: WhatsApp refuses them for BSUIDs (131062).
 *    They go only to a phone confirmed as the person's own for their current BSUID (`isPhoneConfirmed`): a code sent to
 *    a number the user has left may reach its next owner. Without one the send is refused up front, asking for the
 *    user's number.
 * 2. With `bsuidSendsEnabled` false (tenants where BSUID sending is not live), only phones are used; a BSUID-only
 *    contact is refused.
 * 3. Otherwise the preferred identifier (`bsuid` by default: it reaches username users and is the durable key) when the
 *    contact has it, else the other one.
 */
export function chooseRecipientAddress(
  contact: Pick<Contact, "bsuid" | "phone" | "phoneConfirmation">,
  settings: SendAddressSettings,
  isAuthenticationTemplate: boolean,
): AddressChoice {
  const { bsuid, phone } = contact;
  if (isAuthenticationTemplate) {
    if (phone && isPhoneConfirmed(contact)) {
      return { to: phone, addressedBy: "phone", reason: "authentication templates need a phone number" };
    }
    throw new RuleRefusalError(
      "authentication_template_needs_phone",
      phone
        ? "Authentication templates can only be sent to a phone number confirmed as the user's, and this contact's " +
            "number has not been seen with their current WhatsApp ID (it may be a number they have left). It is " +
            "confirmed when they write with it; ask them to write in or share their number, then send again."
        : "Authentication templates can only be sent to a phone number, and this contact's number is unknown (they " +
            "use a WhatsApp username, or changed number). Ask the user to share their phone number, then send again.",
    );
  }
  if (!settings.bsuidSendsEnabled) {
    if (phone)
      return { to: phone, addressedBy: "phone", reason: "BSUID sending is disabled (BSUID_SENDS_ENABLED=false)" };
    throw new RuleRefusalError(
      "bsuid_sends_disabled",
      "This contact is known only by BSUID and sending to BSUIDs is disabled (BSUID_SENDS_ENABLED=false). Enable " +
        "it once BSUID sending is live for this tenant, or obtain the user's phone number.",
    );
  }
  if (settings.addressPreference === "phone" && phone) {
    return { to: phone, addressedBy: "phone", reason: "phone preferred (SEND_ADDRESS_PREFERENCE=phone)" };
  }
  if (bsuid) {
    return {
      to: bsuid,
      addressedBy: "bsuid",
      reason: settings.addressPreference === "phone" ? "no phone known; BSUID used" : "BSUID preferred (durable key)",
    };
  }
  if (phone) return { to: phone, addressedBy: "phone", reason: "no BSUID known; phone used" };
  throw new RuleRefusalError("no_address", "The contact has neither a BSUID nor a phone number to send to");
}
