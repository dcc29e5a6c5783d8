import { describe, expect, it } from "vitest";
import {
  absorbContact,
  createBlankContact,
  isNewerPhoneEvidence,
  recordInbound,
  recordPhone,
  sameContact,
  type PhoneEvidence,
} from "../../lib/identity/contactRules";
import type { Contact } from "../../lib/identity/types";
import { parseBsuid, type Bsuid } from "../../lib/values/Bsuid";
import { parsePhoneNumber, type PhoneNumber } from "../../lib/values/PhoneNumber";
import type { ContactId, Scope } from "../../lib/values/identifiers";

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

describe("recordPhone", () => {
  it("keeps the later time for the same phone and starts afresh for a new one", () => {
    const withP = recordPhone(contact(), P, "2026-11-20T10:00:00Z");
    expect(recordPhone(withP, P, "2026-11-20T09:00:00Z")).toMatchObject({
      phone: P,
      phoneSeenAt: "2026-11-20T10:00:00Z",
    });
    expect(recordPhone(withP, Q, "2026-11-20T11:00:00Z")).toMatchObject({
      phone: Q,
      phoneSeenAt: "2026-11-20T11:00:00Z",
    });
    expect(recordPhone(withP, Q, undefined)).toMatchObject({ phone: Q, phoneSeenAt: null });
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

  it("is idempotent: absorbing twice is absorbing once", () => {
    const once = absorbContact(survivor, folded);
    expect(sameContact(absorbContact(once, folded), once)).toBe(true);
  });
});
