/**
 * An Event Grid subscription filter evaluated locally, so that a subscription's filter can be checked against sample
 * events (phone senders, BSUID senders) before it is deployed.
 *
 * Sources: Microsoft Learn "Understand event filtering for Event Grid subscriptions" (operator pseudo code, the rule
 * that key values of another type than the filter's are ignored, missing-key note, limits), "Advanced filtering" for
 * Event Grid on IoT Edge (arrays without array filtering, decimal numbers, case-insensitive strings) and the ARM
 * `EventSubscriptionFilter` schema. Where the docs are silent the behaviour is a judgement call; each one is written
 * down on {@link evaluateEventGridFilter}. Numbers compare as .NET decimals (`compareEventGridNumbers`); their
 * digits beyond a double's survive only when the JSON was read with `parseJsonKeepingNumberText`.
 *
 * This module is the engine's entry point and exports its types: the operators are in `advancedFilterOperators.ts`,
 * key lookup in `lookUpKey.ts`, and the check of a filter against Event Grid's limits in `validateEventGridFilter.ts`.
 *
 * @packageDocumentation
 */

import { ValidationError } from "../core/errors";
import { matchesAdvancedFilter } from "./advancedFilterOperators";
import type { EventGridFilter } from "./eventGridFilterTypes";
import { foldCase, isObject } from "./filterValues";
import { validateEventGridFilter } from "./validateEventGridFilter";

export {
  ADVANCED_FILTER_OPERATOR_TYPES,
  EVENT_GRID_FILTER_LIMITS,
  type AdvancedFilter,
  type AdvancedFilterOperatorType,
  type BoolEqualsAdvancedFilter,
  type EventGridFilter,
  type FilterValidationIssue,
  type NullCheckAdvancedFilter,
  type NullCheckOperatorType,
  type NumberComparisonAdvancedFilter,
  type NumberComparisonOperatorType,
  type NumberRangeAdvancedFilter,
  type NumberRangeOperatorType,
  type NumberSetAdvancedFilter,
  type NumberSetOperatorType,
  type StringAdvancedFilter,
  type StringOperatorType,
} from "./eventGridFilterTypes";
export { validateEventGridFilter } from "./validateEventGridFilter";

