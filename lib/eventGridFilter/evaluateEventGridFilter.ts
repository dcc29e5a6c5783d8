/**
 * An Event Grid subscription filter evaluated locally, so that a subscription's filter can be checked against sample
 * events (phone senders, BSUID senders) before it is deployed.
 *
 * Sources: Microsoft Learn "Understand event filtering for Event Grid subscriptions" (operator pseudo code, the rule
 * that key values of another type than the filter's are ignored, missing-key note, limits), "Advanced filtering" for
 * Event Grid on IoT Edge (arrays without array filtering, decimal numbers, case-insensitive strings) and the ARM
 * `EventSubscriptionFilter` schema. Where the docs are silent the behaviour is a judgement call; each one is written
 * down on {@link evaluateEventGridFilter}. Numbers compare as .NET decimals ({@link compareEventGridNumbers}); their
 * digits beyond a double's survive only when the JSON was read with `parseJsonKeepingNumberText`.
 *
 * @packageDocumentation
 */

import { ValidationError } from "../core/errors";
import { compareEventGridNumbers, fitsEventGridDecimal } from "./compareEventGridNumbers";
import { numberTextAt } from "./parseJsonKeepingNumberText";

/** All 19 advanced filter operators, spelled as ARM and the az CLI spell them. */
export const ADVANCED_FILTER_OPERATOR_TYPES = [
  "NumberIn",
  "NumberNotIn",
  "NumberLessThan",
  "NumberGreaterThan",
  "NumberLessThanOrEquals",
  "NumberGreaterThanOrEquals",
  "NumberInRange",
  "NumberNotInRange",
  "BoolEquals",
  "StringIn",
  "StringNotIn",
  "StringBeginsWith",
  "StringEndsWith",
  "StringContains",
  "StringNotBeginsWith",
  "StringNotEndsWith",
  "StringNotContains",
  "IsNullOrUndefined",
  "IsNotNull",
] as const;

/** The name of an advanced filter operator. */
export type AdvancedFilterOperatorType = (typeof ADVANCED_FILTER_OPERATOR_TYPES)[number];

/** Operators that take a list of numbers in `values`. */
export type NumberSetOperatorType = "NumberIn" | "NumberNotIn";
/** Operators that take a single number in `value`. */
export type NumberComparisonOperatorType =
  "NumberLessThan" | "NumberGreaterThan" | "NumberLessThanOrEquals" | "NumberGreaterThanOrEquals";
/** Operators that take a list of `[low, high]` ranges (both ends inclusive) in `values`. */
export type NumberRangeOperatorType = "NumberInRange" | "NumberNotInRange";
/** Operators that take a list of strings in `values`. */
export type StringOperatorType =
  | "StringIn"
  | "StringNotIn"
  | "StringBeginsWith"
  | "StringEndsWith"
  | "StringContains"
  | "StringNotBeginsWith"
  | "StringNotEndsWith"
  | "StringNotContains";
/** Operators that take no value. */
export type NullCheckOperatorType = "IsNullOrUndefined" | "IsNotNull";

/**
 * `NumberIn` / `NumberNotIn`: `values` is a list of numbers. Number values are JavaScript numbers; when the filter was
 * read with `parseJsonKeepingNumberText`, the engine compares each value's full JSON text as a .NET decimal.
 */
export interface NumberSetAdvancedFilter {
  operatorType: NumberSetOperatorType;
  key: string;
  values: number[];
}

/** The four number comparisons: `value` is one number. */
export interface NumberComparisonAdvancedFilter {
  operatorType: NumberComparisonOperatorType;
  key: string;
  value: number;
}

/** `NumberInRange` / `NumberNotInRange`: `values` is a list of inclusive `[low, high]` ranges. */
export interface NumberRangeAdvancedFilter {
  operatorType: NumberRangeOperatorType;
  key: string;
  values: [number, number][];
}

/** `BoolEquals`: `value` is one boolean. */
export interface BoolEqualsAdvancedFilter {
  operatorType: "BoolEquals";
  key: string;
  value: boolean;
}

/** The eight string operators: `values` is a list of strings, compared case-insensitively. */
export interface StringAdvancedFilter {
  operatorType: StringOperatorType;
  key: string;
  values: string[];
}

/** `IsNullOrUndefined` / `IsNotNull`: no value. */
export interface NullCheckAdvancedFilter {
  operatorType: NullCheckOperatorType;
  key: string;
}

