import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../lib/core/errors";
import {
  ADVANCED_FILTER_OPERATOR_TYPES,
  EVENT_GRID_FILTER_LIMITS,
} from "../../lib/eventGridFilter/evaluateEventGridFilter";
import { findAppRoot } from "../../lib/app/findAppRoot";
import { loadRoutesFile, parseRoutes, resolveRoutesPath } from "../../lib/app/loadRoutes";
import { ROUTE_ACTION_TYPES } from "../../lib/domain/routing/routes";
import { countryOfPhone, senderCountryOf } from "../../lib/domain/routing/senderCountry";
import {
  senderCountriesAdvancedFilter,
  senderCountrySubjectPrefixes,
  withSenderCountries,
} from "../../lib/domain/routing/senderCountryFilter";
import { routesFile } from "../../lib/schemaValidation/compiledRoutesValidator";
import { schemaProblems, type CompiledValidator } from "../../lib/schemaValidation/describeSchemaErrors";

const ROOT = join(__dirname, "..", "..");
const ROUTES_SCHEMA = join(ROOT, "schemas", "routes.schema.json");
const validateRoutesFile = routesFile as unknown as CompiledValidator;
const FILTER_SCHEMA = join(ROOT, "schemas", "eventGridFilter.schema.json");

describe("senderCountrySubjectPrefixes", () => {
  const cases: { countries: string[]; expected: string[] }[] = [
    { countries: ["GB"], expected: ["advancedMessage/sender/44", "advancedMessage/sender/GB."] },
    {
      countries: ["GB", "JE"],
      expected: ["advancedMessage/sender/44", "advancedMessage/sender/GB.", "advancedMessage/sender/JE."],
    },
    {
      countries: ["us", "CA", "IN"],
      expected: [
        "advancedMessage/sender/1",
        "advancedMessage/sender/91",
        "advancedMessage/sender/US.",
        "advancedMessage/sender/CA.",
        "advancedMessage/sender/IN.",
      ],
    },
  ];

  it.each(cases)("lists phone prefixes once, then BSUID prefixes, when the countries are $countries", (c) => {
    expect(senderCountrySubjectPrefixes(c.countries)).toEqual(c.expected);
  });

  it.each([[[]], [["ZZ"]], [["GB", "UK"]]])("throws ValidationError when the countries are %j", (countries) => {
    expect(() => senderCountrySubjectPrefixes(countries)).toThrow(ValidationError);
  });

  it("adds the BSUID prefixes of every country sharing the calling code when callingCodeArea is set", () => {
    expect(senderCountrySubjectPrefixes(["GB"], { callingCodeArea: true })).toEqual([
      "advancedMessage/sender/44",
      "advancedMessage/sender/GB.",
      "advancedMessage/sender/GG.",
      "advancedMessage/sender/IM.",
      "advancedMessage/sender/JE.",
    ]);
    // Calling code 1 is 25 countries: one value over Event Grid's limit, which the caller must check.
    expect(senderCountrySubjectPrefixes(["US"], { callingCodeArea: true })).toHaveLength(26);
  });

  it("builds one StringBeginsWith filter on subject when asked for an advanced filter", () => {
    expect(senderCountriesAdvancedFilter(["DE"])).toEqual({
      operatorType: "StringBeginsWith",
      key: "subject",
      values: ["advancedMessage/sender/49", "advancedMessage/sender/DE."],
    });
  });

  it("appends to the filter's advanced filters without changing the filter when combined", () => {
    const filter = { advancedFilters: [{ operatorType: "IsNotNull" as const, key: "data.content" }] };
    const combined = withSenderCountries(filter, ["BR"]);
    expect(combined.advancedFilters).toHaveLength(2);
    expect(filter.advancedFilters).toHaveLength(1);
  });
});

describe("senderCountryOf", () => {
  const cases: { when: string; data: Record<string, unknown>; expected: string | undefined }[] = [
    { when: "the sender has a BSUID", data: { from: "447797123456", fromBSUID: "GB.123" }, expected: "GB" },
    { when: "the sender has a parent BSUID", data: { from: "", fromBSUID: "US.ENT.118" }, expected: "US" },
    { when: "a Jersey number has no BSUID", data: { from: "447797123456" }, expected: "JE" },
    { when: "a number is in a range libphonenumber cannot place", data: { from: "447700900123" }, expected: "GB" },
    { when: "a NANP number is from Canada", data: { from: "16045551234", fromBSUID: null }, expected: "CA" },
    { when: "there is no sender at all", data: { from: "", fromBSUID: "" }, expected: undefined },
  ];
  it.each(cases)("returns $expected when $when", ({ data, expected }) => {
    expect(senderCountryOf({ eventType: "x", data })).toBe(expected);
    expect(senderCountryOf({ specversion: "1.0", type: "x", data })).toBe(expected);
  });

  it("returns undefined for a string that is no possible phone number", () => {
    expect(countryOfPhone("12")).toBeUndefined();
  });
});

