import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../lib/core/errors";
import { countriesForCallingCode, expandCountrySenderPrefixes } from "../../../lib/domain/routing/expandCountry";

describe("expandCountrySenderPrefixes", () => {
  it("returns the phone and BSUID prefixes when the country is GB", () => {
    expect(expandCountrySenderPrefixes("GB")).toEqual({
      country: "GB",
      callingCode: "44",
      phonePrefix: "44",
      bsuidPrefix: "GB.",
      subjectPrefixes: ["advancedMessage/sender/44", "advancedMessage/sender/GB."],
      sharesCallingCodeWith: ["GG", "IM", "JE"],
    });
  });

  it("returns calling code 1 and 24 NANP neighbours when the country is US", () => {
    const us = expandCountrySenderPrefixes("US");
    expect(us.phonePrefix).toBe("1");
    expect(us.subjectPrefixes).toEqual(["advancedMessage/sender/1", "advancedMessage/sender/US."]);
    expect(us.sharesCallingCodeWith).toContain("CA");
    expect(us.sharesCallingCodeWith).toHaveLength(24);
  });

  it("returns the UK calling code with its own BSUID prefix when the country is Jersey", () => {
    const jersey = expandCountrySenderPrefixes("JE");
    expect(jersey.callingCode).toBe("44");
    expect(jersey.bsuidPrefix).toBe("JE.");
    expect(jersey.sharesCallingCodeWith).toEqual(["GB", "GG", "IM"]);
  });

  it("upper-cases the country when it is given in lower case", () => {
    expect(expandCountrySenderPrefixes("de").subjectPrefixes).toEqual([
      "advancedMessage/sender/49",
      "advancedMessage/sender/DE.",
    ]);
  });

  it.each(["ZZ", "GBR", "", "G", "1A"])("throws ValidationError when the country is %j", (country) => {
    expect(() => expandCountrySenderPrefixes(country)).toThrow(ValidationError);
    expect(() => expandCountrySenderPrefixes(country)).toThrow(/ISO 3166 alpha-2/);
  });

  it("throws with code unknown_country when the country is unknown", () => {
    try {
      expandCountrySenderPrefixes("XX");
      expect.unreachable("expandCountrySenderPrefixes accepted XX");
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe("unknown_country");
      expect((error as ValidationError).field).toBe("country");
    }
  });
});

describe("countriesForCallingCode", () => {
  it("returns the four countries when the code is 44", () => {
    expect(countriesForCallingCode("44")).toEqual(["GB", "GG", "IM", "JE"]);
  });

  it("returns the whole NANP when the code is 1", () => {
    const nanp = countriesForCallingCode("1");
    expect(nanp).toEqual(expect.arrayContaining(["US", "CA", "JM", "PR"]));
    expect(nanp).toHaveLength(25);
    expect(nanp).toEqual([...nanp].sort());
  });

  it("accepts a leading + when the code is written +7", () => {
    expect(countriesForCallingCode("+7")).toEqual(["KZ", "RU"]);
  });

  it("returns an empty list when the code belongs to no country", () => {
    expect(countriesForCallingCode("800")).toEqual([]);
    expect(countriesForCallingCode("999")).toEqual([]);
  });

  it.each(["", "abc", "0", "1234", "+", "44 "])("throws ValidationError when the code is %j", (code) => {
    expect(() => countriesForCallingCode(code)).toThrow(ValidationError);
  });
});
