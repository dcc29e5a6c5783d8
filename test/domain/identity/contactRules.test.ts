import { describe, expect, it } from "vitest";
import {
  absorbContact,
  createBlankContact,
  inferPhoneConfirmation,
  isNewerPhoneEvidence,
  isPhoneConfirmed,
  recordInbound,
  recordPhone,
  releasePhone,
  rememberPreviousPhone,
  sameContact,
  type PhoneEvidence,
  type PhoneSighting,
} from "../../../lib/domain/identity/contactRules";
import type { Contact } from "../../../lib/domain/identity/types";
import { parseBsuid, type Bsuid } from "../../../lib/core/values/Bsuid";
import { parsePhoneNumber, type PhoneNumber } from "../../../lib/core/values/PhoneNumber";
import type { ContactId, Scope } from "../../../lib/core/values/identifiers";

const A = parseBsuid("US.13491208655302741918");
const B = parseBsuid("US.13491208655302741919");
const P = parsePhoneNumber("+14255550100");
const Q = parsePhoneNumber("+14255550199");

function contact(fields: Partial<Contact> = {}): Contact {
  return {
    ...createBlankContact(
      "c_00000000000000000000000000000001" as ContactId,
      "default" as Scope,
      "2026-11-01T00:00:00.000Z",
    ),
    ...fields,
  };
}

const evidence = (phone: PhoneNumber, bsuid: Bsuid | null, at: string): PhoneEvidence => ({
  phone,
  bsuid,
  at,
});

describe("recordInbound", () => {
  it("moves times forward only, so an older or repeated message changes nothing", () => {
    const once = recordInbound(contact(), "ch", "2026-11-20T10:00:00.000Z");
    const older = recordInbound(once, "ch", "2026-11-20T09:00:00.000Z");
    expect(older).toMatchObject({
      firstSeen: "2026-11-20T09:00:00.000Z",
      lastSeen: "2026-11-20T10:00:00.000Z",
      lastInboundByChannel: { ch: "2026-11-20T10:00:00.000Z" },
    });
    expect(sameContact(recordInbound(older, "ch", "2026-11-20T10:00:00.000Z"), older)).toBe(true);
  });
});

describe("isNewerPhoneEvidence", () => {
  it.each([
    ["the holder has no phone", contact(), evidence(P, A, "2026-11-20T08:00:00Z"), true],
    [
      "the holder's phone time is unknown (imported)",
      contact({ phone: P }),
      evidence(P, A, "2026-11-20T08:00:00Z"),
      true,
    ],
    [
      "the evidence is newer",
      contact({ bsuid: B, phone: P, phoneSeenAt: "2026-11-20T09:00:00Z" }),
      evidence(P, A, "2026-11-20T10:00:00Z"),
      true,
    ],
    [
      "the evidence is older",
      contact({ bsuid: B, phone: P, phoneSeenAt: "2026-11-20T09:00:00Z" }),
      evidence(P, A, "2026-11-20T08:00:00Z"),
      false,
    ],
    [
      "times are equal in different notations, the evidence's BSUID is smaller",
      contact({ bsuid: B, phone: P, phoneSeenAt: "2026-11-20T09:00:00.000Z" }),
      evidence(P, A, "2026-11-20T09:00:00Z"),
      false,
    ],
    [
      "times are equal, the evidence's BSUID is larger",
      contact({ bsuid: A, phone: P, phoneSeenAt: "2026-11-20T09:00:00Z" }),
      evidence(P, B, "2026-11-20T09:00:00Z"),
      true,
    ],
    [
      "times and BSUIDs are equal, the evidence's phone is larger",
      contact({ bsuid: A, phone: P, phoneSeenAt: "2026-11-20T09:00:00Z" }),
      evidence(Q, A, "2026-11-20T09:00:00Z"),
      true,
    ],
    [
      "times and BSUIDs are equal, the evidence's phone is smaller",
      contact({ bsuid: A, phone: Q, phoneSeenAt: "2026-11-20T09:00:00Z" }),
      evidence(P, A, "2026-11-20T09:00:00Z"),
      false,
    ],
  ])("is %s → %s", (_, holder, seen, expected) => {
    expect(isNewerPhoneEvidence(seen, holder)).toBe(expected);
  });

  it("has exactly one winner for any two contenders at the same time, whichever is asked first", () => {
    const at = "2026-11-20T09:00:00Z";
    const holderA = contact({ bsuid: A, phone: P, phoneSeenAt: at });
    const holderB = contact({ bsuid: B, phone: P, phoneSeenAt: at });
    expect(isNewerPhoneEvidence(evidence(P, B, at), holderA)).not.toBe(
      isNewerPhoneEvidence(evidence(P, A, at), holderB),
    );
  });
});