describe("parseRoutes", () => {
  it("folds senderCountries into the filter and defaults stopProcessing to false when the route is valid", () => {
    const { routes, problems } = parseRoutes({
      routes: [
        {
          name: "uk",
          filter: { includedEventTypes: ["Microsoft.Communication.AdvancedMessageReceived"] },
          senderCountries: ["gb"],
          actions: [{ type: "forward" }, { type: "reply", message: { kind: "text", text: "Hi" } }],
        },
      ],
    });
    expect(problems).toEqual([]);
    expect(routes).toEqual([
      {
        name: "uk",
        filter: {
          includedEventTypes: ["Microsoft.Communication.AdvancedMessageReceived"],
          advancedFilters: [
            {
              operatorType: "StringBeginsWith",
              key: "subject",
              values: ["advancedMessage/sender/44", "advancedMessage/sender/GB."],
            },
          ],
        },
        senderCountries: ["GB"],
        actions: [{ type: "forward" }, { type: "reply", message: { kind: "text", text: "Hi" } }],
        stopProcessing: false,
      },
    ]);
  });

  interface BadCase {
    when: string;
    file: unknown;
    problem: string | RegExp;
  }
  const route = (extra: Record<string, unknown>) => ({
    routes: [{ name: "r1", actions: [{ type: "store" }], ...extra }],
  });
  const bad: BadCase[] = [
    { when: "the file is an array", file: [], problem: /must be a JSON object/ },
    { when: "routes is missing", file: {}, problem: "routes: must be an array of routes (it may be empty)" },
    { when: "a top-level property is unknown", file: { routes: [], route: [] }, problem: /^route: is not a property/ },
    {
      when: "a filter operator is misspelt",
      file: route({
        filter: { advancedFilters: [{ operatorType: "StringBeginWith", key: "subject", values: ["x"] }] },
      }),
      problem: /^route "r1" \(routes\[0\]\): filter\.advancedFilters\[0\]\.operatorType: must be one of the 19/,
    },
    {
      when: "a filter has 26 values",
      file: route({
        filter: {
          advancedFilters: [
            { operatorType: "StringIn", key: "data.content", values: Array.from({ length: 26 }, (_, i) => `v${i}`) },
          ],
        },
      }),
      problem: /^route "r1" \(routes\[0\]\): filter\.advancedFilters: has 26 filter values in all/,
    },
    {
      when: "senderCountries pushes the filter over 25 values",
      file: route({
        filter: {
          advancedFilters: [
            { operatorType: "StringIn", key: "data.content", values: Array.from({ length: 24 }, (_, i) => `v${i}`) },
          ],
        },
        senderCountries: ["GB"],
      }),
      problem: /^route "r1" \(routes\[0\]\): senderCountries: expands into 2 subject prefixes.*split the countries/,
    },
    {
      when: "a country is unknown",
      file: route({ senderCountries: ["GB", "XX"] }),
      problem: /^route "r1" \(routes\[0\]\): senderCountries\[1\]: country must be an ISO 3166/,
    },
    {
      when: "includedEventTypes leaves AdvancedMessageReceived out",
      file: route({ filter: { includedEventTypes: ["Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated"] } }),
      problem: /filter\.includedEventTypes: routes only ever see Microsoft\.Communication\.AdvancedMessageReceived/,
    },
    { when: "actions is empty", file: route({ actions: [] }), problem: /actions: must be a non-empty array/ },
    {
      when: "an action type is unknown",
      file: route({ actions: [{ type: "email" }] }),
      problem: /actions\[0\]\.type: must be one of store, reply, forward/,
    },
    {
      when: "forward is listed twice",
      file: route({ actions: [{ type: "forward" }, { type: "forward" }] }),
      problem: /actions\[1\]\.type: forward is already listed/,
    },
    {
      when: "a reply text is empty",
      file: route({ actions: [{ type: "reply", message: { kind: "text", text: "" } }] }),
      problem: /actions\[0\]\.message\.text/,
    },
    {
      when: "a reply is an image",
      file: route({ actions: [{ type: "reply", message: { kind: "image", mediaUrl: "https://example.com/a.png" } }] }),
      problem: /actions\[0\]\.message\.kind: a route reply must be a text or a template/,
    },
    {
      when: "stopProcessing is misspelt",
      file: route({ stopProccessing: true }),
      problem: /^route "r1" \(routes\[0\]\): stopProccessing: is not a property of a route/,
    },
    {
      when: "a name has a slash",
      file: { routes: [{ name: "uk/sales", actions: [{ type: "store" }] }] },
      problem: /name: must be 1-64 letters/,
    },
    {
      when: "two names differ only in case",
      file: {
        routes: [
          { name: "Sales", actions: [{ type: "store" }] },
          { name: "sales", actions: [{ type: "store" }] },
        ],
      },
      problem: /^route "sales" \(routes\[1\]\): name: is already used by routes\[0\]/,
    },
  ];

  it.each(bad)("names the route and path when $when", ({ file, problem }) => {
    const result = parseRoutes(file);
    expect(result.problems.length).toBeGreaterThan(0);
    expect(result.problems.some((p) => (typeof problem === "string" ? p === problem : problem.test(p)))).toBe(true);
  });

  it("reports every problem of every route at once when several are wrong", () => {
    const { problems } = parseRoutes({
      routes: [
        { name: "a", actions: [] },
        { name: "b", senderCountries: ["XX"], actions: [{ type: "store" }] },
        { name: "c", filter: { subjectBeginsWith: 5 }, actions: [{ type: "store" }] },
      ],
    });
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      'route "a" (routes[0])',
      'route "b" (routes[1])',
      'route "c" (routes[2])',
    ]);
  });
});

