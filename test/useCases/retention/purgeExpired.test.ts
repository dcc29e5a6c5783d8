import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { startApp, type AppServices } from "../../../lib/app/createAppServices";
import { silentLogger } from "../../../lib/core/logging/createLogger";
import type { ContactId, MessageId } from "../../../lib/core/values/identifiers";
import { purgeExpired } from "../../../lib/useCases/retention/purgeExpired";
import { azuriteConnectionString, uniqueTablePrefix } from "../../support/createTestTables";

const NOW = new Date("2026-12-02T12:00:00Z");
const DAY = 24 * 60 * 60 * 1000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const CONTACT = "c_0123456789abcdef0123456789abcdef" as ContactId;
const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

async function start(env: Record<string, string> = {}): Promise<AppServices> {
  return startApp(
    {
      env: {
        TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(),
        TABLE_NAME_PREFIX: uniqueTablePrefix(),
        ...env,
      },
    },
    { clock: () => NOW },
  );
}

async function inbound(services: AppServices, daysAgo: number, text = "my address is 1 Main St"): Promise<MessageId> {
  const messageId = randomUUID() as MessageId;
  await services.ledger.recordInbound({
    messageId,
    contactId: CONTACT,
    channelId: CHANNEL,
    messageType: "text",
    summary: text,
    at: ago(daysAgo).toISOString(),
    warnings: [{ code: "odd", field: "data.x", message: "odd", raw: '"a quoted excerpt"' }],
  });
  return messageId;
}

async function status(services: AppServices, messageId: MessageId, daysAgo: number): Promise<void> {
  await services.ledger.applyStatus({
    messageId,
    channelId: CHANNEL,
    contactId: CONTACT,
    status: "delivered",
    rawStatus: "Delivered",
    at: ago(daysAgo).toISOString(),
    eventId: randomUUID(),
    errorCode: null,
    errorMessage: null,
  });
}

async function runUntilDone(services: AppServices) {
  const all = [];
  for (let run = 0; run < 20; run++) {
    const steps = await purgeExpired(services.retention, silentLogger);
    all.push(...steps);
    if (steps.every((step) => step.passComplete)) return all;
  }
  throw new Error("the purge never completed a pass");
}