const seen = (
  phone: PhoneNumber,
  bsuid: Bsuid | null,
  source: PhoneSighting["source"],
  at?: string,
): PhoneSighting => ({ phone, bsuid, source, at });

describe("recordPhone", () => {
  it("keeps the later time for the same phone and starts afresh for a new one", () => {
    const withP = recordPhone(contact(), seen(P, null, "message", "2026-11-20T10:00:00Z"));
    expect(recordPhone(withP, seen(P, null, "message", "2026-11-20T09:00:00Z"))).toMatchObject({
      phone: P,
      phoneSeenAt: "2026-11-20T10:00:00Z",
    });
    expect(recordPhone(withP, seen(Q, null, "message", "2026-11-20T11:00:00Z"))).toMatchObject({
      phone: Q,
      phoneSeenAt: "2026-11-20T11:00:00Z",
    });
    expect(recordPhone(withP, seen(Q, null, "status"))).toMatchObject({ phone: Q, phoneSeenAt: null });
  });

  it.each([
    [
      "a message pairs it with the current BSUID",
      contact({ bsuid: A }),
      seen(P, A, "message", "2026-11-20T10:00:00Z"),
      true,
    ],
    ["a delivery status pairs it with the current BSUID", contact({ bsuid: A }), seen(P, A, "status"), true],
    [
      "a phone-only message comes from a contact without a BSUID",
      contact(),
      seen(P, null, "message", "2026-11-20T10:00:00Z"),
      true,
    ],
    ["an import names it for a contact without a BSUID", contact(), seen(P, null, "import"), true],
    [
      "a phone-only message comes for a contact with a BSUID",
      contact({ bsuid: A }),
      seen(P, null, "message", "2026-11-20T10:00:00Z"),
      false,
    ],
    ["an import names it for a contact with a BSUID", contact({ bsuid: A }), seen(P, null, "import"), false],
    ["a delivery status went to the bare phone", contact(), seen(P, null, "status"), false],
  ])("confirms the phone when %s → %s", (_, holder, sighting, expected) => {
    expect(isPhoneConfirmed(recordPhone(holder, sighting))).toBe(expected);
  });

  it("keeps the number it replaces as a previous phone and drops a number from the history when it comes back", () => {
    const withP = recordPhone(contact({ bsuid: A }), seen(P, A, "message", "2026-11-20T10:00:00Z"));
    const withQ = recordPhone(withP, seen(Q, A, "message", "2026-11-20T11:00:00Z"));
    expect(withQ).toMatchObject({ phone: Q, previousPhones: [P], phoneConfirmation: { by: "bsuid", bsuid: A } });
    expect(recordPhone(withQ, seen(P, A, "message", "2026-11-20T12:00:00Z"))).toMatchObject({
      phone: P,
      previousPhones: [Q],
    });
  });

  it("starts a new number unconfirmed when the sighting confirms nothing", () => {
    const withP = recordPhone(contact(), seen(P, null, "import"));
    expect(recordPhone(withP, seen(Q, null, "status"))).toMatchObject({ phone: Q, phoneConfirmation: null });
  });
});

describe("isPhoneConfirmed", () => {
  it.each([
    [
      "paired with the current BSUID",
      contact({ bsuid: A, phone: P, phoneConfirmation: { by: "bsuid", bsuid: A } }),
      true,
    ],
    [
      "paired with a BSUID the contact no longer has",
      contact({ bsuid: B, phone: P, phoneConfirmation: { by: "bsuid", bsuid: A } }),
      false,
    ],
    [
      "imported, and the contact took a BSUID nobody saw with another number",
      contact({ bsuid: A, phone: P, phoneConfirmation: { by: "import" } }),
      true,
    ],
    ["unconfirmed", contact({ bsuid: A, phone: P }), false],
    [
      "absent, whatever the stale confirmation says",
      contact({ bsuid: A, phoneConfirmation: { by: "bsuid", bsuid: A } }),
      false,
    ],
  ])("is the phone %s → %s", (_, holder, expected) => {
    expect(isPhoneConfirmed(holder)).toBe(expected);
  });
});

describe("releasePhone", () => {
  it("takes the phone off, unconfirmed, into the previous phones, once however often it is applied", () => {
    const held = contact({
      bsuid: A,
      phone: P,
      phoneSeenAt: "2026-11-20T10:00:00Z",
      phoneConfirmation: { by: "bsuid", bsuid: A },
    });
    const released = releasePhone(held);
    expect(released).toMatchObject({ phone: null, phoneSeenAt: null, phoneConfirmation: null, previousPhones: [P] });
    expect(sameContact(releasePhone(released), released)).toBe(true);
  });
});

