import { describe, expect, it } from "vitest";
import { RuleRefusalError } from "../../../lib/core/errors";
import type { SendRecord } from "../../../lib/domain/messaging/SendRecordStore";
import { derivedRequestId, fingerprintOf, replayOf } from "../../../lib/useCases/messaging/sendAttempt";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REQUEST_ID = "0b7e3d3c-2a47-4c5e-9d0e-6f1a2b3c4d5e";

function record(fields: Partial<SendRecord> = {}): SendRecord {
  return {
    fingerprint: "f1",
    repeatabilityRequestId: REQUEST_ID,
    repeatabilityFirstSent: new Date("2026-11-01T10:00:00.000Z"),
    outcome: undefined,
    attempt: 1,
    etag: "W/1",
    ...fields,
  };
}

describe("derivedRequestId", () => {
  it("gives a version 4 UUID that is the same for the same request ID and purpose", () => {
    const derived = derivedRequestId(REQUEST_ID, "authentication template to phone");
    expect(derived).toMatch(UUID_V4);
    expect(derivedRequestId(REQUEST_ID, "authentication template to phone")).toBe(derived);
    expect(derived).not.toBe(REQUEST_ID);
  });

  it("gives another ID when the purpose or the request ID differs", () => {
    const derived = derivedRequestId(REQUEST_ID, "authentication template to phone");
    expect(derivedRequestId(REQUEST_ID, "another purpose")).not.toBe(derived);
    expect(derivedRequestId("1b7e3d3c-2a47-4c5e-9d0e-6f1a2b3c4d5e", "authentication template to phone")).not.toBe(
      derived,
    );
  });
});

describe("fingerprintOf", () => {
  it("differs when the message differs and not when the same request is made again", () => {
    const request = { recipient: { contactId: "c_1" }, channelId: "ch", message: { kind: "text", text: "hi" } };
    expect(fingerprintOf({ ...request })).toBe(fingerprintOf(request));
    expect(fingerprintOf({ ...request, message: { kind: "text", text: "hello" } })).not.toBe(fingerprintOf(request));
  });
});

describe("replayOf", () => {
  it("refuses a key reused for a different request", () => {
    expect(() => replayOf(record(), "f2")).toThrow(RuleRefusalError);
  });

  it("has no answer when the send's outcome is not known yet", () => {
    expect(replayOf(record(), "f1")).toBeUndefined();
  });

  it("answers with the stored outcome, marked as a replay, when the send was accepted", () => {
    const outcome = { messageId: "m1", to: "US.1", addressedBy: "bsuid" as const, contactId: "c_1", channelId: "ch" };
    expect(replayOf(record({ outcome }), "f1")).toEqual({
      ...outcome,
      replayed: true,
      reason: "replay of an earlier send with this key",
    });
  });
});
