import { compareEventGridNumbers } from "./compareEventGridNumbers";
import type {
  AdvancedFilter,
  AdvancedFilterOperatorType,
  NumberComparisonAdvancedFilter,
  NumberRangeAdvancedFilter,
  NumberSetAdvancedFilter,
} from "./eventGridFilterTypes";
import { foldCase, isScalar, type Scalar } from "./filterValues";
import { lookUp } from "./lookUpKey";
import { numberTextAt } from "./parseJsonKeepingNumberText";

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

/**
 * Whether one advanced filter matches `event`: a missing or null key, a scalar, or an array element by element (see
 * `evaluateEventGridFilter` for the rules and the judgement calls).
 */
export function matchesAdvancedFilter(
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
 * boolean outside an array is read as its text by the String operators (see `evaluateEventGridFilter`).
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
