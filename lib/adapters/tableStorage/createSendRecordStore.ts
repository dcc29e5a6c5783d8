import { createHash } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { asTransient, isConflict, isEntityMissing, isPreconditionFailed } from "./tableErrors";

/** The outcome of an accepted send, as returned to callers and replayed for a repeated idempotency key. */
export interface SendOutcome {
  messageId: string;
  to: string;
  addressedBy: "bsuid" | "phone";
  contactId: string;
  channelId: string;
}

/** A send in progress or done, keyed by idempotency key. */
export interface SendRecord {
  /** Hash of the request, to refuse a key reused for a different request. */
  fingerprint: string;
  /** The repeatability headers of every attempt of this send: ACS deduplicates on them. */
  repeatabilityRequestId: string;
  repeatabilityFirstSent: Date;
  outcome: SendOutcome | undefined;
  /** Which attempt this is: a new attempt starts when an earlier one's outcome stayed unknown past ACS's window. */
  attempt: number;
  etag: string;
}

/** Idempotency records of sends. */
export interface SendRecordStore {
  /** The record of a send started or done with this key, if any (a read only: nothing is started). */
  get(key: string): Promise<SendRecord | undefined>;
  /** Starts a send, or returns the record of one already started or done with the same key. */
  begin(key: string, fingerprint: string, now: Date): Promise<SendRecord>;
  complete(key: string, outcome: SendOutcome): Promise<void>;
  /**
   * Starts a new attempt with fresh repeatability headers, if the record is unchanged since it was read; returns the
   * new record, or undefined when another caller changed it first.
   */
  renew(key: string, record: SendRecord, now: Date): Promise<SendRecord | undefined>;
}

/** A UUID derived from the idempotency key, so every attempt of one logical send carries the same request ID. */
export function repeatabilityIdFor(key: string): string {
  const hex = createHash("sha256").update(key).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

type SendEntity = {
  partitionKey: string;
  rowKey: string;
  fingerprint: string;
  repeatabilityRequestId: string;
  repeatabilityFirstSent: string;
  outcome?: string | null;
  attempt?: number;
};

function partitionFor(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Creates the send-record store on a table (one partition per key: the hash of the idempotency key). */
export function createSendRecordStore(table: TableClient): SendRecordStore {
  const toRecord = (entity: SendEntity, etag: string): SendRecord => ({
    fingerprint: entity.fingerprint,
    repeatabilityRequestId: entity.repeatabilityRequestId,
    repeatabilityFirstSent: new Date(entity.repeatabilityFirstSent),
    outcome: entity.outcome ? (JSON.parse(entity.outcome) as SendOutcome) : undefined,
    attempt: entity.attempt ?? 1,
    etag,
  });

  return {
    async get(key) {
      try {
        const entity = await table.getEntity<SendEntity>(partitionFor(key), "send");
        return toRecord(entity, entity.etag);
      } catch (error) {
        if (isEntityMissing(error)) return undefined;
        throw asTransient("send record read", error);
      }
    },

    async begin(key, fingerprint, now) {
      const entity: SendEntity = {
        partitionKey: partitionFor(key),
        rowKey: "send",
        fingerprint,
        repeatabilityRequestId: repeatabilityIdFor(key),
        repeatabilityFirstSent: now.toISOString(),
        attempt: 1,
      };
      try {
        const response = await table.createEntity(entity);
        return toRecord(entity, response.etag ?? "*");
      } catch (error) {
        if (!isConflict(error)) throw asTransient("send record insert", error);
      }
      try {
        const stored = await table.getEntity<SendEntity>(entity.partitionKey, "send");
        return toRecord(stored, stored.etag);
      } catch (error) {
        throw asTransient("send record read", error);
      }
    },

    async complete(key, outcome) {
      try {
        await table.updateEntity(
          { partitionKey: partitionFor(key), rowKey: "send", outcome: JSON.stringify(outcome) },
          "Merge",
        );
      } catch (error) {
        throw asTransient("send record update", error);
      }
    },

    async renew(key, record, now) {
      const attempt = record.attempt + 1;
      const entity = {
        partitionKey: partitionFor(key),
        rowKey: "send",
        repeatabilityRequestId: repeatabilityIdFor(`${key}\n${attempt}`),
        repeatabilityFirstSent: now.toISOString(),
        attempt,
      };
      try {
        const response = await table.updateEntity(entity, "Merge", { etag: record.etag });
        return {
          ...record,
          repeatabilityRequestId: entity.repeatabilityRequestId,
          repeatabilityFirstSent: now,
          attempt,
          etag: response.etag ?? "*",
        };
      } catch (error) {
        if (isPreconditionFailed(error)) return undefined;
        throw asTransient("send record update", error);
      }
    },
  };
}