/** One advanced filter as it appears in ARM / az CLI JSON, discriminated on `operatorType`. */
export type AdvancedFilter =
  | NumberSetAdvancedFilter
  | NumberComparisonAdvancedFilter
  | NumberRangeAdvancedFilter
  | BoolEqualsAdvancedFilter
  | StringAdvancedFilter
  | NullCheckAdvancedFilter;

/** An Event Grid subscription `filter` as it appears in ARM / az CLI JSON (absent and `null` mean "not set"). */
export interface EventGridFilter {
  includedEventTypes?: string[] | null;
  subjectBeginsWith?: string | null;
  subjectEndsWith?: string | null;
  isSubjectCaseSensitive?: boolean | null;
  advancedFilters?: AdvancedFilter[] | null;
  enableAdvancedFilteringOnArrays?: boolean | null;
}

/** One problem found by {@link validateEventGridFilter}. `path` is relative to the filter (`""` is the filter itself). */
export interface FilterValidationIssue {
  path: string;
  message: string;
}

/** Event Grid's documented advanced filtering limits, per subscription. */
export const EVENT_GRID_FILTER_LIMITS = {
  maxAdvancedFilters: 25,
  maxAdvancedFilterValues: 25,
  maxStringValueLength: 512,
} as const;

type Scalar = string | number | boolean;
/** A key's value and where it was found (`holder[name]`), which is where a number's JSON text is kept. */
type Lookup = { found: false } | { found: true; value: unknown; holder: object; name: string };

const NOT_FOUND: Lookup = { found: false };
const OPERATOR_NAMES: ReadonlySet<string> = new Set(ADVANCED_FILTER_OPERATOR_TYPES);
const NEGATED_OPERATORS: ReadonlySet<AdvancedFilterOperatorType> = new Set<AdvancedFilterOperatorType>([
  "NumberNotIn",
  "NumberNotInRange",
  "StringNotIn",
  "StringNotBeginsWith",
  "StringNotEndsWith",
  "StringNotContains",
]);
// The docs list exactly these two as "matched" when the key is missing. The negated operators added later are
// listed as "not matched" (StringNot*) or not listed at all (NumberNotInRange, treated like its siblings).
const MATCH_WHEN_MISSING: ReadonlySet<AdvancedFilterOperatorType> = new Set<AdvancedFilterOperatorType>([
  "NumberNotIn",
  "StringNotIn",
]);
const FILTER_PROPERTIES: ReadonlySet<string> = new Set([
  "includedEventTypes",
  "subjectBeginsWith",
  "subjectEndsWith",
  "isSubjectCaseSensitive",
  "advancedFilters",
  "enableAdvancedFilteringOnArrays",
]);
const ADVANCED_FILTER_PROPERTIES: ReadonlySet<string> = new Set(["operatorType", "key", "value", "values"]);

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

/**
 * Checks a subscription filter (parsed ARM / az CLI JSON) against Event Grid's limits and the value shape of each
 * operator. Returns every issue found; an empty list means Event Grid would accept the filter.
 *
 * Reported: more than 25 advanced filters; more than 25 values across all advanced filters (each `values` entry counts
 * one, a `[low, high]` range included; a `value` counts one; the null checks count none); string values over 512
 * characters; a value shape that does not fit the operator; an unknown operator; invalid keys (empty, empty segments
 * such as `data..a`, or surrounding whitespace); wrongly typed top-level properties.
 *
 * Judgement calls beyond the documented limits: empty `values` lists, ranges whose low end exceeds the high end (as
 * decimals), numbers beyond the range of .NET `decimal` (magnitude above 79228162514264337593543950335, which Event Grid
 * cannot hold as it holds numbers) and properties that are not part of the filter schema (likely typos, e.g.
 * `advancedFilter`) are reported too, because such a filter can never do what its author meant. A property set to
 * `null` counts as absent, as ARM returns it.
 */
