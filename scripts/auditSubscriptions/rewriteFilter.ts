/**
 * Proposing a rewrite: applies every fix the diagnosis found for one subscription to its filter, splits the result
 * over several subscriptions when one would break Event Grid's limits, and runs it back through the same probes.
 *
 * @packageDocumentation
 */

import {
  EVENT_GRID_FILTER_LIMITS,
  validateEventGridFilter,
  type AdvancedFilter,
  type EventGridFilter,
  type StringAdvancedFilter,
  type StringOperatorType,
} from "../../lib/eventGridFilter/evaluateEventGridFilter";
import type { FilterRewrite } from "./auditReport";
import type { Transform } from "./diagnoseSilence";
import { HIDDEN_FORMS, type Prober, type SenderForm, type Situation } from "./probeFilter";

/**
 * The rewrite of `original` by `transforms`, fitted to Event Grid's limits and verified with `probe`; `excluded` are
 * the situations where the original's exclusion by phone number was bypassed.
 */
export function buildRewrite(
  original: EventGridFilter,
  transforms: Transform[],
  notes: string[],
  probe: Prober,
  excluded: Set<Situation>,
): FilterRewrite {
  let filters = applyTransforms(original, transforms);
  const problems: string[] = [];
  filters = filters.flatMap((candidate) => fitLimits(candidate, problems, notes));
  const verified = problems.length === 0 && verifyRewrite(original, filters, probe, excluded, problems);
  return { filters, notes, verified, problems };
}

/** The rewritten filter, plus one more for each `splitAdvanced` (a second subscription testing another field). */
function applyTransforms(original: EventGridFilter, transforms: Transform[]): EventGridFilter[] {
  const replaced = new Map<number, AdvancedFilter[]>();
  const added: AdvancedFilter[] = [];
  const splits: { index: number; with: AdvancedFilter }[] = [];
  const filter: EventGridFilter = { ...original };
  for (const transform of transforms) {
    switch (transform.op) {
      case "dropSubjectBeginsWith":
        delete filter.subjectBeginsWith;
        break;
      case "setSubjectEndsWith":
        if (transform.value === undefined) delete filter.subjectEndsWith;
        else filter.subjectEndsWith = transform.value;
        break;
      case "caseInsensitive":
        filter.isSubjectCaseSensitive = false;
        break;
      case "replaceAdvanced":
        replaced.set(transform.index, transform.with);
        break;
      case "addAdvanced":
        added.push(transform.filter);
        break;
      case "splitAdvanced":
        splits.push({ index: transform.index, with: transform.with });
        break;
    }
  }
  const advancedWith = (swap?: { index: number; with: AdvancedFilter }): AdvancedFilter[] => [
    ...(original.advancedFilters ?? []).flatMap((entry, index) =>
      swap?.index === index ? [swap.with] : (replaced.get(index) ?? [entry]),
    ),
    ...added,
  ];
  const filters = [withoutEmptyParts({ ...filter, advancedFilters: advancedWith() })];
  for (const split of splits) filters.push(withoutEmptyParts({ ...filter, advancedFilters: advancedWith(split) }));
  return filters;
}

function withoutEmptyParts(candidate: EventGridFilter): EventGridFilter {
  const copy = { ...candidate };
  if (!copy.subjectBeginsWith) delete copy.subjectBeginsWith;
  if (!copy.subjectEndsWith) delete copy.subjectEndsWith;
  if (!copy.advancedFilters || copy.advancedFilters.length === 0) delete copy.advancedFilters;
  return copy;
}

/**
 * Returns `filter`, or when it breaks Event Grid's limits and the cause is one long positive value list, the same
 * filter split into several (one subscription each: an event matching any of them is delivered, by one of them).
 */
