/** Why an event was acknowledged without being processed. */
export interface Rejection {
  functionName: string;
  code: string;
  reason: string;
  field?: string | undefined;
  eventId?: string | undefined;
  eventType?: string | undefined;
}

/** A rejected event as stored. */
export interface StoredRejection extends Rejection {
  rejectedAt: string;
  /** The event as it arrived, for replay after a fix; empty once its (shorter) retention has passed. */
  rawEvent: string;
  /** The event with phone numbers and BSUIDs masked (its first 30,000 characters), kept as long as the record. */
  maskedEvent: string;
}

/** The rejected-events table: permanent failures, kept with their reason and the raw event so nothing is lost. */
export interface RejectedEventStore {
  /** Records a rejection; recording the same raw event again for the same function changes nothing. */
  record(rejection: Rejection, rawEvent: unknown, at: Date): Promise<{ partitionKey: string; rowKey: string }>;
  get(partitionKey: string, rowKey: string): Promise<StoredRejection | undefined>;
  /**
   * Deletes every rejected event whose raw text contains one of `needles` (a person's phone numbers and BSUIDs, for an
   * erasure); returns how many events went. Reads the whole table: rejected events are few.
   */
  deleteNaming(needles: readonly string[]): Promise<number>;
}
