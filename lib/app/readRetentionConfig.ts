import type { RetentionPeriods } from "../useCases/retention/purgeExpired";
import { readWholeNumberSetting } from "./readWholeNumberSetting";

/** How long each kind of stored data is kept, in days (0 keeps it for ever); the purge's periods. */
export type RetentionConfig = RetentionPeriods;

/** The retention settings with their defaults (documented in the README's "Privacy and access"). */
export const RETENTION_SETTINGS = {
  RETAIN_MESSAGE_CONTENT_DAYS: { default: 30, min: 0, max: 3650 },
  RETAIN_MESSAGES_DAYS: { default: 365, min: 0, max: 3650 },
  RETAIN_DELIVERY_HISTORY_DAYS: { default: 90, min: 0, max: 3650 },
  RETAIN_SEND_RECORDS_DAYS: { default: 30, min: 2, max: 3650 },
  RETAIN_ROUTE_ACTIONS_DAYS: { default: 30, min: 2, max: 3650 },
  RETAIN_REJECTED_EVENTS_DAYS: { default: 30, min: 1, max: 3650 },
  RETAIN_REJECTED_RAW_DAYS: { default: 7, min: 1, max: 3650 },
  RETAIN_AUDIT_DAYS: { default: 365, min: 0, max: 3650 },
  RETENTION_MAX_ROWS_PER_RUN: { default: 20_000, min: 100, max: 1_000_000 },
} as const;

type RetentionSetting = keyof typeof RETENTION_SETTINGS;

/**
 * Reads the retention settings, adding a sentence to `problems` for each that is not a whole number in its range, and
 * for combinations that cannot hold (content kept longer than its message, a raw payload longer than its record).
 */
export function readRetentionConfig(env: Record<string, string | undefined>, problems: string[]): RetentionConfig {
  const read = (name: RetentionSetting) => readWholeNumberSetting(env, name, RETENTION_SETTINGS[name], problems);
  const config: RetentionConfig = {
    messageContentDays: read("RETAIN_MESSAGE_CONTENT_DAYS"),
    messagesDays: read("RETAIN_MESSAGES_DAYS"),
    deliveryHistoryDays: read("RETAIN_DELIVERY_HISTORY_DAYS"),
    sendRecordsDays: read("RETAIN_SEND_RECORDS_DAYS"),
    routeActionsDays: read("RETAIN_ROUTE_ACTIONS_DAYS"),
    rejectedEventsDays: read("RETAIN_REJECTED_EVENTS_DAYS"),
    rejectedRawDays: read("RETAIN_REJECTED_RAW_DAYS"),
    auditDays: read("RETAIN_AUDIT_DAYS"),
    maxRowsPerRun: read("RETENTION_MAX_ROWS_PER_RUN"),
  };
  const longer = (a: number, b: number) => a > 0 && (b === 0 || a > b);
  if (config.messagesDays > 0 && longer(config.messageContentDays, config.messagesDays)) {
    problems.push("RETAIN_MESSAGE_CONTENT_DAYS cannot be longer than RETAIN_MESSAGES_DAYS");
  }
  if (longer(config.rejectedRawDays, config.rejectedEventsDays)) {
    problems.push("RETAIN_REJECTED_RAW_DAYS cannot be longer than RETAIN_REJECTED_EVENTS_DAYS");
  }
  return config;
}
