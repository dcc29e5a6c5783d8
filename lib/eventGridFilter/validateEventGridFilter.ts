import { compareEventGridNumbers, fitsEventGridDecimal } from "./compareEventGridNumbers";
import {
  ADVANCED_FILTER_OPERATOR_TYPES,
  EVENT_GRID_FILTER_LIMITS,
  type AdvancedFilterOperatorType,
  type FilterValidationIssue,
} from "./eventGridFilterTypes";
import { describe, isFiniteNumber, isObject, isSet } from "./filterValues";
import { numberTextAt } from "./parseJsonKeepingNumberText";

const OPERATOR_NAMES: ReadonlySet<string> = new Set(ADVANCED_FILTER_OPERATOR_TYPES);
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
  if (!isObject(filter)) return [{ path: "", message: "the filter must be a JSON object" }];
  const issues: FilterValidationIssue[] = [];
  validateFilterProperties(filter, issues);
  const advanced = filter.advancedFilters;
  if (isSet(advanced)) validateAdvancedFilters(advanced, issues);
  return issues;
}

/** The filter's own properties: no unknown ones, event types, subject affixes and the two switches. */
function validateFilterProperties(filter: Record<string, unknown>, issues: FilterValidationIssue[]): void {
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
}

/** The advanced filters: each one, and Event Grid's limits on their number and on their values in all. */
function validateAdvancedFilters(advanced: unknown, issues: FilterValidationIssue[]): void {
  if (!Array.isArray(advanced)) {
    issues.push({ path: "advancedFilters", message: "must be an array of advanced filters" });
    return;
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
  if (shape === "none") {
    if (isSet(entry.value) || isSet(entry.values)) {
      issues.push({ path, message: `${operator} takes neither value nor values` });
    }
    return 0;
  }
  if (shape === "number" || shape === "boolean") {
    validateSingleValue(entry, shape, `${operator}`, path, issues);
    return 1;
  }
  return validateValueList(entry, shape, `${operator}`, path, issues);
}

/** An operator taking one `value` (a number or a boolean). */
function validateSingleValue(
  entry: Record<string, unknown>,
  shape: "number" | "boolean",
  operator: string,
  path: string,
  issues: FilterValidationIssue[],
): void {
  const { value, values } = entry;
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
}

/** An operator taking a list in `values`; returns how many values it counts towards the limit. */
function validateValueList(
  entry: Record<string, unknown>,
  shape: "numbers" | "ranges" | "strings",
  operator: string,
  path: string,
  issues: FilterValidationIssue[],
): number {
  const { value, values } = entry;
  if (isSet(value)) issues.push({ path: `${path}.value`, message: `${operator} takes values (a list), not value` });
  if (!Array.isArray(values)) {
    issues.push({ path: `${path}.values`, message: `${operator} needs a list of ${describeShape(shape)}` });
    return 0;
  }
  if (values.length === 0) {
    issues.push({ path: `${path}.values`, message: `${operator} needs at least one value; an empty list is a no-op` });
  }
  values.forEach((item: unknown, index) => {
    const problem = describeListItemProblem(shape, item, values, index);
    if (problem !== undefined) issues.push({ path: `${path}.values[${index}]`, message: problem });
  });
  return values.length;
}

/** What is wrong with `values[index]` of a list of the given shape, if anything. */
function describeListItemProblem(
  shape: "numbers" | "ranges" | "strings",
  item: unknown,
  values: unknown[],
  index: number,
): string | undefined {
  if (shape === "numbers") {
    if (!isFiniteNumber(item)) return `must be a number; got ${describe(item)}`;
    return fitsEventGridDecimal(item, numberTextAt(values, index, item)) ? undefined : BEYOND_DECIMAL;
  }
  if (shape === "strings") {
    if (typeof item !== "string") return `must be a string; got ${describe(item)}`;
    const limit = EVENT_GRID_FILTER_LIMITS.maxStringValueLength;
    return item.length > limit
      ? `is ${item.length} characters long; Event Grid allows at most ${limit} per string value`
      : undefined;
  }
  if (!Array.isArray(item) || item.length !== 2 || !isFiniteNumber(item[0]) || !isFiniteNumber(item[1])) {
    return `must be a [low, high] pair of numbers; got ${describe(item)}`;
  }
  const low = item[0] as number;
  const high = item[1] as number;
  const lowText = numberTextAt(item, 0, low);
  const highText = numberTextAt(item, 1, high);
  if (!fitsEventGridDecimal(low, lowText) || !fitsEventGridDecimal(high, highText)) return BEYOND_DECIMAL;
  if (compareEventGridNumbers(low, lowText, high, highText) === 1) {
    return `has its low end ${lowText ?? low} above its high end ${highText ?? high}`;
  }
  return undefined;
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
