import { describe, expect, it } from "vitest";
import { parseContactsCsv } from "../../../lib/useCases/identity/importContacts";

describe("parseContactsCsv", () => {
  it("reads phone, external ID and name when the header uses common CRM column names", () => {
    const { rows, problems } = parseContactsCsv(
      "Phone Number,CRM_ID,Full Name\n+44 7700 900123,crm-1,Ada Lovelace\n14255551234,crm-2,\n",
    );
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { line: 2, phone: "+447700900123", externalId: "crm-1", name: "Ada Lovelace" },
      { line: 3, phone: "+14255551234", externalId: "crm-2", name: null },
    ]);
  });

  it("reports bad rows with their line numbers and keeps the good ones", () => {
    const csv = [
      "phone,name",
      "+447700900123,Ada",
      "not-a-number,Bob",
      ",Carol",
      "+447700900123,Dup",
      "+33612345678,Eve",
    ];
    const { rows, problems } = parseContactsCsv(csv.join("\n"));
    expect(rows.map((r) => r.line)).toEqual([2, 6]);
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(problems[0]?.reason).toMatch(/not a valid/);
    expect(problems[2]?.reason).toMatch(/same phone as line 2/);
  });

  it("reads national numbers when a default country is given", () => {
    const { rows } = parseContactsCsv("phone\n07700 900123\n", "GB");
    expect(rows[0]?.phone).toBe("+447700900123");
    expect(parseContactsCsv("phone\n07700 900123\n").problems[0]?.reason).toMatch(/--country/);
  });

  it("reads bare national digits and the 00 international prefix when a default country is given", () => {
    const { rows, problems } = parseContactsCsv("phone\n07700900124\n00447700900456\n14255551234\n", "GB");
    expect(problems).toEqual([]);
    expect(rows.map((row) => row.phone)).toEqual(["+447700900124", "+447700900456", "+14255551234"]);
  });

  it.each([
    ["semicolons", "Phone;External ID;Name\n07700 900123;crm-1;Lovelace, Ada\n+14255551234;crm-2;Bob\n"],
    ["tabs", "phone\texternalId\tname\n07700 900123\tcrm-1\tLovelace, Ada\n+14255551234\tcrm-2\tBob\n"],
    ["commas and quotes", 'phone,externalId,name\n07700 900123,crm-1,"Lovelace, Ada"\n+14255551234,crm-2,Bob\n'],
  ])("reads a file separated by %s", (_, csv) => {
    const { rows, problems } = parseContactsCsv(csv, "GB");
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { line: 2, phone: "+447700900123", externalId: "crm-1", name: "Lovelace, Ada" },
      { line: 3, phone: "+14255551234", externalId: "crm-2", name: "Bob" },
    ]);
  });

  it("reports a second row with the external ID of an earlier one and keeps the first", () => {
    const { rows, problems } = parseContactsCsv("phone,externalId\n+447700900123,crm-1\n+447700900456,crm-1\n");
    expect(rows.map((row) => row.phone)).toEqual(["+447700900123"]);
    expect(problems).toEqual([{ line: 3, reason: 'same external ID "crm-1" as line 2; the first one was kept' }]);
  });

  it("shows the rejected value masked, never whole", () => {
    const { problems } = parseContactsCsv("phone\n077009001234567\n+447700900123\n+44 7700 900123\n", "GB");
    expect(problems).toEqual([
      { line: 2, reason: "phone is not a valid number (got 07**********567)" },
      { line: 4, reason: "same phone as line 3 (+44*******123); the first one was kept" },
    ]);
    const long = parseContactsCsv(`phone\n${"9".repeat(300)}\n`).problems[0]?.reason ?? "";
    expect(long).toContain("(300 characters)");
    expect(long).not.toContain("9".repeat(10));
  });

  it("reports a missing phone column on line 1", () => {
    expect(parseContactsCsv("email\na@example.com\n").problems).toEqual([
      { line: 1, reason: expect.stringMatching(/No phone column/) },
    ]);
  });

  it("reports a broken CSV instead of throwing", () => {
    const { problems } = parseContactsCsv('phone,name\n"+447700900123,Ada\n');
    expect(problems[0]?.reason).toMatch(/not valid CSV/);
  });
});
