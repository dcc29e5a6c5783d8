/** The kinds of stored data with a retention of their own. */
export type RetentionTask =
  | "messageContent"
  | "deliveryHistory"
  | "messages"
  | "sendRecords"
  | "routeActions"
  | "rejectedRaw"
  | "rejectedEvents"
  | "audit";

/** What one bounded step of a task did. */
export interface RetentionStep {
  task: RetentionTask;
  /** Rows past their retention that the step found. */
  found: number;
  /** Rows it deleted or stripped of content. */
  purged: number;
  /** True when the step reached the end of the table: the next step starts a new pass from the beginning. */
  passComplete: boolean;
}

/**
 * Purges stored data past its retention, a bounded step at a time: each step looks at no more than `maxRows` rows,
 * resumes where the previous step of the same task stopped (the position is stored), and never reads a partition
 * whole, so a run stays short whatever the size of the tables.
 */
export interface RetentionSweeper {
  step(task: RetentionTask, cutoff: Date, maxRows: number): Promise<RetentionStep>;
}