export function validateEventGridFilter(filter: unknown): FilterValidationIssue[] {
  const issues: FilterValidationIssue[] = [];
  if (!isObject(filter)) return [{ path: "", message: "the filter must be a JSON object" }];

  for (const name of Object.keys(filter)) {
    if (!FILTER_PROPERTIES.has(name)) {
      issues.push({ path: name, message: "is not a property of an Event Grid subscription filter" });
    }
  }

  const types = filter.includedEventTypes;
  if (isSet(types)) {
    if (!Array.isArray(types)) {
      issues.push({ path: "includedEventTypes", message: "must be an array of event type names" });
    } else {
      types.forEach((type: unknown, index) => {
        if (typeof type !== "string" || type.trim() === "") {
          issues.push({ path: `includedEventTypes[${index}]`, message: "must be a non-empty event type name" });
        }
      });
    }
  }
  for (const name of ["subjectBeginsWith", "subjectEndsWith"] as const) {
    if (isSet(filter[name]) && typeof filter[name] !== "string") {
      issues.push({ path: name, message: "must be a string" });
    }
  }
  for (const name of ["isSubjectCaseSensitive", "enableAdvancedFilteringOnArrays"] as const) {
    if (isSet(filter[name]) && typeof filter[name] !== "boolean") {
      issues.push({ path: name, message: "must be a boolean" });
    }
  }

  const advanced = filter.advancedFilters;
  if (!isSet(advanced)) return issues;
  if (!Array.isArray(advanced)) {
    issues.push({ path: "advancedFilters", message: "must be an array of advanced filters" });
    return issues;
  }
  if (advanced.length > EVENT_GRID_FILTER_LIMITS.maxAdvancedFilters) {
    issues.push({
      path: "advancedFilters",
      message: `has ${advanced.length} advanced filters; Event Grid allows at most ${EVENT_GRID_FILTER_LIMITS.maxAdvancedFilters} per subscription`,
    });
  }
  let valueCount = 0;
  advanced.forEach((entry: unknown, index) => {
    valueCount += validateAdvancedFilter(entry, `advancedFilters[${index}]`, issues);
  });
  if (valueCount > EVENT_GRID_FILTER_LIMITS.maxAdvancedFilterValues) {
    issues.push({
      path: "advancedFilters",
      message: `has ${valueCount} filter values in all; Event Grid allows at most ${EVENT_GRID_FILTER_LIMITS.maxAdvancedFilterValues} across all advanced filters per subscription`,
    });
  }
  return issues;
}

/** Validates one advanced filter, appending to `issues`; returns how many filter values it counts towards the limit. */
function validateAdvancedFilter(entry: unknown, path: string, issues: FilterValidationIssue[]): number {
  if (!isObject(entry)) {
    issues.push({ path, message: "must be an object with operatorType and key" });
    return 0;
  }
  for (const name of Object.keys(entry)) {
    if (!ADVANCED_FILTER_PROPERTIES.has(name)) {
      issues.push({ path: `${path}.${name}`, message: "is not a property of an advanced filter" });
    }
  }
  const keyProblem = describeKeyProblem(entry.key);
  if (keyProblem !== undefined) issues.push({ path: `${path}.key`, message: keyProblem });

  const operator = entry.operatorType;
  if (typeof operator !== "string" || !OPERATOR_NAMES.has(operator)) {
    issues.push({
      path: `${path}.operatorType`,
      message: `must be one of the ${ADVANCED_FILTER_OPERATOR_TYPES.length} advanced filter operators (e.g. StringIn, NumberLessThan, IsNotNull); got ${describe(operator)}`,
    });
    return 0;
  }

  const shape = shapeOf(operator as AdvancedFilterOperatorType);
  const { value, values } = entry;
  if (shape === "none") {
    if (isSet(value) || isSet(values)) {
      issues.push({ path, message: `${operator} takes neither value nor values` });
    }
    return 0;
  }
  if (shape === "number" || shape === "boolean") {
    if (isSet(values)) issues.push({ path: `${path}.values`, message: `${operator} takes a single value, not values` });
    const fits = shape === "number" ? isFiniteNumber(value) : typeof value === "boolean";
    if (!fits) {
      issues.push({ path: `${path}.value`, message: `${operator} needs a ${shape} value; got ${describe(value)}` });
    } else if (
      shape === "number" &&
      !fitsEventGridDecimal(value as number, numberTextAt(entry, "value", value as number))
    ) {
      issues.push({ path: `${path}.value`, message: BEYOND_DECIMAL });
    }
    return 1;
  }

  if (isSet(value)) issues.push({ path: `${path}.value`, message: `${operator} takes values (a list), not value` });
  if (!Array.isArray(values)) {
    issues.push({ path: `${path}.values`, message: `${operator} needs a list of ${describeShape(shape)}` });
    return 0;
  }
  if (values.length === 0) {
    issues.push({ path: `${path}.values`, message: `${operator} needs at least one value; an empty list is a no-op` });
  }
  values.forEach((item: unknown, index) => {
    const itemPath = `${path}.values[${index}]`;
    if (shape === "numbers") {
      if (!isFiniteNumber(item)) {
        issues.push({ path: itemPath, message: `must be a number; got ${describe(item)}` });
      } else if (!fitsEventGridDecimal(item, numberTextAt(values, index, item))) {
        issues.push({ path: itemPath, message: BEYOND_DECIMAL });
      }
    } else if (shape === "strings") {
      if (typeof item !== "string") {
        issues.push({ path: itemPath, message: `must be a string; got ${describe(item)}` });
      } else if (item.length > EVENT_GRID_FILTER_LIMITS.maxStringValueLength) {
        issues.push({
          path: itemPath,
          message: `is ${item.length} characters long; Event Grid allows at most ${EVENT_GRID_FILTER_LIMITS.maxStringValueLength} per string value`,
        });
      }
    } else if (shape === "ranges") {
      if (!Array.isArray(item) || item.length !== 2 || !isFiniteNumber(item[0]) || !isFiniteNumber(item[1])) {
        issues.push({ path: itemPath, message: `must be a [low, high] pair of numbers; got ${describe(item)}` });
        return;
      }
      const low = item[0] as number;
      const high = item[1] as number;
      const lowText = numberTextAt(item, 0, low);
      const highText = numberTextAt(item, 1, high);
      if (!fitsEventGridDecimal(low, lowText) || !fitsEventGridDecimal(high, highText)) {
        issues.push({ path: itemPath, message: BEYOND_DECIMAL });
      } else if (compareEventGridNumbers(low, lowText, high, highText) === 1) {
        issues.push({
          path: itemPath,
          message: `has its low end ${lowText ?? low} above its high end ${highText ?? high}`,
        });
      }
    }
  });
  return values.length;
}

