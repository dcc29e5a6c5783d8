import { describe, expect, it } from "vitest";
import { parseAdvancedMessageEvent } from "../../../lib/adapters/acs/events/parseAdvancedMessageEvent";
import { createDeliveryStatusEvent } from "../../../local/eventGrid/acsEvents";
import {
  EVENT_GRID_RETRY_SCHEDULE_MS,
  decideAfterFailure,
  isDeliverySuccess,
  retryWaitMs,
} from "../../../local/eventGrid/deliveryPolicy";

describe("Event Grid delivery policy", () => {
  it("counts only 200 to 204 as delivered", () => {
    expect([200, 201, 202, 203, 204].every(isDeliverySuccess)).toBe(true);
    expect([205, 301, 400, 500].some(isDeliverySuccess)).toBe(false);
  });

  it("dead-letters 400, 403 and 413 at once and retries other failures", () => {
    expect(decideAfterFailure({ status: 400 })).toEqual({
      action: "deadLetter",
      reason: "UndeliverableDueToHttpBadRequest",
    });
    expect(decideAfterFailure({ status: 403 })).toMatchObject({ action: "deadLetter" });
    expect(decideAfterFailure({ status: 413 })).toMatchObject({ action: "deadLetter" });
    expect(decideAfterFailure({ status: 500 })).toEqual({ action: "retry", minimumWaitMs: 10_000 });
    expect(decideAfterFailure({ status: 0 })).toEqual({ action: "retry", minimumWaitMs: 10_000 });
  });

  it("follows 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then 12 h when the status sets no minimum", () => {
    const waits = Array.from({ length: 12 }, (_, i) => retryWaitMs(EVENT_GRID_RETRY_SCHEDULE_MS, i + 1, 10_000));
    expect(waits.map((ms) => ms / 1000)).toEqual([10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 43200, 43200]);
  });

  it("waits the status's minimum when it is longer than the schedule's step", () => {
    expect(retryWaitMs(EVENT_GRID_RETRY_SCHEDULE_MS, 1, 5 * 60_000)).toBe(5 * 60_000);
    expect(retryWaitMs(EVENT_GRID_RETRY_SCHEDULE_MS, 5, 5 * 60_000)).toBe(10 * 60_000);
  });
});

describe("createDeliveryStatusEvent", () => {
  it("makes a status event the app's parser reads, with the BSUID in toBSUID and an empty to, for a BSUID send", () => {
    const event = createDeliveryStatusEvent(
      {
        messageId: "3c2d1e0f-aaaa-4bbb-8ccc-000000000781",
        channelId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        to: "US.13491208655302741918",
      },
      "Delivered",
    );
    expect(event.subject).toBe("advancedMessage/3c2d1e0f-aaaa-4bbb-8ccc-000000000781/status/Delivered");
    const parsed = parseAdvancedMessageEvent(event);
    expect(parsed).toMatchObject({
      ok: true,
      value: { kind: "status", status: "delivered", toBsuid: "US.13491208655302741918", toPhone: undefined },
    });
  });

  it("writes the phone without + and carries the error when a phone send failed", () => {
    const event = createDeliveryStatusEvent(
      { messageId: "m-1", channelId: "7c9e6679-7425-40de-944b-e07fc1f90ae7", to: "+14255551234" },
      "Failed",
      { error: { channelCode: "131026", channelMessage: "Message Undeliverable." } },
    );
    expect(event.data).toMatchObject({
      to: "14255551234",
      status: "Failed",
      error: { channelCode: "131026", channelMessage: "Message Undeliverable." },
    });
    expect(event.data).not.toHaveProperty("toBSUID");
  });
});
