/**
 * JSON parsing that remembers the source text of numbers a JavaScript double cannot hold, so that the Event Grid filter
 * engine can compare them the way Event Grid does (.NET `decimal`, 28-29 significant digits) rather than as doubles.
 *
 * `JSON.parse` turns `0.10000000000000001` into the double `0.1`: the digits Event Grid would compare are gone. Node 22
 * hands a reviver each primitive's source text (`context.source`, the TC39 "JSON.parse source text access" feature);
 * this module keeps that text in a side table keyed by the object or array that holds the number, so the parsed value
 * stays plain JSON (numbers are still numbers, `JSON.stringify` and every other reader see what `JSON.parse` gives).
 *
 * Precision kept where:
 * - Values parsed here keep their full source text for as long as their holding object lives; the filter engine reads
 *   it with {@link numberTextAt}.
 * - A shallow copy (`{ ...event }`) loses the text of the copy's own number properties (nested objects are shared, so
 *   theirs survive) unless {@link shareNumberText} is called; a deep copy loses all of it.
 * - Values that never went through this parser (objects built in code, events the Functions host parsed) are compared
 *   via their double's shortest round-trip text (`String(value)`), which is exact for up to 15 significant digits.
 *
 * @packageDocumentation
 */

/** The reviver signature of Node 22, which passes the primitive's JSON text as `context.source`. */
type SourceReviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const parseWithSource = JSON.parse as (text: string, reviver: SourceReviver) => unknown;

/** Source texts by holding object (or array), then by property name (or index as a string). */
const numberTexts = new WeakMap<object, Map<string, string>>();
/** Until a text is kept, lookups answer without touching the table (the usual case: no long numbers anywhere). */
let anyKept = false;

/**
 * Text that may hold a number whose digits a double loses: 16 or more significant digits (a double keeps any 15), or
 * an exponent of three digits (beyond the double's normal range). Strings that happen to match only cost a slower parse.
 */
const MAY_LOSE_DIGITS = /\d(?:\.?\d){15}|\d[eE][-+]?\d{3}/;

/**
 * Parses JSON like `JSON.parse` (same result, same errors) and remembers the source text of every number whose text
 * differs from its double's shortest round-trip form (`0.10000000000000001`, `1e400`, also harmless ones such as
 * `1.50`). Text without a long digit run or a large exponent is handed to `JSON.parse` as is, so the common case costs
 * one regular expression scan.
 */
export function parseJsonKeepingNumberText(text: string): unknown {
  if (!MAY_LOSE_DIGITS.test(text)) return JSON.parse(text);
  return parseWithSource(text, function remember(this: unknown, key, value, context) {
    const source = context?.source;
    if (typeof value === "number" && source !== undefined && source !== String(value)) {
      const holder = this as object;
      let texts = numberTexts.get(holder);
      if (texts === undefined) {
        texts = new Map();
        numberTexts.set(holder, texts);
      }
      texts.set(key, source);
      anyKept = true;
    }
    return value;
  });
}

/**
 * The JSON source text of `value`, the number found at `holder[key]`, when it was parsed by
 * {@link parseJsonKeepingNumberText} and its text says more than the double; otherwise `undefined` (use
 * `String(value)`). A text that no longer reads as `value` (the property was changed since) is not returned.
 */
export function numberTextAt(holder: object, key: string | number, value: number): string | undefined {
  if (!anyKept) return undefined;
  const texts = numberTexts.get(holder);
  if (texts === undefined) return undefined;
  const text = texts.get(typeof key === "number" ? String(key) : key);
  return text !== undefined && Number(text) === value ? text : undefined;
}

/**
 * Lets `copy`, a shallow copy of `original`, answer {@link numberTextAt} for the number properties it took over
 * (properties changed on the copy are not affected: their text no longer reads as their value).
 */
export function shareNumberText(original: object, copy: object): void {
  const texts = numberTexts.get(original);
  if (texts !== undefined) numberTexts.set(copy, texts);
}
