/**
 * The audit's report: its shape (what `--json` prints, so the field names and finding codes are a contract) and its
 * text form for people.
 *
 * @packageDocumentation
 */

import type { EventGridFilter } from "../../lib/eventGridFilter/evaluateEventGridFilter";
import type { SubscriptionsInputFormat } from "./readSubscriptions";

/** What a finding is about. Stable codes, for `--json` consumers. */
export type FindingKind =
  /** `subjectBeginsWith` (or a subject `StringBeginsWith`/`StringContains`/`StringIn`) names a phone number. */
  | "phone-subject-prefix"
  /** The same, with only a calling code (`advancedMessage/sender/44`). */
  | "calling-code-subject-prefix"
  /** `subjectEndsWith` (or a subject `StringEndsWith`) names the end of a phone number. */
  | "phone-subject-suffix"
  /** `data.from` must be present (`IsNotNull`) or absent (`IsNullOrUndefined`), which ACS does not do consistently. */
  | "requires-data-from"
  /** A string or number operator tests `data.from` as a phone number. */
  | "phone-test-on-data-from"
  /** A delivery-status filter tests `data.to` (the recipient phone), empty when the message went to a BSUID. */
  | "recipient-phone-filter"
  /** `isSubjectCaseSensitive` with a subject value whose case no BSUID has. */
  | "case-sensitive-subject"
  /** An exclusion by phone number that BSUID senders slip past (a warning: nothing goes silent). */
  | "exclusion-bypassed"
  /** Another filter part that treats the two kinds of sender differently. */
  | "other";

/** `silent`: some senders' messages never arrive; `warning`: senders arrive that the filter meant to keep out. */
export type Severity = "silent" | "warning";

/** One cause of silence (or, for `exclusion-bypassed`, of a leak) in one subscription. */
export interface AuditFinding {
  kind: FindingKind;
  severity: Severity;
  /** The filter part, e.g. `filter.subjectBeginsWith` or `filter.advancedFilters[1]`. */
  part: string;
  /** Who goes silent (or slips through), e.g. "BSUID-only senders from GB, GG, IM, JE". */
  affects: string;
  /** Why, in a sentence; phone numbers are masked. */
  why: string;
  /** What the rewrite does about this part. */
  fix: string;
}

/** The proposed replacement of a subscription's filter. */
export interface FilterRewrite {
  /** One filter, or several when one would break Event Grid's limits (one subscription each; same destination). */
  filters: EventGridFilter[];
  /** Things the rewrite cannot do by itself (e.g. picking out one person once they hide their number). */
  notes: string[];
  /**
   * Present when the rewrite lets through more senders than the original: sender prefixes narrower than a country
   * (an area code such as `1425`, a number range) can only be matched for BSUID senders by their country, so the
   * rewrite admits every BSUID sender of `countries`.
   */
  widens?: { senderPrefixes: string[]; countries: string[] };
  /**
   * Whether the rewrite, run through the filter engine with the same probes, delivers every form of every sender it
   * delivers at all, keeps everyone the original delivered, and keeps out BSUID senders the original meant to exclude.
   */
  verified: boolean;
  /** Why `verified` is false, or why no valid rewrite exists (limits). */
  problems: string[];
}

/** The audit of one subscription. */
export interface SubscriptionAudit {
  name: string;
  location: string;
  destination: string | undefined;
  eventDeliverySchema: string;
  /**
   * `silent`: some senders go silent; `warning`: only warnings; `ok`: every sender form is treated alike;
   * `not-relevant`: receives no Advanced Messaging event types; `unauditable`: the filter is not valid as written.
   */
  status: "silent" | "warning" | "ok" | "not-relevant" | "unauditable";
  findings: AuditFinding[];
  /** Present when there are findings. */
  rewrite?: FilterRewrite;
  /** For `unauditable`: the filter problems. */
  problems?: string[];
}

