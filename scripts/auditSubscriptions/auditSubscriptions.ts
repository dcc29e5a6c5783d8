/**
 * The subscription audit: finds Event Grid subscriptions (and route filters) that stop seeing WhatsApp users once
 * they hide their phone number, explains why, and proposes a BSUID-aware rewrite checked with the same filter engine.
 *
 * How it decides, rather than guessing from the filter's text: every filter is run through the runtime's Event Grid
 * filter engine against probe events for the same person in each form ACS can send them (`probeFilter.ts`). A filter
 * that lets one form of a person through and drops another makes that person go silent. The filter parts that drop the
 * form are the causes; each is classified and given a fix (`diagnoseSilence.ts`), and the fixes together make the
 * rewrite, which is run through the same probes (`rewriteFilter.ts`). Inputs are read by `readSubscriptions.ts`; the
 * report's shape and text form are in `auditReport.ts`; `cli.ts` is `npm run audit:subscriptions`.
 *
 * @packageDocumentation
 */

import { validateEventGridFilter, type EventGridFilter } from "../../lib/eventGridFilter/evaluateEventGridFilter";
import type { AuditFinding, AuditReport, SubscriptionAudit } from "./auditReport";
import { describeAffected, describeWidening } from "./describeSenders";
import { diagnose, type Transform } from "./diagnoseSilence";
import { createProber, eventKindsOf, type Situation } from "./probeFilter";
import { readSubscriptionsInput, type SubscriptionUnderAudit } from "./readSubscriptions";
import { buildRewrite } from "./rewriteFilter";

/** Audits every subscription in `input` (any shape {@link readSubscriptionsInput} reads). */
export function auditSubscriptions(input: unknown): AuditReport {
  const read = readSubscriptionsInput(input);
  const subscriptions = read.subscriptions.map(auditSubscription);
  const inputProblems = read.problems;
  let exitCode: AuditReport["exitCode"] = 0;
  if (read.subscriptions.length === 0 || subscriptions.some((audit) => audit.status === "unauditable")) exitCode = 2;
  else if (subscriptions.some((audit) => audit.status === "silent")) exitCode = 1;
  return { format: read.format, subscriptions, inputProblems, exitCode };
}

/** Audits one subscription. */
export function auditSubscription(subscription: SubscriptionUnderAudit): SubscriptionAudit {
  const base = {
    name: subscription.name,
    location: subscription.location,
    destination: subscription.destination,
    eventDeliverySchema: subscription.eventDeliverySchema,
  };
  const issues = validateEventGridFilter(subscription.filter);
  if (issues.length > 0) {
    return {
      ...base,
      status: "unauditable",
      findings: [],
      problems: issues.map((issue) => `filter${issue.path ? `.${issue.path}` : ""}: ${issue.message}`),
    };
  }
  const filter = subscription.filter as EventGridFilter;
  const kinds = eventKindsOf(filter);
  if (kinds.length === 0) return { ...base, status: "not-relevant", findings: [] };

  const cloud = /^CloudEvent/i.test(subscription.eventDeliverySchema);
  const probe = createProber(filter, kinds, cloud);
  const findings: AuditFinding[] = [];
  const transforms: Transform[] = [];
  const notes: string[] = [];
  const widened: string[] = [];
  const excluded = new Set<Situation>();
  for (const cause of probe.causes()) {
    const { part, observations, severity } = cause;
    if (severity === "warning") for (const observation of observations) excluded.add(observation.situation);
    const diagnosis = diagnose(cause, filter);
    findings.push({
      kind: diagnosis.kind,
      severity,
      part: part.path,
      affects: diagnosis.affects ?? describeAffected(observations, severity, probe.countries),
      why: diagnosis.why,
      fix: diagnosis.fix,
    });
    transforms.push(...diagnosis.transforms);
    for (const note of diagnosis.notes) if (!notes.includes(note)) notes.push(note);
    for (const digits of diagnosis.widens ?? []) if (!widened.includes(digits)) widened.push(digits);
  }
  if (findings.length === 0) return { ...base, status: "ok", findings };

  const widens = widened.length > 0 ? describeWidening(widened) : undefined;
  if (widens) notes.unshift(widens.note);
  const rewrite = buildRewrite(filter, transforms, notes, probe, excluded);
  if (widens) rewrite.widens = { senderPrefixes: widens.senderPrefixes, countries: widens.countries };
  const status = findings.some((finding) => finding.severity === "silent") ? "silent" : "warning";
  return { ...base, status, findings, rewrite };
}