/**
 * Decides whether an Event Grid subscription filter lets `event` through, the way Event Grid decides it.
 *
 * `event` is one event in the Event Grid schema (`id`, `topic`, `subject`, `eventType`, `dataVersion`, `data`) or in
 * the CloudEvents 1.0 schema (recognised by a string `specversion`; `id`, `source`, `type`, `specversion`, `subject`,
 * extension attributes, `data`). All parts of the filter must match:
 *
 * - `includedEventTypes`: the event type (`eventType`, or CloudEvents `type`) equals one entry, case-insensitively.
 * - `subjectBeginsWith` / `subjectEndsWith`: literal prefix / suffix, case-insensitive unless `isSubjectCaseSensitive`.
 * - `advancedFilters`: every filter matches (AND); within one filter any value may match (OR), and a negated operator
 *   (`NumberNotIn`, `NumberNotInRange`, `StringNot*`) matches when the key matches none of the values.
 * - A missing key fails every operator except `NumberNotIn` and `StringNotIn` (match) and `IsNullOrUndefined` (true).
 *   The docs name `StringNotContains`, `StringNotBeginsWith` and `StringNotEndsWith` as failing; `NumberNotInRange` is
 *   named nowhere and is taken to fail like the other negated operators introduced with it (a judgement call).
 * - With `enableAdvancedFilteringOnArrays`, an array of scalars is checked element by element: a positive operator
 *   matches when any element matches; a negated operator matches only when no element hits any value (the docs'
 *   pseudo code: any hit is `FAIL_MATCH`). Elements of another type than the operator's are ignored, as the docs say
 *   for every operator ("Any key values with data types that don't match the filter's data type are ignored"): a
 *   String operator skips numbers and booleans (`StringIn ["7"]` does not match `[7]`, `StringNotIn ["7"]` does), a
 *   Number operator skips strings and booleans, `BoolEquals` skips strings and numbers (`"true"` is not true).
 * - Numbers compare as .NET decimals, as Event Grid compares them ("Event Grid uses the decimal .NET type to handle all
 *   numeric values"): `0.10000000000000001 > 0.1`, and 9007199254740993 is not 9007199254740992. Event and filter
 *   numbers keep every digit of their JSON text when it was read with `parseJsonKeepingNumberText` (the local
 *   topic and the routes and subscriptions loaders do); numbers built in code, or parsed by plain `JSON.parse`, are read
 *   from their shortest round-trip text (`String(value)`), exact up to 15 significant digits. A decimal keeps 28-29
 *   significant digits and at most 28 decimal places, so longer numbers round to the nearest (`1e-30` reads as 0).
 *
 * Judgement calls (the docs are silent or loose on these):
 * - A key present with the value `null` behaves like a missing key for every operator (the docs treat the two alike
 *   for `IsNullOrUndefined` / `IsNotNull`).
 * - A single number or boolean (not in an array) under a String operator is compared as its JSON text (`5`, `true`):
 *   the docs' CloudEvents example filters a numeric extension attribute with `StringBeginsWith ["5", "1"]`, the only
 *   published example of a key whose type differs from the filter's outside an array. Numbers are written the
 *   JavaScript way (`1.50` in the wire JSON reads as `1.5`), which may differ from Event Grid for such literals.
 * - A single value of another type under a Number operator (`"5"` is not 5) or `BoolEquals` (`"true"` is not true) is
 *   ignored as the docs say for array elements: a positive operator does not match it, while a negated operator,
 *   having no hit, does match it (`NumberNotIn [5]` matches `"abc"`), as the docs' pseudo code does for arrays.
 * - A number beyond the decimal's range (magnitude above 79228162514264337593543950335, e.g. `1e30`) cannot be read as
 *   a .NET decimal (`Decimal.Parse` throws `OverflowException`); what Event Grid then does is not published. It is
 *   taken to be ignored like a value of another type. A filter value beyond that range is reported by
 *   {@link validateEventGridFilter} (the filter could not be held as Event Grid holds it).
 * - An array without `enableAdvancedFilteringOnArrays` makes every value operator fail, negated ones included (the
 *   IoT Edge docs: "the matching operation fails"); an array that holds objects or arrays is never filterable ("Event
 *   Grid doesn't support filtering on an array of objects"). `IsNotNull` is true for both, `IsNullOrUndefined` false.
 *   A key that names an object fails every value operator too.
 * - Key lookup: each dot steps into an object; a property is found by exact name first, then case-insensitively
 *   (the docs spell keys `Data.Key1`, `ID`, `Subject`). Any top-level property can be named, which covers CloudEvents
 *   extension attributes; there is no escape for dots inside property names, so such properties cannot be reached.
 * - Case-insensitive comparison folds each character to upper case on its own (like .NET `OrdinalIgnoreCase`), so
 *   `ß` does not turn into `SS`.
 * - `includedEventTypes` that is empty, or contains `All`, lets every event type through (older API versions wrote
 *   `["All"]`); an event without an event type then still matches. A missing `subject` counts as the empty string.
 * - Event Grid refuses to create a subscription with an invalid filter, so evaluating one is a mistake: this function
 *   throws a {@link ValidationError} (code `invalid_event_grid_filter`) listing every {@link validateEventGridFilter}
 *   issue instead of guessing. A non-object `event` never matches.
 */
export function evaluateEventGridFilter(filter: EventGridFilter, event: unknown): boolean {
  const issues = validateEventGridFilter(filter);
  if (issues.length > 0) {
    const listed = issues.map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`));
    throw new ValidationError(`Invalid Event Grid filter: ${listed.join("; ")}`, {
      code: "invalid_event_grid_filter",
      field: "filter",
    });
  }
  if (!isObject(event)) return false;

  const isCloudEvent = typeof event.specversion === "string";
  const eventType = isCloudEvent ? event.type : event.eventType;
  if (!matchesEventType(filter.includedEventTypes, eventType)) return false;

  const subject = typeof event.subject === "string" ? event.subject : "";
  if (!matchesSubject(filter, subject)) return false;

  const arraysEnabled = filter.enableAdvancedFilteringOnArrays === true;
  return (filter.advancedFilters ?? []).every((advanced) => matchesAdvancedFilter(advanced, event, arraysEnabled));
}

function matchesEventType(included: string[] | null | undefined, eventType: unknown): boolean {
  if (!included || included.length === 0) return true;
  if (included.some((type) => foldCase(type) === "ALL")) return true;
  if (typeof eventType !== "string") return false;
  const folded = foldCase(eventType);
  return included.some((type) => foldCase(type) === folded);
}

function matchesSubject(filter: EventGridFilter, subject: string): boolean {
  const caseSensitive = filter.isSubjectCaseSensitive === true;
  const fold = (text: string): string => (caseSensitive ? text : foldCase(text));
  const folded = fold(subject);
  if (filter.subjectBeginsWith && !folded.startsWith(fold(filter.subjectBeginsWith))) return false;
  if (filter.subjectEndsWith && !folded.endsWith(fold(filter.subjectEndsWith))) return false;
  return true;
}
