import { describe, expect, it } from "vitest";
import {
  crossCheckSubject,
  parseAdvancedMessageSubject,
} from "../../../../lib/adapters/acs/events/parseAdvancedMessageSubject";

const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const received = (sender: string): string => `advancedMessage/sender/${sender}/recipient/${CHANNEL}`;

describe("parseAdvancedMessageSubject", () => {
  it("classifies the sender as a phone when the segment is a valid number without +", () => {
    expect(parseAdvancedMessageSubject(received("447911123456"))).toEqual({
      kind: "received",
      sender: { kind: "phone", raw: "447911123456", phone: "+447911123456" },
      channelId: CHANNEL,
    });
  });

  it("classifies the sender as a phone when the segment carries a leading +", () => {
    const parsed = parseAdvancedMessageSubject(received("+14255551234"));
    expect(parsed.kind === "received" && parsed.sender).toEqual({
      kind: "phone",
      raw: "+14255551234",
      phone: "+14255551234",
    });
  });

  it("classifies the sender as a phone when the number is in the UK drama range 07700 900xxx", () => {
    // tryParsePhoneNumber checks possibility, not allocation, so Ofcom's range for fiction still reads as a phone.
    const parsed = parseAdvancedMessageSubject(received("447700900123"));
    expect(parsed.kind === "received" && parsed.sender).toEqual({
      kind: "phone",
      raw: "447700900123",
      phone: "+447700900123",
    });
  });

  it("classifies the sender as a BSUID when the segment is one", () => {
    const parsed = parseAdvancedMessageSubject(received("GB.88213456712094"));
    expect(parsed).toEqual({
      kind: "received",
      sender: { kind: "bsuid", raw: "GB.88213456712094", bsuid: "GB.88213456712094" },
      channelId: CHANNEL,
    });
  });

  it("classifies the sender as a parent BSUID when the segment has the ENT form", () => {
    const parsed = parseAdvancedMessageSubject(received("US.ENT.11815799212886844830"));
    expect(parsed.kind === "received" && parsed.sender.kind).toBe("parentBsuid");
  });

  it.each([
    ["the digits are too few for a phone", "123456"],
    ["the digits are too many for a phone", "1234567890123456"],
    ["the digits start with an unassigned calling code", "9990000000"],
    ["a BSUID was lower-cased", "gb.88213456712094"],
    ["the segment is a username", "contoso_fan"],
    ["the phone is written with spaces", "44 7911 123456"],
  ])("classifies the sender as unknown when %s", (_when, sender) => {
    const parsed = parseAdvancedMessageSubject(received(sender));
    expect(parsed).toEqual({ kind: "received", sender: { kind: "unknown", raw: sender }, channelId: CHANNEL });
  });

  it("keeps the channel segment as written when it is upper case", () => {
    const parsed = parseAdvancedMessageSubject(
      `advancedMessage/sender/447911123456/recipient/${CHANNEL.toUpperCase()}`,
    );
    expect(parsed.kind === "received" && parsed.channelId).toBe(CHANNEL.toUpperCase());
  });

  it("parses a delivery status subject when it has the message ID and status", () => {
    expect(
      parseAdvancedMessageSubject("advancedMessage/a1b2c3d4-0000-4000-8000-000000000001/status/Delivered"),
    ).toEqual({
      kind: "deliveryStatus",
      messageId: "a1b2c3d4-0000-4000-8000-000000000001",
      status: "Delivered",
    });
  });

  it("keeps the status case when the status is lower case", () => {
    const parsed = parseAdvancedMessageSubject("advancedMessage/msg-1/status/delivered");
    expect(parsed.kind === "deliveryStatus" && parsed.status).toBe("delivered");
  });

  it("matches the literal segments case-insensitively when their case differs", () => {
    expect(parseAdvancedMessageSubject(`AdvancedMessage/Sender/447911123456/Recipient/${CHANNEL}`).kind).toBe(
      "received",
    );
    expect(parseAdvancedMessageSubject("advancedmessage/msg-1/STATUS/Read").kind).toBe("deliveryStatus");
  });

  it.each<[string, unknown, string]>([
    ["the subject is not a string", 42, "not a string"],
    ["the subject is null", null, "not a string"],
    ["the subject is empty", "", "advancedMessage/"],
    ["the subject belongs to another service", "/blobServices/default/containers/x/blobs/y", "advancedMessage/"],
    ["the sender segment is empty", `advancedMessage/sender//recipient/${CHANNEL}`, "empty"],
    ["the subject has a trailing slash", `${received("447911123456")}/`, "empty"],
    ["the recipient word is wrong", `advancedMessage/sender/447911123456/receiver/${CHANNEL}`, "neither"],
    ["the subject has an extra segment", `${received("447911123456")}/extra`, "neither"],
    ["the status word is missing", "advancedMessage/msg-1/state/Read", "neither"],
  ])("returns unrecognized with a reason when %s", (_when, subject, reason) => {
    const parsed = parseAdvancedMessageSubject(subject);
    expect(parsed.kind).toBe("unrecognized");
    expect(parsed.kind === "unrecognized" && parsed.reason).toContain(reason);
  });
});

