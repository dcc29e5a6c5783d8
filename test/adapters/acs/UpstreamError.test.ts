import { describe, expect, it } from "vitest";
import { TransientError } from "../../../lib/core/errors";
import { errorFromAcsResponse, retryAfterSecondsFrom } from "../../../lib/adapters/acs/UpstreamError";
import { UpstreamError, UpstreamTransientError } from "../../../lib/domain/messaging/sendErrors";

describe("errorFromAcsResponse", () => {
  it("masks the recipient when ACS echoes it in the error message", () => {
    const error = errorFromAcsResponse(
      {
        status: "400",
        headers: {},
        body: { error: { code: "InvalidRecipient", message: "Recipient +14255551234 (14255551234) is not valid" } },
      },
      "send",
      ["+14255551234"],
    );

    expect(error.message).not.toContain("4255551234");
    expect(error.message).toContain("+14******234");
  });

  it("prefers the x-ms-error-code header when the body carries another code", () => {
    const error = errorFromAcsResponse(
      {
        status: "400",
        headers: { "x-ms-error-code": "FromHeader" },
        body: { error: { code: "FromBody", message: "m" } },
      },
      "send",
    );

    expect(error).toMatchObject({ acsErrorCode: "FromHeader" });
  });

  it("finds the WhatsApp code when ACS gives it only in Meta's (#code) message form", () => {
    const error = errorFromAcsResponse(
      { status: "400", headers: {}, body: { error: { code: "BadRequest", message: "(#131062) Not allowed" } } },
      "send",
    );

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ channelErrorCode: "131062" });
  });

  it("returns a transient error when ACS answers 409 because the repeated request is still in progress", () => {
    const error = errorFromAcsResponse({ status: "409", headers: {}, body: undefined }, "send");

    expect(error).toBeInstanceOf(UpstreamTransientError);
    expect(error).toBeInstanceOf(TransientError);
  });

  it("keeps a readable message when the error body is not JSON", () => {
    const error = errorFromAcsResponse({ status: "502", headers: {}, body: "<html>Bad gateway</html>" }, "send");

    expect(error.message).toBe("ACS send failed with 502: HTTP 502");
  });
});

describe("retryAfterSecondsFrom", () => {
  it("reads seconds, milliseconds and HTTP dates when ACS sends them", () => {
    expect(retryAfterSecondsFrom({ "retry-after": "7" })).toBe(7);
    expect(retryAfterSecondsFrom({ "retry-after-ms": "1500" })).toBe(2);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(retryAfterSecondsFrom({ "retry-after": inTenSeconds })).toBeGreaterThanOrEqual(9);
    expect(retryAfterSecondsFrom({})).toBeUndefined();
    expect(retryAfterSecondsFrom({ "retry-after": "soon" })).toBeUndefined();
  });
});