/** The whole audit. */
export interface AuditReport {
  format: SubscriptionsInputFormat | undefined;
  subscriptions: SubscriptionAudit[];
  /** Problems with the input as a whole (unreadable, unknown shape). */
  inputProblems: string[];
  /** 0 clean, 1 something goes silent, 2 the input (or a subscription's filter) could not be audited. */
  exitCode: 0 | 1 | 2;
}

const FORMAT_NAMES: Record<SubscriptionsInputFormat, string> = {
  "az-cli": "az CLI output",
  "arm-rest": "ARM REST response",
  "arm-template": "ARM template",
  "subscriptions-file": "subscriptions file",
  "routes-file": "routes file",
};

const STATUS_LABELS: Record<SubscriptionAudit["status"], string> = {
  silent: "SILENT",
  warning: "WARNING",
  ok: "OK",
  "not-relevant": "SKIPPED",
  unauditable: "CANNOT AUDIT",
};

/**
 * The report as text for people: one block per subscription (findings with what goes silent, why and the fix; the
 * rewrite as JSON to paste), then a summary line with the exit code. Phone numbers in prose are masked; the rewrite
 * repeats the subscription's own values verbatim, because it must be usable as it stands.
 */
export function formatAuditReport(report: AuditReport, source: string): string {
  const lines: string[] = [];
  const count = report.subscriptions.length;
  const format = report.format ? FORMAT_NAMES[report.format] : "unrecognised input";
  lines.push(`Event Grid subscription audit of ${source} (${format}, ${count} subscription${count === 1 ? "" : "s"})`);
  for (const problem of report.inputProblems) lines.push(`  input problem: ${problem}`);
  for (const audit of report.subscriptions) lines.push("", ...formatSubscriptionAudit(audit));
  const silent = report.subscriptions.filter((audit) => audit.status === "silent").length;
  const warnings = report.subscriptions.filter((audit) => audit.status === "warning").length;
  const unauditable = report.subscriptions.filter((audit) => audit.status === "unauditable").length;
  lines.push("");
  lines.push(
    `${silent} subscription${silent === 1 ? "" : "s"} would go silent for some senders, ${warnings} with warnings, ` +
      `${unauditable} not auditable. Exit code ${report.exitCode}.`,
  );
  return `${lines.join("\n")}\n`;
}

/** One subscription's block: its status line, problems, findings and proposed rewrite. */
function formatSubscriptionAudit(audit: SubscriptionAudit): string[] {
  const lines: string[] = [];
  const to = audit.destination ? ` -> ${audit.destination}` : "";
  lines.push(
    `${STATUS_LABELS[audit.status]}  ${audit.name}${to}  (at ${audit.location}, ${audit.eventDeliverySchema})`,
  );
  if (audit.status === "ok") lines.push("  Phone and BSUID senders are treated alike.");
  if (audit.status === "not-relevant") lines.push("  Receives no Advanced Messaging events; not audited.");
  for (const problem of audit.problems ?? []) lines.push(`  ${problem}`);
  for (const finding of audit.findings) {
    lines.push(`  - ${finding.kind} in ${finding.part}`);
    lines.push(`    ${finding.severity === "silent" ? "Goes silent" : "Slips through"}: ${finding.affects}`);
    lines.push(`    Why: ${finding.why}`);
    lines.push(`    Fix: ${finding.fix}`);
  }
  if (audit.rewrite) lines.push(...formatRewrite(audit.rewrite));
  return lines;
}

function formatRewrite(rewrite: FilterRewrite): string[] {
  const lines: string[] = [];
  const check = rewrite.verified
    ? "checked with the filter engine: phone and BSUID senders now match alike"
    : "NOT verified";
  const many = rewrite.filters.length > 1 ? ` (${rewrite.filters.length} subscriptions)` : "";
  lines.push(`  Proposed filter${many}, ${check}:`);
  for (const filter of rewrite.filters) {
    for (const line of JSON.stringify(filter, null, 2).split("\n")) lines.push(`    ${line}`);
  }
  for (const note of rewrite.notes) lines.push(`  Note: ${note}`);
  for (const problem of rewrite.problems) lines.push(`  Problem: ${problem}`);
  return lines;
}
