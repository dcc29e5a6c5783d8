import type { CountryCode } from "libphonenumber-js";
import { describe, expect, it } from "vitest";
import { parsePhoneNumber, toAcsDigits, tryParsePhoneNumber } from "../../../lib/core/values/PhoneNumber";

describe("tryParsePhoneNumber", () => {
  it.each([
    ["ACS digits, US", "14255551234", "+14255551234"],
    ["ACS digits, GB", "447700900123", "+447700900123"],
    ["E.164 with +", "+14255551234", "+14255551234"],
    ["international, spaced", "+44 7700 900123", "+447700900123"],
    ["00 prefix", "0044 7700 900123", "+447700900123"],
    ["00 prefix, bare digits", "00447700900456", "+447700900456"],
    ["surrounding blanks", "  14255551234 ", "+14255551234"],
    ["a shared calling code (+1, Jamaica)", "18765550123", "+18765550123"],
    ["a possible number outside the known ranges", "+14250000000", "+14250000000"],
  ])("reads %s", (_, input, expected) => {
    expect(tryParsePhoneNumber(input)).toBe(expected);
  });

  it.each([
    ["empty", ""],
    ["blank", "   "],
    ["too short", "1425"],
    ["too long", "1425555123412345"],
    ["no such calling code", "+9991234567"],
    ["letters", "+1425CALLNOW"],
    ["over 40 characters", `+1${"4".repeat(45)}`],
    ["a national number without a default country", "(425) 555-1234"],
    ["not a string", 14255551234],
  ])("refuses %s", (_, input) => {
    expect(tryParsePhoneNumber(input)).toBeUndefined();
  });

  it("reads national numbers with a default country", () => {
    expect(tryParsePhoneNumber("(425) 555-1234", "US")).toBe("+14255551234");
    expect(tryParsePhoneNumber("07700 900123", "GB")).toBe("+447700900123");
  });

  it.each([
    ["bare national digits", "07700900124", "GB", "+447700900124"],
    ["national digits without the trunk 0", "7700900124", "GB", "+447700900124"],
    ["bare national digits, FR", "0612345678", "FR", "+33612345678"],
    ["bare national digits, US", "4255551234", "US", "+14255551234"],
    ["the country's 00 prefix", "00447700900456", "GB", "+447700900456"],
    ["the country's 011 prefix", "011447700900123", "US", "+447700900123"],
    ["the 00 prefix from a country whose prefix is 011", "00447700900456", "US", "+447700900456"],
    ["the country's calling code without +", "447700900123", "GB", "+447700900123"],
    ["another country's number as ACS digits", "14255551234", "GB", "+14255551234"],
    ["another country's number with +", "+14255551234", "GB", "+14255551234"],
  ])("reads %s with a default country (%s, %s)", (_, input, country, expected) => {
    expect(tryParsePhoneNumber(input, country as CountryCode)).toBe(expected);
  });

  it.each([
    ["too short", "0770", "GB"],
    ["letters", "07700CALLME", "GB"],
    ["no such calling code after 00", "00999123456", "GB"],
  ])("refuses %s with a default country", (_, input, country) => {
    expect(tryParsePhoneNumber(input, country as CountryCode)).toBeUndefined();
  });

  it("gives the same answer every time it reads the same input", () => {
    for (let round = 0; round < 3; round++) {
      expect(tryParsePhoneNumber("14255551234")).toBe("+14255551234");
      expect(tryParsePhoneNumber("+9991234567")).toBeUndefined();
    }
  });

  it("keeps answering correctly after more distinct numbers than it remembers", () => {
    const inputs = Array.from({ length: 10_000 }, (_, i) => `1425${String(2_000_000 + i).padStart(7, "0")}`);
    const first = inputs.map((input) => tryParsePhoneNumber(input));
    expect(first.every((phone, i) => phone === `+${inputs[i]}`)).toBe(true);
    // The earliest inputs have been pushed out by now; they are parsed afresh, to the same answers.
    expect(inputs.slice(0, 100).map((input) => tryParsePhoneNumber(input))).toEqual(first.slice(0, 100));
    expect(tryParsePhoneNumber("+9991234567")).toBeUndefined();
  });
});

describe("parsePhoneNumber", () => {
  it("throws a validation error naming the field when the number is not valid", () => {
    expect(() => parsePhoneNumber("12", "recipient.phone")).toThrow(/recipient\.phone must be a valid/);
    expect(() => parsePhoneNumber("0770", "phone", "GB")).toThrow(/phone must be a phone number of GB/);
  });

  it("returns the E.164 number, which toAcsDigits writes without the +", () => {
    expect(toAcsDigits(parsePhoneNumber("+44 7700 900123"))).toBe("447700900123");
  });
});
