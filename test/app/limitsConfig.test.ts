import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/app/loadConfig";
import { LIMIT_SETTINGS } from "../../lib/app/readLimitsConfig";

const BASE = { TABLE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true" };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

describe("loadConfig limits", () => {
  it("uses the documented defaults when no limit is set", () => {
    expect(loadConfig(BASE).limits).toEqual({
      maxRequestBodyBytes: LIMIT_SETTINGS.MAX_REQUEST_BODY_BYTES.default,
      outboundTryTimeoutMs: LIMIT_SETTINGS.OUTBOUND_TRY_TIMEOUT_MS.default,
      eventDeadlineMs: LIMIT_SETTINGS.EVENT_DEADLINE_MS.default,
      apiDeadlineMs: LIMIT_SETTINGS.API_DEADLINE_MS.default,
    });
  });

  it("keeps every deadline inside Event Grid's 30 s wait by default and at most", () => {
    expect(LIMIT_SETTINGS.EVENT_DEADLINE_MS.max).toBeLessThan(30_000);
    expect(LIMIT_SETTINGS.OUTBOUND_TRY_TIMEOUT_MS.default).toBeLessThan(LIMIT_SETTINGS.EVENT_DEADLINE_MS.default);
  });

  it("reads limits that are set", () => {
    const limits = loadConfig({ ...BASE, MAX_REQUEST_BODY_BYTES: "2048", EVENT_DEADLINE_MS: "1000" }).limits;
    expect(limits.maxRequestBodyBytes).toBe(2048);
    expect(limits.eventDeadlineMs).toBe(1000);
  });

  it.each([
    ["MAX_REQUEST_BODY_BYTES", "64KB"],
    ["MAX_REQUEST_BODY_BYTES", "10"],
    ["OUTBOUND_TRY_TIMEOUT_MS", "-1"],
    ["EVENT_DEADLINE_MS", "30000"],
    ["API_DEADLINE_MS", "1.5"],
  ])("names %s=%s as a problem", (name, value) => {
    expect(problemsOf({ [name]: value })).toContain(`${name} must be a whole number from`);
  });

  it("names every bad limit in one error", () => {
    const message = problemsOf({ MAX_REQUEST_BODY_BYTES: "x", API_DEADLINE_MS: "y" });
    expect(message).toContain("MAX_REQUEST_BODY_BYTES");
    expect(message).toContain("API_DEADLINE_MS");
  });

  it.each([
    ["endpoint=http://127.0.0.1:4010/;accesskey=a2V5", true],
    ["endpoint=https://contoso.communication.azure.com/;accesskey=a2V5", false],
  ])("allows loopback media URLs only when ACS is local (%s)", (connectionString, allowed) => {
    expect(loadConfig({ ...BASE, ACS_CONNECTION_STRING: connectionString }).messaging.allowLoopbackMediaUrls).toBe(
      allowed,
    );
  });
});
