import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  numberTextAt,
  parseJsonKeepingNumberText,
  shareNumberText,
} from "../../lib/eventGridFilter/parseJsonKeepingNumberText";
import { fixtureNames } from "../support/fixtures";

const FIXTURES = join(__dirname, "..", "fixtures", "events", "acs-events");

describe("parseJsonKeepingNumberText", () => {
  it.each(fixtureNames())("gives what JSON.parse gives when it reads the fixture event %s", (name) => {
    const text = readFileSync(join(FIXTURES, name), "utf8");
    expect(parseJsonKeepingNumberText(text)).toEqual(JSON.parse(text));
    // The same event next to a long number, so the source-keeping path reads it too.
    const withLongNumber = `{"event":${text},"n":0.10000000000000001}`;
    expect(parseJsonKeepingNumberText(withLongNumber)).toEqual(JSON.parse(withLongNumber));
  });

  it.each<[string, string, string, string | number, number, string | undefined]>([
    ["a long decimal", '{"n":0.10000000000000001}', "", "n", 0.1, "0.10000000000000001"],
    ["an integer beyond 2^53", '{"n":9007199254740993}', "", "n", 9007199254740992, "9007199254740993"],
    ["an array element", '{"a":[1, 0.10000000000000001]}', "a", 1, 0.1, "0.10000000000000001"],
    ["an exponent beyond the double range", '{"n":1e400,"pad":1234567890123456}', "", "n", Infinity, "1e400"],
    ["a short decimal next to a long one", '{"n":0.5,"m":0.10000000000000001}', "", "n", 0.5, undefined],
    ["a double's own shortest text", '{"n":0.30000000000000004}', "", "n", 0.30000000000000004, undefined],
    ["a long digit run inside a string only", '{"s":"12345678901234567","n":0.1}', "", "n", 0.1, undefined],
  ])("returns the source text when the JSON holds %s", (_when, text, path, key, value, expected) => {
    const parsed = parseJsonKeepingNumberText(text) as Record<string, unknown>;
    const holder = (path === "" ? parsed : parsed[path]) as Record<string | number, unknown>;
    expect(holder[key]).toBe(value);
    expect(numberTextAt(holder, key, value)).toBe(expected);
  });

  it("returns no text when the number was changed after parsing", () => {
    const parsed = parseJsonKeepingNumberText('{"n":0.10000000000000001}') as { n: number };
    parsed.n = 2;
    expect(numberTextAt(parsed, "n", 2)).toBeUndefined();
  });

  it("lets a shallow copy answer for the numbers it took over when shareNumberText links them", () => {
    const parsed = parseJsonKeepingNumberText('{"n":0.10000000000000001,"m":9007199254740993}') as Record<
      string,
      number
    >;
    const copy = { ...parsed, m: 5 };
    expect(numberTextAt(copy, "n", 0.1)).toBeUndefined();
    shareNumberText(parsed, copy);
    expect(numberTextAt(copy, "n", 0.1)).toBe("0.10000000000000001");
    expect(numberTextAt(copy, "m", 5)).toBeUndefined();
  });

  it.each(["{", '{"n":0.10000000000000001', "not json"])(
    "throws JSON.parse's SyntaxError when the text is %s",
    (text) => {
      expect(() => parseJsonKeepingNumberText(text)).toThrow(SyntaxError);
    },
  );
});