describe("routes files", () => {
  it.each([["routes.json"], ["samples/routes/routes.example.json"]])(
    "loads %s without problems and it validates against the published schema",
    (file) => {
      const path = join(ROOT, file);
      expect(loadRoutesFile(path).problems).toEqual([]);
      expect(schemaProblems(validateRoutesFile, JSON.parse(readFileSync(path, "utf8")))).toEqual([]);
    },
  );

  it("is refused by the schema too when a route has an invalid filter, a bad action or an unknown property", () => {
    for (const file of [
      {
        routes: [
          {
            name: "x",
            actions: [{ type: "store" }],
            filter: { advancedFilters: [{ operatorType: "StringIn", key: "a" }] },
          },
        ],
      },
      { routes: [{ name: "x", actions: [{ type: "reply" }] }] },
      { routes: [{ name: "x", actions: [{ type: "store" }], stopProccessing: true }] },
      { routes: [{ name: "x", actions: [{ type: "store" }], senderCountries: [] }] },
    ]) {
      expect(parseRoutes(file).problems.length, JSON.stringify(file)).toBeGreaterThan(0);
      expect(schemaProblems(validateRoutesFile, file).length, JSON.stringify(file)).toBeGreaterThan(0);
    }
  });

  it("states the engine's operators and limits in the filter schema", () => {
    const schema = JSON.parse(readFileSync(FILTER_SCHEMA, "utf8")) as {
      properties: { advancedFilters: { maxItems: number } };
      definitions: Record<
        string,
        {
          properties?: {
            operatorType: { enum?: string[]; const?: string };
            values?: { items?: { maxLength?: number } };
          };
        }
      >;
    };
    const operators = Object.values(schema.definitions).flatMap((definition) => {
      const type = definition.properties?.operatorType;
      return type?.enum ?? (type?.const ? [type.const] : []);
    });
    expect(operators.sort()).toEqual([...ADVANCED_FILTER_OPERATOR_TYPES].sort());
    expect(schema.properties.advancedFilters.maxItems).toBe(EVENT_GRID_FILTER_LIMITS.maxAdvancedFilters);
    expect(schema.definitions.stringFilter!.properties!.values!.items!.maxLength).toBe(
      EVENT_GRID_FILTER_LIMITS.maxStringValueLength,
    );
    const routes = JSON.parse(readFileSync(ROUTES_SCHEMA, "utf8")) as { definitions: Record<string, unknown> };
    expect(Object.keys(routes.definitions).filter((name) => name.endsWith("Action") && name !== "action")).toEqual(
      ROUTE_ACTION_TYPES.map((type) => `${type}Action`),
    );
  });

  it("reports a missing file and broken JSON with the file's path when loading", () => {
    const directory = mkdtempSync(join(tmpdir(), "routes-"));
    const broken = join(directory, "broken.json");
    writeFileSync(broken, "{ routes: [");
    expect(loadRoutesFile(join(directory, "missing.json")).problems).toEqual([
      `routes file ${join(directory, "missing.json")}: cannot be read (ENOENT)`,
    ]);
    expect(loadRoutesFile(broken).problems[0]).toMatch(new RegExp(`^routes file ${broken}: is not valid JSON`));
  });

  it("finds the app root by host.json and resolves relative paths there when AzureWebJobsScriptRoot is not set", () => {
    const root = findAppRoot({}, join(ROOT, "lib", "app"), "/nowhere");
    expect(root).toBe(ROOT);
    expect(findAppRoot({ AzureWebJobsScriptRoot: "/home/site/wwwroot" })).toBe("/home/site/wwwroot");
    expect(resolveRoutesPath("routes.json", root)).toBe(join(ROOT, "routes.json"));
    expect(resolveRoutesPath("/etc/routes.json", root)).toBe("/etc/routes.json");
  });
});