function fitLimits(filter: EventGridFilter, problems: string[], notes: string[]): EventGridFilter[] {
  const issues = validateEventGridFilter(filter);
  if (issues.length === 0) return [filter];
  const advanced = filter.advancedFilters ?? [];
  const counts = advanced.map((entry) => ("values" in entry && Array.isArray(entry.values) ? entry.values.length : 1));
  const total = counts.reduce((sum, count) => sum + count, 0);
  const positive = new Set<StringOperatorType>(["StringBeginsWith", "StringIn", "StringContains", "StringEndsWith"]);
  let widest = -1;
  advanced.forEach((entry, index) => {
    if (positive.has(entry.operatorType as StringOperatorType) && (widest < 0 || counts[index]! > counts[widest]!)) {
      widest = index;
    }
  });
  const budget = widest < 0 ? 0 : EVENT_GRID_FILTER_LIMITS.maxAdvancedFilterValues - (total - counts[widest]!);
  if (widest < 0 || budget < 1 || advanced.length > EVENT_GRID_FILTER_LIMITS.maxAdvancedFilters) {
    problems.push(
      `the rewrite breaks Event Grid's limits (${issues.map((issue) => issue.message).join("; ")}) and cannot be ` +
        "split without changing its meaning (only a positive list of values splits into an OR of subscriptions); " +
        "cover fewer countries per subscription or filter in the app",
    );
    return [filter];
  }
  const values = (advanced[widest] as StringAdvancedFilter).values;
  const parts: EventGridFilter[] = [];
  for (let start = 0; start < values.length; start += budget) {
    const chunk = values.slice(start, start + budget);
    parts.push({
      ...filter,
      advancedFilters: advanced.map((entry, index) =>
        index === widest ? { ...(entry as StringAdvancedFilter), values: chunk } : entry,
      ),
    });
  }
  notes.push(
    `One filter would need ${total} values, over Event Grid's ${EVENT_GRID_FILTER_LIMITS.maxAdvancedFilterValues} ` +
      `per subscription, so the rewrite is split into ${parts.length} subscriptions with the same destination.`,
  );
  for (const part of parts) {
    for (const issue of validateEventGridFilter(part)) problems.push(`after splitting: ${issue.message}`);
  }
  return parts;
}

/**
 * Runs the rewrite through the same probes: every person it delivers at all it must deliver in every form; everyone
 * the original delivered in some form it must deliver, except where the original's exclusion by phone number was
 * bypassed (`excluded`): there every form must be kept out; and what the original missed only because of case it must
 * deliver.
 */
function verifyRewrite(
  original: EventGridFilter,
  filters: EventGridFilter[],
  probe: Prober,
  excluded: Set<Situation>,
  problems: string[],
): boolean {
  const forms: SenderForm[] = ["visible", ...HIDDEN_FORMS];
  const relaxed = original.isSubjectCaseSensitive === true ? { ...original, isSubjectCaseSensitive: false } : original;
  const failures = new Set<string>();
  for (const situation of probe.situations) {
    const before = new Map(forms.map((form) => [form, probe.passes(original, situation, form)]));
    const after = new Map(forms.map((form) => [form, filters.some((filter) => probe.passes(filter, situation, form))]));
    const who = `${situation.eventKind === "received" ? "senders" : "recipients"} from ${situation.person.country}`;
    const anyAfter = forms.some((form) => after.get(form));
    const hiddenAfter = HIDDEN_FORMS.map((form) => after.get(form));
    if (anyAfter && after.get("visible") && hiddenAfter.some((pass) => !pass)) {
      failures.add(`still drops some BSUID-only ${who}`);
    }
    if (anyAfter && new Set(hiddenAfter).size > 1) failures.add(`treats the BSUID-only forms of ${who} differently`);
    if (excluded.has(situation)) {
      if (anyAfter) failures.add(`still lets BSUID-only ${who} past an exclusion by phone number`);
      continue;
    }
    for (const form of forms) {
      if (before.get(form) && !after.get(form)) failures.add(`no longer delivers ${who} it used to deliver`);
    }
    for (const form of HIDDEN_FORMS) {
      if (relaxed !== original && probe.passes(relaxed, situation, form) && !after.get(form)) {
        failures.add(`does not deliver BSUID-only ${who} that only the subject's case kept out`);
      }
    }
  }
  problems.push(
    ...[...failures].slice(0, 5).map((failure) => `checked with the filter engine, the rewrite ${failure}`),
  );
  return failures.size === 0;
}
