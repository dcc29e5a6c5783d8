import { describe, expect, it } from "vitest";
import { createBlankContact, type PhoneSighting } from "../../../lib/domain/identity/contactRules";
import { decidePhoneChange, type PhoneChange } from "../../../lib/domain/identity/phoneChange";
import type { Contact } from "../../../lib/domain/identity/types";
import { parseBsuid, type Bsuid } from "../../../lib/core/values/Bsuid";
import { parsePhoneNumber, type PhoneNumber } from "../../../lib/core/values/PhoneNumber";
import type { ContactId, Scope } from "../../../lib/core/values/identifiers";

const A = parseBsuid("US.13491208655302741918");
const B = parseBsuid("US.13491208655302741919");
const P = parsePhoneNumber("+14255550100");
const Q = parsePhoneNumber("+14255550199");
const EARLY = "2026-11-01T10:00:00.000Z";
const LATE = "2026-11-01T12:00:00.000Z";

function contact(id: number, fields: Partial<Contact> = {}): Contact {
  const contactId = `c_${String(id).padStart(32, "0")}` as ContactId;
  return { ...createBlankContact(contactId, "default" as Scope, EARLY), ...fields };
}

function message(phone: PhoneNumber, bsuid: Bsuid | null, at: string): PhoneSighting {
  return { phone, bsuid, at, source: "message" };
}

function status(phone: PhoneNumber, bsuid: Bsuid | null): PhoneSighting {
  return { phone, bsuid, at: undefined, source: "status" };
}

const paired = { by: "bsuid", bsuid: A } as const;

const cases: {
  name: string;
  contact: Contact;
  bsuid: Bsuid | undefined;
  sighting: PhoneSighting | undefined;
  keyHolder?: Contact;
  expected: PhoneChange;
}[] = [
  {
    name: "changes nothing when the event carries no phone",
    contact: contact(1, { bsuid: A }),
    bsuid: A,
    sighting: undefined,
    expected: { kind: "none" },
  },
  {
    name: "records the sighting when the contact already holds the phone and its key",
    contact: contact(1, { bsuid: A, phone: P }),
    bsuid: A,
    sighting: message(P, A, LATE),
    keyHolder: contact(1, { bsuid: A, phone: P }),
    expected: { kind: "record" },
  },
  {
    name: "releases the phone when the BSUID is one the contact had before a relink and it still holds the phone",
    contact: contact(1, { bsuid: B, phone: P }),
    bsuid: A,
    sighting: message(P, A, LATE),
    expected: { kind: "historic", release: true },
  },
  {
    name: "only remembers the phone when the BSUID is historic and the contact holds another phone",
    contact: contact(1, { bsuid: B, phone: Q }),
    bsuid: A,
    sighting: message(P, A, LATE),
    expected: { kind: "historic", release: false },
  },
  {
    name: "claims the phone when it has no key and the contact has no phone",
    contact: contact(1, { bsuid: A }),
    bsuid: A,
    sighting: message(P, A, LATE),
    expected: { kind: "change", step: "claim", stale: false },
  },
  {
    name: "keeps the contact's paired phone when an older message brings another one",
    contact: contact(1, { bsuid: A, phone: Q, phoneSeenAt: LATE, phoneConfirmation: paired }),
    bsuid: A,
    sighting: message(P, A, EARLY),
    expected: { kind: "change", step: "claim", stale: true },
  },
  {
    name: "replaces a phone never paired with the BSUID whatever the message's time",
    contact: contact(1, { bsuid: A, phone: Q, phoneSeenAt: LATE, phoneConfirmation: { by: "import" } }),
    bsuid: A,
    sighting: message(P, A, EARLY),
    expected: { kind: "change", step: "claim", stale: false },
  },
  {
    name: "does not replace a phone from a status without a paired BSUID",
    contact: contact(1, { bsuid: A, phone: Q, phoneSeenAt: LATE, phoneConfirmation: paired }),
    bsuid: undefined,
    sighting: status(P, null),
    expected: { kind: "change", step: "claim", stale: true },
  },
  {
    name: "merges the phone's holder when it has no BSUID",
    contact: contact(1, { bsuid: A }),
    bsuid: A,
    sighting: message(P, A, LATE),
    keyHolder: contact(2, { phone: P, phoneSeenAt: EARLY }),
    expected: { kind: "change", step: "merge", stale: false },
  },
  {
    name: "moves the phone when its holder has another BSUID and the message is newer",
    contact: contact(1, { bsuid: A }),
    bsuid: A,
    sighting: message(P, A, LATE),
    keyHolder: contact(2, { bsuid: B, phone: P, phoneSeenAt: EARLY }),
    expected: { kind: "change", step: "move", stale: false },
  },
  {
    name: "keeps the key where it is when the holder has another BSUID and the message is older",
    contact: contact(1, { bsuid: A }),
    bsuid: A,
    sighting: message(P, A, EARLY),
    keyHolder: contact(2, { bsuid: B, phone: P, phoneSeenAt: LATE }),
    expected: { kind: "change", step: "keep", stale: true },
  },
  {
    name: "never takes another BSUID's phone on a status",
    contact: contact(1, { bsuid: A }),
    bsuid: A,
    sighting: status(P, A),
    keyHolder: contact(2, { bsuid: B, phone: P, phoneSeenAt: EARLY }),
    expected: { kind: "change", step: "keep", stale: true },
  },
];

describe("decidePhoneChange", () => {
  it.each(cases)("$name", ({ contact: holder, bsuid, sighting, keyHolder, expected }) => {
    expect(decidePhoneChange({ contact: holder, bsuid, sighting, keyHolder })).toEqual(expected);
  });
});
