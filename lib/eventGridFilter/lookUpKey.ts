import { foldCase, isObject } from "./filterValues";

/** A key's value and where it was found (`holder[name]`), which is where a number's JSON text is kept. */
export type Lookup = { found: false } | { found: true; value: unknown; holder: object; name: string };

const NOT_FOUND: Lookup = { found: false };

/**
 * Finds a filter key (`data.a.b`) in an event: each dot steps into an object, and a property is found by exact name
 * first, then case-insensitively. There is no escape for dots inside property names.
 */
export function lookUp(event: Record<string, unknown>, key: string): Lookup {
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
