import { describe, expect, it } from "vitest";
import { compareEventGridNumbers, fitsEventGridDecimal } from "../../lib/eventGridFilter/compareEventGridNumbers";

const MAX = "79228162514264337593543950335";

describe("compareEventGridNumbers", () => {
  it.each<[string, number, string | undefined, number, string | undefined, -1 | 0 | 1 | undefined]>([
    ["two equal doubles", 0.1, undefined, 0.1, undefined, 0],
    ["a double below another", 0.1, undefined, 0.2, undefined, -1],
    ["0.10000000000000001 against 0.1", 0.1, "0.10000000000000001", 0.1, undefined, 1],
    [
      "9007199254740992 against 9007199254740993",
      9007199254740992,
      undefined,
      9007199254740992,
      "9007199254740993",
      -1,
    ],
    ["1e-30, which rounds to zero, against 0", 1e-30, undefined, 0, undefined, 0],
    ["-0 against 0", -0, undefined, 0, undefined, 0],
    ["a 30th significant digit against 1", 1, "1.00000000000000000000000000001", 1, undefined, 0],
    [
      "a 29th decimal place of 5 after an even digit (ties to even)",
      0.1,
      "0.10000000000000000000000000005",
      0.1,
      undefined,
      0,
    ],
    [
      "a 29th decimal place of 5 after an odd digit (ties to even)",
      0.1,
      "0.10000000000000000000000000015",
      0.1,
      "0.1000000000000000000000000002",
      0,
    ],
    ["the decimal maximum against 0", 7.922816251426434e28, MAX, 0, undefined, 1],
    [
      "the decimal maximum plus 0.4 against the maximum",
      7.922816251426434e28,
      `${MAX}.4`,
      7.922816251426434e28,
      MAX,
      0,
    ],
    ["the decimal maximum plus 0.5, which rounds past it", 7.922816251426434e28, `${MAX}.5`, 0, undefined, undefined],
    ["1e30 against 0", 1e30, undefined, 0, undefined, undefined],
    ["0 against -1e30", 0, undefined, -1e30, undefined, undefined],
  ])("compares as .NET decimals when given %s", (_when, left, leftText, right, rightText, expected) => {
    expect(compareEventGridNumbers(left, leftText, right, rightText)).toBe(expected);
  });

  it("orders doubles as their decimals when neither has a source text, across the magnitudes compared as doubles", () => {
    // A fixed pseudo-random sample of doubles from about 1e-13 to 1e28, each pair compared with and without its text.
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const sample = Array.from({ length: 400 }, () => (next() - 0.5) * 10 ** Math.floor(next() * 41 - 12));
    sample.push(1e-11, -1e-11, 9.99999999999999e27, 1e28, 0.1 + 0.2, 0.3, 123456789.1234568);
    for (let index = 1; index < sample.length; index++) {
      const a = sample[index - 1]!;
      const b = sample[index]!;
      expect(compareEventGridNumbers(a, undefined, b, undefined)).toBe(
        compareEventGridNumbers(a, String(a), b, String(b)),
      );
    }
  });
});

describe("fitsEventGridDecimal", () => {
  it.each<[string, number, string | undefined, boolean]>([
    ["the decimal maximum", 7.922816251426434e28, MAX, true],
    ["minus the decimal maximum", -7.922816251426434e28, `-${MAX}`, true],
    ["2^96, one above the maximum", 7.922816251426434e28, "79228162514264337593543950336", false],
    ["1e30", 1e30, undefined, false],
    ["1e-30, which rounds to zero", 1e-30, undefined, true],
    ["an everyday number", 42.5, undefined, true],
  ])("answers %s", (_when, value, text, expected) => {
    expect(fitsEventGridDecimal(value, text)).toBe(expected);
  });
});
