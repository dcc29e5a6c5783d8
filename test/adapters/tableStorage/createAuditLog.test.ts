import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import {
  auditDay,
  createAuditLog,
  toAuditEntity,
  type AuditEntity,
} from "../../../lib/adapters/tableStorage/createAuditLog";
import { TransientError } from "../../../lib/core/errors";
import type { AuditRecord } from "../../../lib/domain/audit/AuditLog";
import { createTestTables } from "../../support/createTestTables";

function record(at: string, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    at: new Date(at),
    invocationId: "inv-1",
    functionName: "getContact",
    activity: "read",
    phase: "done",
    status: 200,
    actor: { kind: "entra", objectId: "oid-1", clientAppId: "app-1", name: "Alex", username: null },
    contactId: "c_5f0c2a9e8b7d4e1f9a3b6c2d1e0f4a5b",
    messageId: null,
    identifiers: ["phone +44*******123"],
    ...overrides,
  };
}

describe("audit log on Table Storage", () => {
  it("appends records to the partition of their UTC day, in time order, records of one millisecond apart", async () => {
    const tables = await createTestTables();
    const log = createAuditLog(tables.audit);
    await log.record(record("2026-11-20T23:59:59.999Z"));
    await log.record(record("2026-11-21T00:00:00.000Z", { functionName: "findContact" }));
    await log.record(record("2026-11-21T00:00:00.000Z", { functionName: "sendMessage", activity: "send" }));
    const rows: AuditEntity[] = [];
    for await (const row of tables.audit.listEntities<AuditEntity>()) rows.push(row as AuditEntity);
    expect(rows.map((row) => row.partitionKey)).toEqual(["20261120", "20261121", "20261121"]);
    expect(new Set(rows.map((row) => row.rowKey)).size).toBe(3);
    expect(rows[1]!.rowKey.startsWith("2026-11-21T00:00:00.000Z_")).toBe(true);
    expect(rows[0]).toMatchObject({
      actor: "entra",
      actorObjectId: "oid-1",
      actorClientAppId: "app-1",
      actorName: "Alex",
      status: 200,
      identifiers: '["phone +44*******123"]',
    });
    expect(rows[0]!.actorUsername).toBeUndefined();
  });

  it("names the day of a time in UTC, whatever the offset it was written with", () => {
    expect(auditDay(new Date("2026-11-21T01:30:00+02:00"))).toBe("20261120");
    expect(toAuditEntity(record("2026-11-20T09:15:01.000Z"), "abcd1234").rowKey).toBe(
      "2026-11-20T09:15:01.000Z_abcd1234",
    );
  });

  it("fails transiently when storage cannot take the record", async () => {
    const unreachable = new TableClient("http://127.0.0.1:1/devstoreaccount1", "audit", {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    const error = await createAuditLog(unreachable)
      .record(record("2026-11-20T09:15:01.000Z"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).code).toBe("storage_unavailable");
  });
});
