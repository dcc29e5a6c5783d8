import { createHash } from "node:crypto";
import { RestError, type TableClient } from "@azure/data-tables";
import { TransientError } from "../errors";

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
}

/** Idempotency records of sends. */
export interface SendRecordStore {
  /** Starts a send, or returns the record of one already started or done with the same key. */
  begin(key: string, fingerprint: string, now: Date): Promise<SendRecord>;
  complete(key: string, outcome: SendOutcome): Promise<void>;
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
};

function partitionFor(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Creates the send-record store on a table (one partition per key: the hash of the idempotency key). */
export function createSendRecordStore(table: TableClient): SendRecordStore {
  const toRecord = (entity: SendEntity): SendRecord => ({
    fingerprint: entity.fingerprint,
    repeatabilityRequestId: entity.repeatabilityRequestId,
    repeatabilityFirstSent: new Date(entity.repeatabilityFirstSent),
    outcome: entity.outcome ? (JSON.parse(entity.outcome) as SendOutcome) : undefined,
  });
  const transient = (operation: string, error: unknown) =>
    new TransientError(`Table Storage ${operation} failed`, { code: "storage_unavailable", cause: error });

  return {
    async begin(key, fingerprint, now) {
      const entity: SendEntity = {
        partitionKey: partitionFor(key),
        rowKey: "send",
        fingerprint,
        repeatabilityRequestId: repeatabilityIdFor(key),
        repeatabilityFirstSent: now.toISOString(),
      };
      try {
        await table.createEntity(entity);
        return toRecord(entity);
      } catch (error) {
        if (!(error instanceof RestError && error.statusCode === 409)) throw transient("send record insert", error);
      }
      try {
        return toRecord(await table.getEntity<SendEntity>(entity.partitionKey, "send"));
      } catch (error) {
        throw transient("send record read", error);
      }
    },

    async complete(key, outcome) {
      try {
        await table.updateEntity(
          { partitionKey: partitionFor(key), rowKey: "send", outcome: JSON.stringify(outcome) },
          "Merge",
        );
      } catch (error) {
        throw transient("send record update", error);
      }
    },
  };
}