const BEYOND_DECIMAL =
  "is beyond the range of .NET decimal (magnitude at most 79228162514264337593543950335), in which Event Grid compares numbers";

type ValueShape = "numbers" | "number" | "ranges" | "boolean" | "strings" | "none";

function shapeOf(operator: AdvancedFilterOperatorType): ValueShape {
  switch (operator) {
    case "NumberIn":
    case "NumberNotIn":
      return "numbers";
    case "NumberLessThan":
    case "NumberGreaterThan":
    case "NumberLessThanOrEquals":
    case "NumberGreaterThanOrEquals":
      return "number";
    case "NumberInRange":
    case "NumberNotInRange":
      return "ranges";
    case "BoolEquals":
      return "boolean";
    case "IsNullOrUndefined":
    case "IsNotNull":
      return "none";
    default:
      return "strings";
  }
}

function describeShape(shape: ValueShape): string {
  return shape === "ranges" ? "[low, high] number pairs" : shape === "numbers" ? "numbers" : "strings";
}

function describeKeyProblem(key: unknown): string | undefined {
  if (typeof key !== "string" || key === "") return "must be a non-empty string such as data.a.b or subject";
  if (key.trim() !== key) return "must not start or end with whitespace";
  // Event Grid has no escape for a dot inside a property name, so an empty segment can never name a property.
  if (key.split(".").some((segment) => segment === "")) return `has an empty segment ("${key}"); use data.a.b`;
  return undefined;
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

function matchesAdvancedFilter(
  filter: AdvancedFilter,
  event: Record<string, unknown>,
  arraysEnabled: boolean,
): boolean {
  const lookup = lookUp(event, filter.key);
  const absent = !lookup.found || lookup.value === null;
  if (filter.operatorType === "IsNullOrUndefined") return absent;
  if (filter.operatorType === "IsNotNull") return !absent;
  if (!lookup.found || lookup.value === null) return MATCH_WHEN_MISSING.has(filter.operatorType);

  const { value } = lookup;
  let hit = false;
  if (isScalar(value)) {
    hit = hits(filter, value, lookup.holder, lookup.name, false);
  } else if (isFilterableArray(value, arraysEnabled)) {
    for (let index = 0; index < value.length && !hit; index++) {
      const element: unknown = value[index];
      hit = isScalar(element) && hits(filter, element, value, index, true);
    }
  } else {
    return false;
  }
  return NEGATED_OPERATORS.has(filter.operatorType) ? !hit : hit;
}

/** An array Event Grid filters element by element: array filtering is on and no element is an object or array. */
function isFilterableArray(value: unknown, arraysEnabled: boolean): value is unknown[] {
  return (
    arraysEnabled && Array.isArray(value) && !value.some((element) => typeof element === "object" && element !== null)
  );
}

/**
 * Whether `candidate`, found at `holder[key]`, hits one of the filter's values, in the operator's positive sense
 * (StringNotIn as StringIn). A candidate of another type than the operator's is no hit, except that a single number or
 * boolean outside an array is read as its text by the String operators (see {@link evaluateEventGridFilter}).
 */
function hits(
  filter: AdvancedFilter,
  candidate: Scalar,
  holder: object,
  key: string | number,
  inArray: boolean,
): boolean {
  switch (filter.operatorType) {
    case "NumberIn":
    case "NumberNotIn":
    case "NumberLessThan":
    case "NumberGreaterThan":
    case "NumberLessThanOrEquals":
    case "NumberGreaterThanOrEquals":
    case "NumberInRange":
    case "NumberNotInRange":
      return typeof candidate === "number" && numberHits(filter, candidate, numberTextAt(holder, key, candidate));
    case "BoolEquals":
      return typeof candidate === "boolean" && candidate === filter.value;
    case "StringIn":
    case "StringNotIn":
      return stringHits(filter.values, candidate, inArray, (text, value) => text === value);
    case "StringBeginsWith":
    case "StringNotBeginsWith":
      return stringHits(filter.values, candidate, inArray, (text, value) => text.startsWith(value));
    case "StringEndsWith":
    case "StringNotEndsWith":
      return stringHits(filter.values, candidate, inArray, (text, value) => text.endsWith(value));
    case "StringContains":
    case "StringNotContains":
      return stringHits(filter.values, candidate, inArray, (text, value) => text.includes(value));
    case "IsNullOrUndefined":
    case "IsNotNull":
      return false;
  }
}

/**
 * Whether the number `candidate` (with its JSON text when known) hits a value of a Number operator, compared as .NET
 * decimals. A candidate beyond the decimal's range compares as nothing, so it hits no value.
 */
function numberHits(
  filter: NumberSetAdvancedFilter | NumberComparisonAdvancedFilter | NumberRangeAdvancedFilter,
  candidate: number,
  text: string | undefined,
): boolean {
  switch (filter.operatorType) {
    case "NumberIn":
    case "NumberNotIn": {
      const { values } = filter;
      for (let index = 0; index < values.length; index++) {
        const value = values[index]!;
        if (compareEventGridNumbers(candidate, text, value, numberTextAt(values, index, value)) === 0) return true;
      }
      return false;
    }
    case "NumberInRange":
    case "NumberNotInRange":
      for (const range of filter.values) {
        const low = range[0];
        const high = range[1];
        const fromLow = compareEventGridNumbers(candidate, text, low, numberTextAt(range, 0, low));
        if (fromLow === undefined || fromLow < 0) continue;
        const toHigh = compareEventGridNumbers(candidate, text, high, numberTextAt(range, 1, high));
        if (toHigh !== undefined && toHigh <= 0) return true;
      }
      return false;
    default: {
      const order = compareEventGridNumbers(candidate, text, filter.value, numberTextAt(filter, "value", filter.value));
      if (order === undefined) return false;
      switch (filter.operatorType) {
        case "NumberLessThan":
          return order < 0;
        case "NumberGreaterThan":
          return order > 0;
        case "NumberLessThanOrEquals":
          return order <= 0;
        case "NumberGreaterThanOrEquals":
          return order >= 0;
      }
    }
  }
}

function stringHits(
  values: string[],
  candidate: Scalar,
  inArray: boolean,
  test: (text: string, value: string) => boolean,
): boolean {
  if (inArray && typeof candidate !== "string") return false;
  const text = foldCase(String(candidate));
  return values.some((value) => test(text, foldCase(value)));
}

function lookUp(event: Record<string, unknown>, key: string): Lookup {
  let holder: Record<string, unknown> = event;
  let name = "";
  let current: unknown = event;
  for (const segment of key.split(".")) {
    if (!isObject(current)) return NOT_FOUND;
    holder = current;
    if (Object.hasOwn(current, segment)) {
      name = segment;
    } else {
      const folded = foldCase(segment);
      const match = Object.keys(current).find((candidate) => foldCase(candidate) === folded);
      if (match === undefined) return NOT_FOUND;
      name = match;
    }
    current = current[name];
  }
  return { found: true, value: current, holder, name };
}

/** Upper-cases character by character so lengths never change (`ß` stays `ß`), like .NET's OrdinalIgnoreCase. */
function foldCase(text: string): string {
  // Plain ASCII is by far the common case and needs no per-character work.
  if (/^[\x20-\x7e]*$/.test(text)) return text.toUpperCase();
  let folded = "";
  for (const char of text) {
    const upper = char.toUpperCase();
    folded += upper.length === char.length ? upper : char;
  }
  return folded;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === "string" || typeof value === "boolean" || isFiniteNumber(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? `a string of ${value.length} characters` : `"${value}"`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
