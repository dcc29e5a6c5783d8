/**
 * Number comparison as Event Grid does it: "Event Grid uses the decimal .NET type to handle all numeric values" (Microsoft
 * Learn, "Advanced filtering", Event Grid on IoT Edge, section "Floating-point rounding behavior"). A .NET `decimal` is
 * a 96-bit integer scaled by 10^0 to 10^28: 28-29 significant digits, at most 28 decimal places, magnitudes up to
 * 79,228,162,514,264,337,593,543,950,335 (Microsoft Learn, "System.Decimal struct").
 *
 * Reading a JSON number into that type follows .NET's decimal parsing (`Decimal.Parse`): a number with more digits than
 * the type holds is rounded to the nearest representable value, not truncated (.NET Framework 1.1 `Decimal.Parse`
 * remarks; [MS-NRBF] 2.1.1.7 "Decimal"); one beyond the range cannot be read (`Decimal.Parse` throws
 * `OverflowException`). Assumptions, as Microsoft publishes nothing more precise: "nearest" breaks ties to the even
 * digit (banker's rounding, as .NET's `Math.Round` does for decimals); a number so small that it rounds to zero at 28
 * decimal places reads as zero; and Event Grid reads both event and filter numbers from their JSON text that way, not
 * through a double (the docs' "aren't subject to floating point rounding behavior").
 *
 * @packageDocumentation
 */

import Big from "big.js";

/** A big.js constructor of our own, so settings made elsewhere cannot change ours; strict: built from strings only. */
const Decimal = Big();
Decimal.strict = true;

/** 2^96: every decimal's unscaled integer is below it. */
const UNSCALED_LIMIT = "79228162514264337593543950336";
const MAX_SCALE = 28;

/**
 * Doubles in this magnitude range compare exactly like the decimals Event Grid would read from their shortest
 * round-trip text: that text has at most 17 significant digits, so from 1e-11 up it needs at most 28 decimal places,
 * and below 1e28 it is under the decimal's maximum. Ordering is preserved because distinct doubles have distinct,
 * ordered shortest texts.
 */
const EXACT_BELOW = 1e28;
const EXACT_FROM = 1e-11;

/** Caps the cache of parsed texts; filter values repeat on every event, so they stay cached in practice. */
const CACHE_LIMIT = 512;
const cache = new Map<string, Big | null>();
const limits: (Big | undefined)[] = [];

/**
 * Compares two JSON numbers as .NET decimals: -1, 0 or 1, or `undefined` when either cannot be held by a decimal
 * (its magnitude is beyond 79,228,162,514,264,337,593,543,950,335).
 *
 * Each number is given as its double plus, when known, its JSON source text (see `numberTextAt`); without a text the
 * double's shortest round-trip text stands in (`String(value)`). Allocation-free when neither number has a source text
 * and both lie between 1e-11 and 1e28 in magnitude (or are zero): such doubles order exactly like their decimals.
 */
export function compareEventGridNumbers(
  left: number,
  leftText: string | undefined,
  right: number,
  rightText: string | undefined,
): -1 | 0 | 1 | undefined {
  if (leftText === undefined && rightText === undefined && isExactAsDouble(left) && isExactAsDouble(right)) {
    return left < right ? -1 : left > right ? 1 : 0;
  }
  const a = decimalOf(left, leftText);
  const b = decimalOf(right, rightText);
  if (a === null || b === null) return undefined;
  return a.cmp(b);
}

/**
 * Whether a JSON number (its double and, when known, its source text) can be held by a .NET decimal at all, i.e. its
 * magnitude is at most 79,228,162,514,264,337,593,543,950,335 after rounding.
 */
export function fitsEventGridDecimal(value: number, text: string | undefined): boolean {
  if (text === undefined && isExactAsDouble(value)) return true;
  return decimalOf(value, text) !== null;
}

function decimalOf(value: number, text: string | undefined): Big | null {
  if (text !== undefined) return toEventGridDecimal(text);
  return Number.isFinite(value) ? toEventGridDecimal(String(value)) : null;
}

function isExactAsDouble(value: number): boolean {
  const magnitude = Math.abs(value);
  return (magnitude >= EXACT_FROM && magnitude < EXACT_BELOW) || value === 0;
}

/**
 * The value a .NET decimal takes for the JSON number `text`: rounded (half to even) to the most decimal places, at most
 * 28, whose unscaled integer stays below 2^96; `null` when even 0 decimal places do not fit (overflow).
 */
function toEventGridDecimal(text: string): Big | null {
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  const exact = new Decimal(text);
  // exact.e is the power of ten of the leading digit; 29 digits in all is where the unscaled integer nears 2^96.
  let scale = Math.min(MAX_SCALE, Math.max(0, MAX_SCALE - exact.e));
  let result: Big | null = null;
  for (; scale >= 0; scale--) {
    const rounded = exact.round(scale, Decimal.roundHalfEven);
    const magnitude = rounded.s < 0 ? rounded.neg() : rounded;
    if (magnitude.lt(limitAt(scale))) {
      result = rounded;
      break;
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, result);
  return result;
}

/** 2^96 / 10^scale: the bound a decimal of that scale stays below. */
function limitAt(scale: number): Big {
  let limit = limits[scale];
  if (limit === undefined) {
    limit = new Decimal(`${UNSCALED_LIMIT}e-${scale}`);
    limits[scale] = limit;
  }
  return limit;
}
