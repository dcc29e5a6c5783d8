import { randomBytes } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { asTransient } from "./tableErrors";
import type { AuditLog, AuditRecord } from "../../domain/audit/AuditLog";

/**
 * An audit record as a table row: flat columns, so a day's rows can be filtered by caller, contact or function. Table
 * Storage keeps no nulls: a column without a value is absent from the row.
 */
export interface AuditEntity {
  /** The UTC day, `yyyymmdd`: retention deletes whole days, and a day is read with one partition query. */
  partitionKey: string;
  /** The time (ISO 8601, which sorts as time does) and a random suffix, so records of one millisecond never collide. */
  rowKey: string;
  at: string;
  invocationId: string;
  functionName: string;
  activity: string;
  phase: string;
  status?: number | null;
  /** `entra` or `functionKey`. */
  actor: string;
  actorObjectId?: string | null;
  actorClientAppId?: string | null;
  actorName?: string | null;
  actorUsername?: string | null;
  contactId?: string | null;
  messageId?: string | null;
  /** The masked identifiers, as a JSON array. */
  identifiers: string;
}

/** The partition of a time: its UTC day as `yyyymmdd`. */
export function auditDay(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll("-", "");
}

/** The row of a record (exported for the tests, which read rows back). */
export function toAuditEntity(record: AuditRecord, suffix = randomBytes(4).toString("hex")): AuditEntity {
  const at = record.at.toISOString();
  const entra = record.actor.kind === "entra" ? record.actor : undefined;
  return {
    partitionKey: auditDay(record.at),
    rowKey: `${at}_${suffix}`,
    at,
    invocationId: record.invocationId,
    functionName: record.functionName,
    activity: record.activity ?? "",
    phase: record.phase,
    status: record.status,
    actor: record.actor.kind,
    actorObjectId: entra?.objectId ?? null,
    actorClientAppId: entra?.clientAppId ?? null,
    actorName: entra?.name ?? null,
    actorUsername: entra?.username ?? null,
    contactId: record.contactId,
    messageId: record.messageId,
    identifiers: JSON.stringify(record.identifiers),
  };
}

/**
 * The audit log on `table`: one insert per record (never an update, so a record once written stays as written), one
 * partition per UTC day.
 */
export function createAuditLog(table: TableClient): AuditLog {
  return {
    async record(record) {
      try {
        await table.createEntity(toAuditEntity(record));
      } catch (error) {
        throw asTransient("audit write", error);
      }
    },
  };
}