describe("rememberPreviousPhone", () => {
  it("adds a number once and never the current one", () => {
    const once = rememberPreviousPhone(contact({ phone: Q }), P);
    expect(once.previousPhones).toEqual([P]);
    expect(rememberPreviousPhone(once, P).previousPhones).toEqual([P]);
    expect(rememberPreviousPhone(once, Q).previousPhones).toEqual([P]);
  });
});

describe("inferPhoneConfirmation (rows stored before confirmations)", () => {
  it.each([
    ["no phone", { bsuid: A, phone: null, phoneSeenAt: null, previousBsuids: [] }, null],
    [
      "a phone-only contact with a phone time (a phone-only message)",
      { bsuid: null, phone: P, phoneSeenAt: "2026-11-20T10:00:00Z", previousBsuids: [] },
      { by: "message" },
    ],
    [
      "a phone-only contact without a phone time (an import)",
      { bsuid: null, phone: P, phoneSeenAt: null, previousBsuids: [] },
      { by: "import" },
    ],
    [
      "a BSUID never relinked (only a pair attaches a phone to it)",
      { bsuid: A, phone: P, phoneSeenAt: "2026-11-20T10:00:00Z", previousBsuids: [] },
      { by: "bsuid", bsuid: A },
    ],
    [
      "a relinked BSUID (relinks kept the old number)",
      { bsuid: B, phone: P, phoneSeenAt: "2026-11-20T10:00:00Z", previousBsuids: [A] },
      null,
    ],
  ] as const)("reads %s as %j", (_, row, expected) => {
    expect(inferPhoneConfirmation({ ...row, previousBsuids: [...row.previousBsuids] })).toEqual(expected);
  });
});

describe("absorbContact", () => {
  const survivor = contact({ bsuid: A, firstSeen: "2026-11-20T10:00:00Z", lastSeen: "2026-11-20T10:00:00Z" });
  const folded = contact({
    contactId: "c_00000000000000000000000000000002" as ContactId,
    phone: P,
    phoneSeenAt: "2026-11-20T08:00:00Z",
    firstSeen: "2026-11-20T08:00:00Z",
    lastSeen: "2026-11-20T08:00:00Z",
    lastInboundByChannel: { ch: "2026-11-20T08:00:00Z" },
  });

  it("takes the folded contact's phone with its time, its history and its ID", () => {
    expect(absorbContact(survivor, folded)).toMatchObject({
      contactId: survivor.contactId,
      bsuid: A,
      phone: P,
      phoneSeenAt: "2026-11-20T08:00:00Z",
      firstSeen: "2026-11-20T08:00:00Z",
      lastSeen: "2026-11-20T10:00:00Z",
      lastInboundByChannel: { ch: "2026-11-20T08:00:00Z" },
      mergedContactIds: [folded.contactId],
    });
  });

  it("keeps the survivor's own phone and time when the folded contact had another number", () => {
    const own = { ...survivor, phone: Q, phoneSeenAt: "2026-11-20T10:00:00Z" };
    expect(absorbContact(own, folded)).toMatchObject({ phone: Q, phoneSeenAt: "2026-11-20T10:00:00Z" });
  });

  it("keeps the folded contact's other number as a previous phone, with both contacts' previous phones", () => {
    const own = { ...survivor, phone: Q, previousPhones: [parsePhoneNumber("+14255550111")] };
    const withHistory = { ...folded, previousPhones: [parsePhoneNumber("+14255550122")] };
    expect(absorbContact(own, withHistory).previousPhones).toEqual(["+14255550111", "+14255550122", P]);
  });

  it("takes the confirmation that goes with the phone it keeps", () => {
    const confirmed = { ...folded, bsuid: A, phoneConfirmation: { by: "bsuid", bsuid: A } as const };
    expect(absorbContact(survivor, confirmed)).toMatchObject({
      phone: P,
      phoneConfirmation: { by: "bsuid", bsuid: A },
    });
    const own = { ...survivor, phone: Q };
    expect(absorbContact(own, confirmed)).toMatchObject({ phone: Q, phoneConfirmation: null });
  });

  it("is idempotent: absorbing twice is absorbing once", () => {
    const once = absorbContact(survivor, folded);
    expect(sameContact(absorbContact(once, folded), once)).toBe(true);
  });
});
