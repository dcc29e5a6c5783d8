import { beforeEach, describe, expect, it } from "vitest";
import { startApp, type AppServices } from "../../lib/app/createAppServices";
import { handleAdvancedMessageReceived } from "../../lib/useCases/events/handleAdvancedMessageReceived";
import { handleDeliveryStatusUpdated } from "../../lib/useCases/events/handleDeliveryStatusUpdated";
import { silentLogger } from "../../lib/core/logging/createLogger";
import { createRequestCounter, type RequestCounter } from "../../lib/adapters/tableStorage/createRequestCounter";
import { parseMessageId } from "../../lib/core/values/identifiers";
import { loadFixtureEvent } from "../support/fixtures";
import { azuriteConnectionString, uniqueTablePrefix } from "../support/createTestTables";

function received(messageId: string, data: Record<string, unknown>, at = "2026-11-20T09:15:01+00:00") {
  const event = structuredClone(loadFixtureEvent("received-text-phone-and-bsuid.json"));
  Object.assign(event.data as object, { messageId, receivedTimestamp: at, ...data });
  return event;
}

const BSUID = { from: "14255551234", fromBSUID: "US.13491208655302741918" };

// The hot path's storage cost, counted on the wire by a pipeline policy. These are the ceilings the design promises
// (see the README's Performance section); a change that adds a read or a scan to the hot path fails here.
describe("storage requests per event on the hot path", () => {
  let services: AppServices;
  let counter: RequestCounter;

  beforeEach(async () => {
    counter = createRequestCounter();
    services = await startApp(
      { env: { TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(), TABLE_NAME_PREFIX: uniqueTablePrefix() } },
      { tableOptions: { additionalPolicies: [{ policy: counter.policy, position: "perRetry" }] } },
    );
  });

  async function count(run: () => Promise<unknown>): Promise<Record<string, number>> {
    counter.reset();
    await run();
    return { total: counter.total, ...counter.byMethod };
  }

  it("spends 4 requests on a new contact with phone and BSUID, all inserts", async () => {
    const figures = await count(() => handleAdvancedMessageReceived(services, received("m-1", BSUID), silentLogger));
    expect(figures).toEqual({ total: 4, POST: 4 });
  });

  it("spends 2 requests on a known contact's new message: one conditional update, one insert", async () => {
    await handleAdvancedMessageReceived(services, received("m-1", BSUID), silentLogger);
    const figures = await count(() =>
      handleAdvancedMessageReceived(services, received("m-2", BSUID, "2026-11-20T10:00:00+00:00"), silentLogger),
    );
    expect(figures).toEqual({ total: 2, PUT: 1, POST: 1 });
  });

  it("sends a known sender's contact update and ledger insert at once, so the event waits one round trip", async () => {
    await handleAdvancedMessageReceived(services, received("m-1", BSUID), silentLogger);
    counter.reset();
    const outcome = await handleAdvancedMessageReceived(
      services,
      received("m-2", BSUID, "2026-11-20T10:00:00+00:00"),
      silentLogger,
    );
    expect(outcome).toMatchObject({ result: "processed", actions: ["matched"], duplicate: false });
    expect(counter.maxInFlight).toBe(2);
    const message = await services.ledger.getMessage(parseMessageId("m-2"));
    expect(message?.contactId).toBe(outcome.result === "processed" ? outcome.contact.contactId : undefined);
  });

  it.each([
    ["a new sender", [], BSUID],
    ["a known BSUID arriving with another phone", [BSUID], { ...BSUID, from: "14255550000" }],
    ["a phone-only sender", [{ from: BSUID.from, fromBSUID: "" }], { from: BSUID.from, fromBSUID: "" }],
  ])("resolves %s before storing the message, one request at a time", async (_, earlier, sender) => {
    for (const [i, data] of earlier.entries()) {
      await handleAdvancedMessageReceived(services, received(`m-0${i}`, data), silentLogger);
    }
    counter.reset();
    const outcome = await handleAdvancedMessageReceived(
      services,
      received("m-9", sender, "2026-11-20T10:00:00+00:00"),
      silentLogger,
    );
    expect(outcome.result).toBe("processed");
    expect(counter.maxInFlight).toBe(1);
    const message = await services.ledger.getMessage(parseMessageId("m-9"));
    expect(message?.contactId).toBe(outcome.result === "processed" ? outcome.contact.contactId : undefined);
  });

  it("spends 1 request on a redelivered event", async () => {
    await handleAdvancedMessageReceived(services, received("m-1", BSUID), silentLogger);
    const figures = await count(() => handleAdvancedMessageReceived(services, received("m-1", BSUID), silentLogger));
    expect(figures.total).toBe(1);
  });

  it("spends 2 requests on a delivery status for a known recipient: one read, one transaction", async () => {
    await handleAdvancedMessageReceived(services, received("m-1", BSUID), silentLogger);
    const figures = await count(() =>
      handleDeliveryStatusUpdated(services, loadFixtureEvent("status-read.json"), silentLogger),
    );
    expect(figures).toEqual({ total: 2, GET: 1, POST: 1 });
  });

  it("never scans: a phone↔BSUID merge uses point reads and conditional writes only", async () => {
    await handleAdvancedMessageReceived(
      services,
      received("m-1", { from: "", fromBSUID: BSUID.fromBSUID }),
      silentLogger,
    );
    await handleAdvancedMessageReceived(services, received("m-2", { from: BSUID.from, fromBSUID: "" }), silentLogger);
    counter.reset();
    const outcome = await handleAdvancedMessageReceived(services, received("m-3", BSUID), silentLogger);
    expect(outcome).toMatchObject({ result: "processed", actions: ["merged"] });
    expect(counter.queries).toBe(0);
    expect(counter.total).toBeGreaterThan(0);
    await services.identityStore.listContacts();
    expect(counter.queries).toBe(1);
  });
});
