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
  rawEvent: string;
}

/** The rejected-events table: permanent failures, kept with their reason and the raw event so nothing is lost. */
export interface RejectedEventStore {
  /** Records a rejection; recording the same raw event again for the same function changes nothing. */
  record(rejection: Rejection, rawEvent: unknown, at: Date): Promise<{ partitionKey: string; rowKey: string }>;
  get(partitionKey: string, rowKey: string): Promise<StoredRejection | undefined>;
}
