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
  /** Deletes the records of every send to a contact (erasure); returns how many went. */
  deleteFor(contactId: string): Promise<number>;
  /**
   * Starts a new attempt with fresh repeatability headers, if the record is unchanged since it was read; returns the
   * new record, or undefined when another caller changed it first.
   */
  renew(key: string, record: SendRecord, now: Date): Promise<SendRecord | undefined>;
}
