import { describe, expect, it } from "vitest";
import { RuleRefusalError } from "../../../lib/core/errors";
import { chooseRecipientAddress } from "../../../lib/domain/messaging/chooseRecipientAddress";
import type { MessagingConfig } from "../../../lib/app/loadConfig";
import type { Contact } from "../../../lib/domain/identity/types";
import type { Bsuid } from "../../../lib/core/values/Bsuid";
import type { PhoneNumber } from "../../../lib/core/values/PhoneNumber";

const BSUID = "US.13491208655302741918" as Bsuid;
const PARENT_BSUID = "US.ENT.11815799212886844830" as Bsuid;
const MIXED_CASE_BSUID = "GB.aBcD0123xYz" as Bsuid;
const PHONE = "+14255551234" as PhoneNumber;

const OTHER_BSUID = "US.99887766554433221100" as Bsuid;

const CONTACTS = {
  "phone and BSUID": { bsuid: BSUID, phone: PHONE, phoneConfirmation: { by: "bsuid", bsuid: BSUID } },
  "a BSUID only": { bsuid: BSUID, phone: null, phoneConfirmation: null },
  "a phone only": { bsuid: null, phone: PHONE, phoneConfirmation: { by: "message" } },
  "an imported phone only": { bsuid: null, phone: PHONE, phoneConfirmation: { by: "import" } },
  "no identifier": { bsuid: null, phone: null, phoneConfirmation: null },
  "a BSUID and a phone never seen with it": { bsuid: BSUID, phone: PHONE, phoneConfirmation: null },
  "a BSUID and a phone seen with a previous BSUID": {
    bsuid: BSUID,
    phone: PHONE,
    phoneConfirmation: { by: "bsuid", bsuid: OTHER_BSUID },
  },
  "a phone only, known from a delivery status": { bsuid: null, phone: PHONE, phoneConfirmation: null },
} satisfies Record<string, Pick<Contact, "bsuid" | "phone" | "phoneConfirmation">>;
type Settings = Pick<MessagingConfig, "addressPreference" | "bsuidSendsEnabled">;
const SETTINGS: Record<string, Settings> = {
  "the defaults": { addressPreference: "bsuid", bsuidSendsEnabled: true },
  "SEND_ADDRESS_PREFERENCE=phone": { addressPreference: "phone", bsuidSendsEnabled: true },
  "BSUID_SENDS_ENABLED=false": { addressPreference: "bsuid", bsuidSendsEnabled: false },
  "phone preferred and BSUID sends disabled": { addressPreference: "phone", bsuidSendsEnabled: false },
};

type Row = { message: string; contact: keyof typeof CONTACTS; settings: keyof typeof SETTINGS };
const MESSAGE = { "a free-form message": false, "an authentication template": true } as const;

