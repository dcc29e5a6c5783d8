import type { ContactId } from "../../core/values/identifiers";

/** What an erasure deleted, by kind: counts only, never an identifier. */
export interface ErasedCounts {
  /** The contact and the merge tombstones of contacts folded into it. */
  contacts: number;
  /** Identity keys (current and previous BSUIDs and phones) and released-number markers. */
  identityKeys: number;
  /** Messages in the ledger, each with its status history. */
  messages: number;
  /** Ledger rows: message rows plus status-history rows. */
  ledgerRows: number;
  routeActions: number;
  sendRecords: number;
  rejectedEvents: number;
}

/** The receipt of one erasure, kept so that a repeated request answers the same and late events can be swept. */
export interface ErasureReceipt {
  /** The contact as the request named it (after following merges, the survivor). */
  contactId: ContactId;
  /** Every contact ID the person had here (the survivor and the contacts merged into it): the app's own IDs. */
  contactIds: ContactId[];
  state: "erasing" | "erased";
  startedAt: string;
  erasedAt: string | null;
  counts: ErasedCounts;
  /** When the ledger is swept once more, after events in flight at the time of the erasure have ended. */
  sweepAfter: string | null;
  /** Sweeps done after the erasure ended. */
  sweeps: number;
}

/** Where erasures are recorded. */
export interface ErasureLog {
  get(contactId: ContactId): Promise<ErasureReceipt | undefined>;
  /** Records (or replaces) the receipt of an erasure. */
  save(receipt: ErasureReceipt): Promise<void>;
  /** Erasures with work left at `now`: interrupted ones, and finished ones whose late sweep is due. */
  due(now: Date): Promise<ErasureReceipt[]>;
}

/** The counts of an erasure that deleted nothing yet. */
export function noneErased(): ErasedCounts {
  return {
    contacts: 0,
    identityKeys: 0,
    messages: 0,
    ledgerRows: 0,
    routeActions: 0,
    sendRecords: 0,
    rejectedEvents: 0,
  };
}