describe("crossCheckSubject", () => {
  const phone = parseAdvancedMessageSubject(received("447911123456"));
  const bsuid = parseAdvancedMessageSubject(received("GB.88213456712094"));
  const status = parseAdvancedMessageSubject("advancedMessage/A1B2C3D4-0000-4000-8000-000000000001/status/Read");

  it("reports nothing when the phone subject agrees with data", () => {
    expect(
      crossCheckSubject(phone, { fromPhone: "447911123456", fromBsuid: "GB.88213456712094", channelId: CHANNEL }),
    ).toEqual([]);
  });

  it("reports nothing when data writes the same phone with a + and the channel in upper case", () => {
    expect(crossCheckSubject(phone, { fromPhone: "+447911123456", channelId: CHANNEL.toUpperCase() })).toEqual([]);
  });

  it("reports nothing when the BSUID subject agrees with a hidden phone in data", () => {
    expect(crossCheckSubject(bsuid, { fromPhone: "", fromBsuid: "GB.88213456712094", channelId: CHANNEL })).toEqual([]);
    expect(crossCheckSubject(bsuid, { fromPhone: null, fromBsuid: "GB.88213456712094" })).toEqual([]);
  });

  it("reports a different phone masked when data names another number", () => {
    const mismatches = crossCheckSubject(phone, { fromPhone: "447911123999" });
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]).toContain("differs");
    expect(mismatches[0]).not.toContain("447911123999");
  });

  it("reports a missing phone when the subject names a phone but data has none", () => {
    expect(crossCheckSubject(phone, { fromPhone: "", fromBsuid: "GB.88213456712094" })).toEqual([
      expect.stringContaining("data carries no phone number"),
    ]);
  });

  it("reports a different BSUID when data differs only in case", () => {
    expect(crossCheckSubject(bsuid, { fromBsuid: "GB.88213456712094".toLowerCase() })).toEqual([
      expect.stringContaining("differs from data BSUID"),
    ]);
  });

  it("reports a missing BSUID and a visible phone when the BSUID subject comes with a phone only", () => {
    const mismatches = crossCheckSubject(bsuid, { fromPhone: "447911123456", fromBsuid: null });
    expect(mismatches).toEqual([
      expect.stringContaining("data carries no BSUID"),
      expect.stringContaining("although data carries phone"),
    ]);
  });

  it("reports an unknown sender when the segment is neither phone nor BSUID", () => {
    const unknown = parseAdvancedMessageSubject(received("contoso_fan"));
    expect(crossCheckSubject(unknown, { fromBsuid: "GB.1" })).toEqual([expect.stringContaining("neither a phone")]);
  });

  it("skips the sender check when the caller passes neither sender field", () => {
    expect(crossCheckSubject(phone, { channelId: CHANNEL })).toEqual([]);
  });

  it("reports a different channel when data names another channel", () => {
    expect(crossCheckSubject(phone, { channelId: "11111111-1111-1111-1111-111111111111" })).toEqual([
      expect.stringContaining("recipient channel"),
    ]);
  });

  it("compares message IDs when the subject is a delivery status", () => {
    expect(crossCheckSubject(status, { messageId: "a1b2c3d4-0000-4000-8000-000000000001" })).toEqual([]);
    expect(crossCheckSubject(status, { messageId: "b1b2c3d4-0000-4000-8000-000000000001" })).toEqual([
      expect.stringContaining("message ID"),
    ]);
    expect(crossCheckSubject(status, { fromPhone: "447911123456", channelId: CHANNEL })).toEqual([]);
  });

  it("reports the reason when the subject is unrecognized", () => {
    expect(crossCheckSubject(parseAdvancedMessageSubject("something/else"), {})).toEqual([
      expect.stringContaining("not an ACS Advanced Messaging subject"),
    ]);
  });
});