describe("chooseRecipientAddress", () => {
  const addressed: (Row & { expected: "bsuid" | "phone" })[] = [
    { message: "a free-form message", contact: "phone and BSUID", settings: "the defaults", expected: "bsuid" },
    { message: "a free-form message", contact: "a BSUID only", settings: "the defaults", expected: "bsuid" },
    { message: "a free-form message", contact: "a phone only", settings: "the defaults", expected: "phone" },
    {
      message: "a free-form message",
      contact: "phone and BSUID",
      settings: "SEND_ADDRESS_PREFERENCE=phone",
      expected: "phone",
    },
    {
      message: "a free-form message",
      contact: "a BSUID only",
      settings: "SEND_ADDRESS_PREFERENCE=phone",
      expected: "bsuid",
    },
    {
      message: "a free-form message",
      contact: "phone and BSUID",
      settings: "BSUID_SENDS_ENABLED=false",
      expected: "phone",
    },
    {
      message: "a free-form message",
      contact: "phone and BSUID",
      settings: "phone preferred and BSUID sends disabled",
      expected: "phone",
    },
    { message: "an authentication template", contact: "phone and BSUID", settings: "the defaults", expected: "phone" },
    { message: "an authentication template", contact: "a phone only", settings: "the defaults", expected: "phone" },
    {
      message: "an authentication template",
      contact: "an imported phone only",
      settings: "the defaults",
      expected: "phone",
    },
    {
      message: "a free-form message",
      contact: "a BSUID and a phone never seen with it",
      settings: "SEND_ADDRESS_PREFERENCE=phone",
      expected: "phone",
    },
    {
      message: "an authentication template",
      contact: "phone and BSUID",
      settings: "BSUID_SENDS_ENABLED=false",
      expected: "phone",
    },
  ];
  it.each(addressed.map((row) => [row.message, row.expected, row.contact, row.settings, row] as const))(
    "addresses %s to the %s when the contact has %s under %s",
    (_message, _expected, _contact, _settings, row) => {
      const contact = CONTACTS[row.contact];
      const choice = chooseRecipientAddress(
        contact,
        SETTINGS[row.settings]!,
        MESSAGE[row.message as keyof typeof MESSAGE],
      );

      expect(choice.addressedBy).toBe(row.expected);
      expect(choice.to).toBe(row.expected === "bsuid" ? contact.bsuid : contact.phone);
      expect(choice.reason).not.toBe("");
    },
  );

  const refused: (Row & { code: string })[] = [
    {
      message: "an authentication template",
      contact: "a BSUID only",
      settings: "the defaults",
      code: "authentication_template_needs_phone",
    },
    {
      message: "an authentication template",
      contact: "a BSUID only",
      settings: "SEND_ADDRESS_PREFERENCE=phone",
      code: "authentication_template_needs_phone",
    },
    {
      message: "an authentication template",
      contact: "a BSUID only",
      settings: "BSUID_SENDS_ENABLED=false",
      code: "authentication_template_needs_phone",
    },
    {
      message: "an authentication template",
      contact: "a BSUID and a phone never seen with it",
      settings: "the defaults",
      code: "authentication_template_needs_phone",
    },
    {
      message: "an authentication template",
      contact: "a BSUID and a phone seen with a previous BSUID",
      settings: "SEND_ADDRESS_PREFERENCE=phone",
      code: "authentication_template_needs_phone",
    },
    {
      message: "an authentication template",
      contact: "a phone only, known from a delivery status",
      settings: "BSUID_SENDS_ENABLED=false",
      code: "authentication_template_needs_phone",
    },
    {
      message: "a free-form message",
      contact: "a BSUID only",
      settings: "BSUID_SENDS_ENABLED=false",
      code: "bsuid_sends_disabled",
    },
    { message: "a free-form message", contact: "no identifier", settings: "the defaults", code: "no_address" },
  ];
  it.each(refused.map((row) => [row.message, row.code, row.contact, row.settings, row] as const))(
    "refuses %s with %s when the contact has %s under %s",
    (_message, _code, _contact, _settings, row) => {
      let thrown: unknown;
      try {
        chooseRecipientAddress(
          CONTACTS[row.contact],
          SETTINGS[row.settings]!,
          MESSAGE[row.message as keyof typeof MESSAGE],
        );
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(RuleRefusalError);
      expect(thrown).toMatchObject({ code: row.code, permanent: true });
    },
  );

  it.each([PARENT_BSUID, MIXED_CASE_BSUID, BSUID])("returns the BSUID %s byte for byte when it is chosen", (bsuid) => {
    const choice = chooseRecipientAddress(
      { bsuid, phone: null, phoneConfirmation: null },
      SETTINGS["the defaults"]!,
      false,
    );
    expect(Buffer.from(choice.to).equals(Buffer.from(bsuid))).toBe(true);
  });

  it("returns the phone in E.164 with + when it is chosen", () => {
    expect(chooseRecipientAddress(CONTACTS["a phone only"], SETTINGS["the defaults"]!, false).to).toMatch(
      /^\+[1-9]\d{6,14}$/,
    );
  });
});
