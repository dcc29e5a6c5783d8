/** What an audited API call did to contact data. */
export type AuditActivity = "read" | "change" | "send" | "erase";

/** Who made an audited call: the token's principal, or "a holder of a function key" (the host does not say which). */
export type AuditActor =
  | { kind: "functionKey" }
  | { kind: "entra"; objectId: string; clientAppId: string; name: string | null; username: string | null };

/**
 * One audit record: who did what to which contact, when, and how it ended. Phone numbers and BSUIDs appear only masked
 * (`maskIdentifier`); the app's own contact and message IDs appear as they are.
 */
export interface AuditRecord {
  at: Date;
  /** The invocation, to find its log lines. */
  invocationId: string;
  /** The function called (`getContact`, `sendMessage`, …). */
  functionName: string;
  /** Null for a function the role map does not know (only possible with function keys). */
  activity: AuditActivity | null;
  /** `started` is written before an erasure runs; every call ends with a `done` record. */
  phase: "started" | "done";
  /** The HTTP status answered; null while `started`. */
  status: number | null;
  actor: AuditActor;
  /** The contact the call concerned (the app's own ID), when known. */
  contactId: string | null;
  /** The message the call concerned, when known. */
  messageId: string | null;
  /** The phone numbers and BSUIDs the call named or answered with, each masked and labelled (`bsuid US.****918`). */
  identifiers: string[];
}

/** Where audit records are kept. */
export interface AuditLog {
  /** Appends a record; rejects with a `TransientError` when it cannot be stored. */
  record(entry: AuditRecord): Promise<void>;
}
