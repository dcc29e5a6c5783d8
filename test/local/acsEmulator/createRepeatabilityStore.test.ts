import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createRepeatabilityStore } from "../../../local/acsEmulator/createRepeatabilityStore";

const WINDOW = 5 * 60 * 1000;
const NOW = Date.parse("2026-11-20T10:00:00Z");

function request(id: string, firstSent: number, body = "{}") {
  return {
    method: "POST",
    target: "/messages/notifications:send?api-version=2024-08-30",
    headers: { "repeatability-request-id": id, "repeatability-first-sent": new Date(firstSent).toUTCString() },
    body: Buffer.from(body),
  };
}

describe("createRepeatabilityStore", () => {
  it("processes the request again when its first answer was a 5xx", () => {
    const store = createRepeatabilityStore(WINDOW, () => NOW);
    const id = randomUUID();
    const first = store.decide(request(id, NOW));
    if (first.action !== "process") throw new Error(`expected process, got ${first.action}`);

    store.remember(first, { status: 503, headers: {}, body: {} });

    expect(store.decide(request(id, NOW)).action).toBe("process");
  });

  it("replays a remembered 4xx when the same request is repeated", () => {
    const store = createRepeatabilityStore(WINDOW, () => NOW);
    const id = randomUUID();
    const first = store.decide(request(id, NOW));
    if (first.action !== "process") throw new Error(`expected process, got ${first.action}`);
    const answer = { status: 400, headers: { "x-ms-error-code": "InvalidRecipient" }, body: { error: {} } };

    store.remember(first, answer);

    expect(store.decide(request(id, NOW))).toEqual({ action: "replay", response: answer });
  });

  it("rejects with 412 when Repeatability-First-Sent is older than the window", () => {
    const store = createRepeatabilityStore(WINDOW, () => NOW);

    expect(store.decide(request(randomUUID(), NOW - WINDOW - 1000))).toMatchObject({
      action: "reject",
      error: { status: 412 },
    });
  });

  it("rejects with 400 when only one of the two headers is sent", () => {
    const store = createRepeatabilityStore(WINDOW, () => NOW);
    const only = { ...request(randomUUID(), NOW), headers: { "repeatability-request-id": randomUUID() } };

    expect(store.decide(only)).toMatchObject({ action: "reject", error: { status: 400 } });
  });

  it("forgets a request ID when its window has passed", () => {
    let now = NOW;
    const store = createRepeatabilityStore(WINDOW, () => now);
    const id = randomUUID();
    const first = store.decide(request(id, NOW));
    if (first.action !== "process") throw new Error(`expected process, got ${first.action}`);
    store.remember(first, { status: 202, headers: {}, body: {} });

    now = NOW + WINDOW + 1000;

    expect(store.decide(request(id, now)).action).toBe("process");
  });
});
