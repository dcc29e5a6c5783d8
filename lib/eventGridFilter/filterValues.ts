/** Small value helpers shared by the filter's evaluation and validation. */

/** A value a filter compares: a string, a finite number or a boolean. */
export type Scalar = string | number | boolean;

/** Upper-cases character by character so lengths never change (`ß` stays `ß`), like .NET's OrdinalIgnoreCase. */
export function foldCase(text: string): string {
  // Plain ASCII is by far the common case and needs no per-character work.
  if (/^[\x20-\x7e]*$/.test(text)) return text.toUpperCase();
  let folded = "";
  for (const char of text) {
    const upper = char.toUpperCase();
    folded += upper.length === char.length ? upper : char;
  }
  return folded;
}

/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value a filter can compare: a string, a boolean or a finite number. */
export function isScalar(value: unknown): value is Scalar {
  return typeof value === "string" || typeof value === "boolean" || isFiniteNumber(value);
}

/** A number that is neither NaN nor infinite. */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Present and not null: ARM writes unset filter properties as null. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A value as an error message names it, short enough for one line. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? `a string of ${value.length} characters` : `"${value}"`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
