/**
 * The shape of an Event Grid subscription filter as ARM and the az CLI write it, and Event Grid's documented limits.
 *
 * @packageDocumentation
 */

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

/** One problem found by `validateEventGridFilter`. `path` is relative to the filter (`""` is the filter itself). */
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
