import type { Logger } from "../../core/logging/createLogger";
import type { RetentionStep, RetentionSweeper, RetentionTask } from "../../domain/retention/RetentionSweeper";

/** The retention periods the purge applies, in days (0: kept for ever). */
export interface RetentionPeriods {
  /** Message text (the ledger's summaries), warnings' excerpts and kept templates; the message row stays. */
  messageContentDays: number;
  /** Ledger rows: the messages themselves, with whatever history they still have. */
  messagesDays: number;
  /** Delivery status history rows (the message keeps its current status). */
  deliveryHistoryDays: number;
  /** Send records (idempotency keys with the address a send used). */
  sendRecordsDays: number;
  /** What routes did per inbound message. */
  routeActionsDays: number;
  /** Rejected events: the record with the identifiers masked. */
  rejectedEventsDays: number;
  /** The raw payload of a rejected event, kept for replay after a fix. */
  rejectedRawDays: number;
  /** Audit records of API calls, dropped a whole day at a time. */
  auditDays: number;
  /** At most this many rows are looked at per table in one run, so a run stays short. */
  maxRowsPerRun: number;
}

/** What the purge needs. */
export interface RetentionPorts {
  sweeper: RetentionSweeper;
  retention: RetentionPeriods;
  clock: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Each task with the period that governs it; content and raw payloads go before the rows that hold them. */
const TASKS: readonly [RetentionTask, keyof RetentionPeriods][] = [
  ["messageContent", "messageContentDays"],
  ["deliveryHistory", "deliveryHistoryDays"],
  ["messages", "messagesDays"],
  ["sendRecords", "sendRecordsDays"],
  ["routeActions", "routeActionsDays"],
  ["rejectedRaw", "rejectedRawDays"],
  ["rejectedEvents", "rejectedEventsDays"],
  ["audit", "auditDays"],
];

/**
 * One run of the retention purge (an hourly timer): for each kind of data with a retention, one bounded step of
 * purging what is older than its period. A large backlog is worked off over several runs; nothing here scans a table
 * in one go.
 */
export async function purgeExpired(ports: RetentionPorts, logger: Logger): Promise<RetentionStep[]> {
  const now = ports.clock().getTime();
  const steps: RetentionStep[] = [];
  for (const [task, period] of TASKS) {
    const days = ports.retention[period];
    if (days <= 0) continue;
    const step = await ports.sweeper.step(task, new Date(now - days * DAY_MS), ports.retention.maxRowsPerRun);
    steps.push(step);
    if (step.purged > 0 || step.found > 0) logger.info("retention purge", { ...step, retentionDays: days });
  }
  return steps;
}