describe("purgeExpired", () => {
  it("strips message content past its retention and deletes messages, histories, sends and route actions past theirs", async () => {
    const services = await start();
    const fresh = await inbound(services, 1);
    const contentExpired = await inbound(services, 40);
    const historyExpired = await inbound(services, 100);
    await status(services, historyExpired, 100);
    await status(services, fresh, 1);
    const expired = await inbound(services, 400);
    await services.sends.begin("old-key", "fingerprint", ago(40));
    await services.sends.begin("new-key", "fingerprint", ago(1));
    await services.routing.actionLog.record({
      messageId: expired,
      route: "r",
      action: "forward",
      result: "forwarded",
      at: ago(40).toISOString(),
    });
    await services.routing.actionLog.record({
      messageId: fresh,
      route: "r",
      action: "forward",
      result: "forwarded",
      at: ago(1).toISOString(),
    });

    await runUntilDone(services);

    const kept = await services.ledger.getMessage(fresh);
    expect(kept?.summary).toBe("my address is 1 Main St");
    expect(kept?.history).toHaveLength(1);
    const stripped = await services.ledger.getMessage(contentExpired);
    expect(stripped).toBeDefined();
    expect(stripped?.summary ?? "").toBe("");
    expect(JSON.stringify(stripped?.warnings)).not.toContain("quoted excerpt");
    const withoutHistory = await services.ledger.getMessage(historyExpired);
    expect(withoutHistory?.history).toEqual([]);
    expect(withoutHistory?.status).toBe("delivered");
    expect(await services.ledger.getMessage(expired)).toBeUndefined();
    expect(await services.sends.get("old-key")).toBeUndefined();
    expect(await services.sends.get("new-key")).toBeDefined();
    expect(await services.routing.actionLog.get(expired, "r", "forward")).toBeUndefined();
    expect(await services.routing.actionLog.get(fresh, "r", "forward")).toBeDefined();
  });

  it("drops a rejected event's raw payload first and keeps its masked copy until the record itself expires", async () => {
    const services = await start();
    const raw = JSON.stringify({ data: { from: "14255551234", fromBSUID: "US.13491208655302741918", to: "x" } });
    const rejection = { functionName: "f", code: "no_channel", reason: "no channel" };
    const recent = await services.rejections.record(rejection, raw, ago(1));
    const rawExpired = await services.rejections.record(rejection, `${raw} `, ago(10));
    const expired = await services.rejections.record(rejection, `${raw}  `, ago(40));

    await runUntilDone(services);

    expect((await services.rejections.get(recent.partitionKey, recent.rowKey))?.rawEvent).toBe(raw);
    const masked = await services.rejections.get(rawExpired.partitionKey, rawExpired.rowKey);
    expect(masked?.rawEvent).toBe("");
    expect(masked?.maskedEvent).toContain("US.****918");
    expect(masked?.maskedEvent).not.toMatch(/14255551234|13491208655302741918/);
    expect(await services.rejections.get(expired.partitionKey, expired.rowKey)).toBeUndefined();
  });

  it("drops audit records a whole day at a time once the day is past RETAIN_AUDIT_DAYS", async () => {
    const services = await start({ RETAIN_AUDIT_DAYS: "30" });
    const record = (daysAgo: number) =>
      services.access.audit.record({
        at: ago(daysAgo),
        invocationId: randomUUID(),
        functionName: "getContact",
        activity: "read",
        phase: "done",
        status: 200,
        actor: { kind: "functionKey" },
        contactId: CONTACT,
        messageId: null,
        identifiers: [],
      });
    for (const days of [1, 29, 31, 31, 400]) await record(days);
    await runUntilDone(services);
    const left: string[] = [];
    for await (const row of services.tables.audit.listEntities()) left.push(row.partitionKey!);
    expect(left.sort()).toEqual([ago(29), ago(1)].map((day) => day.toISOString().slice(0, 10).replaceAll("-", "")));
  });

  it("works off a backlog in bounded steps that resume where the last one stopped", async () => {
    const services = await start({ RETENTION_MAX_ROWS_PER_RUN: "100" });
    const messageIds = Array.from({ length: 250 }, () => randomUUID());
    for (const messageId of messageIds) {
      await services.routing.actionLog.record({
        messageId,
        route: "r",
        action: "forward",
        result: "forwarded",
        at: ago(40).toISOString(),
      });
    }
    const purged: number[] = [];
    for (let run = 0; run < 5; run++) {
      const step = (await purgeExpired(services.retention, silentLogger)).find((s) => s.task === "routeActions")!;
      purged.push(step.purged);
      if (step.passComplete) break;
    }
    expect(purged.slice(0, 3)).toEqual([100, 100, 50]);
    for (const messageId of messageIds) {
      expect(await services.routing.actionLog.get(messageId, "r", "forward")).toBeUndefined();
    }
  });

  it("keeps everything when a retention is 0 and names impossible settings", async () => {
    const services = await start({ RETAIN_MESSAGES_DAYS: "0", RETAIN_MESSAGE_CONTENT_DAYS: "0" });
    const old = await inbound(services, 4000);
    await runUntilDone(services);
    expect((await services.ledger.getMessage(old))?.summary).toBe("my address is 1 Main St");
    await expect(start({ RETAIN_MESSAGE_CONTENT_DAYS: "400", RETAIN_MESSAGES_DAYS: "365" })).rejects.toThrow(
      /RETAIN_MESSAGE_CONTENT_DAYS cannot be longer than RETAIN_MESSAGES_DAYS/,
    );
  });
});
