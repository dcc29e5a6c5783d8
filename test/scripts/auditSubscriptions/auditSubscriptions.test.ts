import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  formatAuditReport,
  type AuditReport,
  type FindingKind,
  type SubscriptionAudit,
} from "../../../scripts/auditSubscriptions/auditReport";
import { auditSubscriptions } from "../../../scripts/auditSubscriptions/auditSubscriptions";
import {
  evaluateEventGridFilter,
  validateEventGridFilter,
  type EventGridFilter,
} from "../../../lib/eventGridFilter/evaluateEventGridFilter";
import { buildEventCorpus, type CorpusEvent } from "../../support/eventCorpus";

const ROOT = join(__dirname, "..", "..", "..");
const AZ_SAMPLE = join(ROOT, "samples", "subscriptions", "az-system-topic-event-subscriptions.json");
const ARM_SAMPLE = join(ROOT, "samples", "subscriptions", "arm-template.json");
const read = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));
const azReport = auditSubscriptions(read(AZ_SAMPLE));
const armReport = auditSubscriptions(read(ARM_SAMPLE));
const corpus = buildEventCorpus();
const RECEIVED = "Microsoft.Communication.AdvancedMessageReceived";

function summary(report: AuditReport): Record<string, string> {
  return Object.fromEntries(
    report.subscriptions.map((audit) => [
      audit.name,
      [audit.status, ...audit.findings.map((finding) => `${finding.kind}@${finding.part}`)].join(" "),
    ]),
  );
}

describe("auditSubscriptions on the sample az CLI output", () => {
  it("flags each subscription that goes silent with its cause and passes the clean ones", () => {
    expect(azReport.format).toBe("az-cli");
    expect(summary(azReport)).toEqual({
      "uk-sales": "silent calling-code-subject-prefix@filter.subjectBeginsWith",
      "vip-customer": "silent phone-subject-prefix@filter.subjectBeginsWith",
      "us-support": "silent phone-test-on-data-from@filter.advancedFilters[0]",
      "crm-known-phones": "silent requires-data-from@filter.advancedFilters[0]",
      "test-number-tail": "silent phone-subject-suffix@filter.subjectEndsWith",
      "gb-username-users": "silent case-sensitive-subject@filter.subjectBeginsWith",
      "no-india-marketing": "warning exclusion-bypassed@filter.advancedFilters[0]",
      "uk-delivery-statuses": "silent recipient-phone-filter@filter.advancedFilters[0]",
      "all-whatsapp": "ok",
      "sms-inbound": "not-relevant",
    });
    expect(azReport.exitCode).toBe(1);
  });

  it("says who goes silent in words a business can act on", () => {
    const affects = (name: string) => azReport.subscriptions.find((a) => a.name === name)!.findings[0]!.affects;
    expect(affects("uk-sales")).toBe("messages from users who hide their number (GB, GG, IM, JE)");
    expect(affects("crm-known-phones")).toBe(
      "messages from users who hide their number (every country) when data.from is null or missing",
    );
    expect(affects("vip-customer")).toBe("messages from the user with number 44*******123, once they hide it");
    expect(affects("uk-delivery-statuses")).toBe(
      "delivery statuses of messages sent to users who hide their number (GB, GG, IM, JE)",
    );
  });

  it("splits a rewrite over two subscriptions when the BSUID prefixes of calling code 1 exceed 25 values", () => {
    const rewrite = azReport.subscriptions.find((audit) => audit.name === "us-support")!.rewrite!;
    expect(rewrite.filters).toHaveLength(2);
    const values = rewrite.filters.flatMap((filter) =>
      (filter.advancedFilters ?? []).flatMap((advanced) => ("values" in advanced ? advanced.values.map(String) : [])),
    );
    expect(values).toHaveLength(26);
    expect(values).toContain("advancedMessage/sender/1");
    expect(values).toContain("advancedMessage/sender/US.");
    expect(rewrite.notes.join(" ")).toMatch(/split into 2 subscriptions/);
  });

  it("keeps full phone numbers out of every sentence of the report, and puts them only in the rewrite filters", () => {
    const prose = azReport.subscriptions.flatMap((audit) => [
      ...audit.findings.flatMap((finding) => [finding.affects, finding.why, finding.fix]),
      ...(audit.rewrite?.notes ?? []),
    ]);
    expect(prose.join("\n")).not.toMatch(/\d{7,}/);
  });
});

describe("auditSubscriptions on the sample ARM template", () => {
  it("finds child and top-level subscriptions and flags each problem", () => {
    expect(armReport.format).toBe("arm-template");
    expect(summary(armReport)).toEqual({
      "eu-sales": "silent calling-code-subject-prefix@filter.advancedFilters[0]",
      "hidden-number-leads": "silent requires-data-from@filter.advancedFilters[0]",
      "key-accounts": "silent phone-test-on-data-from@filter.advancedFilters[0]",
      "statuses-with-phone": "silent recipient-phone-filter@filter.advancedFilters[0]",
      "advanced-message-received": "ok",
    });
    expect(armReport.subscriptions.find((audit) => audit.name === "key-accounts")!.eventDeliverySchema).toBe(
      "CloudEventSchemaV1_0",
    );
  });

  it("narrows a whole number to the country libphonenumber places it in when it proposes BSUID prefixes", () => {
    const rewrite = armReport.subscriptions.find((audit) => audit.name === "key-accounts")!.rewrite!;
    expect(rewrite.filters).toEqual([
      {
        includedEventTypes: [RECEIVED],
        advancedFilters: [
          {
            operatorType: "StringBeginsWith",
            key: "subject",
            values: [
              "advancedMessage/sender/447700900123/",
              "advancedMessage/sender/14255551234/",
              "advancedMessage/sender/GB.",
              "advancedMessage/sender/GG.",
              "advancedMessage/sender/IM.",
              "advancedMessage/sender/JE.",
              "advancedMessage/sender/US.",
            ],
          },
        ],
      },
    ]);
  });
});

describe("auditSubscriptions when a rewrite matches more senders than the original", () => {
  /** A subscription as az CLI lists it, with only what the audit reads. */
  const subscription = (name: string, filter: Record<string, unknown>) => ({
    name,
    type: "Microsoft.EventGrid/systemTopics/eventSubscriptions",
    id: `/subscriptions/0f5a1c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b/resourceGroups/rg/providers/Microsoft.EventGrid/systemTopics/acs/eventSubscriptions/${name}`,
    eventDeliverySchema: "EventGridSchema",
    destination: { endpointType: "WebHook", endpointBaseUrl: "https://example.com/seattle" },
    filter: { includedEventTypes: [RECEIVED], ...filter },
  });
  const seattle = auditSubscriptions([
    subscription("seattle-area-codes", {
      advancedFilters: [
        {
          operatorType: "StringBeginsWith",
          key: "subject",
          values: ["advancedMessage/sender/1425", "advancedMessage/sender/1206"],
        },
      ],
    }),
    subscription("seattle-425", { subjectBeginsWith: "advancedMessage/sender/1425" }),
    subscription("all-nanp", { subjectBeginsWith: "advancedMessage/sender/1" }),
  ]);
  const audit = (name: string) => seattle.subscriptions.find((entry) => entry.name === name)!;

  it("says so, with the countries, when area codes become every country of their calling code", () => {
    for (const name of ["seattle-area-codes", "seattle-425"]) {
      const rewrite = audit(name).rewrite!;
      expect(rewrite.widens, name).toMatchObject({ countries: expect.arrayContaining(["US", "CA", "JM"]) });
      expect(rewrite.widens!.countries, name).toHaveLength(25);
      expect(rewrite.notes[0], name).toMatch(
        /^The rewrite matches more senders than the original: 1425(, 1206 pick|) .*\+1 .*all of 25 countries \(AG, /,
      );
    }
    expect(audit("seattle-area-codes").rewrite!.widens!.senderPrefixes).toEqual(["1425", "1206"]);
  });

  it("does not say so when the original already named a whole calling code", () => {
    const rewrite = audit("all-nanp").rewrite!;
    expect(rewrite.widens).toBeUndefined();
    expect(rewrite.notes.join(" ")).not.toContain("more senders");
  });

  it("prints it in the text report next to the proposed filter", () => {
    const text = formatAuditReport(seattle, "seattle.json");
    expect(text).toContain("  Note: The rewrite matches more senders than the original: 1425, 1206 pick out part");
    expect(text).toContain("BSUID senders from all of 25 countries");
  });
});

const flagged = [...azReport.subscriptions, ...armReport.subscriptions].filter((audit) => audit.findings.length > 0);
const allKinds: FindingKind[] = [
  "phone-subject-prefix",
  "calling-code-subject-prefix",
  "phone-subject-suffix",
  "requires-data-from",
  "phone-test-on-data-from",
  "recipient-phone-filter",
  "case-sensitive-subject",
  "exclusion-bypassed",
];

/** The corpus events a subscription would be sent: its event types (by the filter), its delivery schema. */
function eventsFor(audit: SubscriptionAudit): CorpusEvent[] {
  const schema = /^CloudEvent/.test(audit.eventDeliverySchema) ? "CloudEventSchemaV1_0" : "EventGridSchema";
  return corpus.filter((entry) => entry.schema === schema && entry.form !== "phone-only");
}

/**
 * Independent of the audit's own probes: with the test corpus, for every person, message type and schema, which forms
 * does `filters` deliver? Silence is a visible form delivered while a hidden one is not, or hidden forms disagreeing.
 */
function silences(filters: EventGridFilter[], events: CorpusEvent[]): string[] {
  const groups = new Map<string, Map<string, boolean>>();
  for (const entry of events) {
    const key = `${entry.fixture} ${entry.person.country}`;
    const forms = groups.get(key) ?? new Map<string, boolean>();
    forms.set(
      entry.form,
      filters.some((filter) => evaluateEventGridFilter(filter, entry.event)),
    );
    groups.set(key, forms);
  }
  const found: string[] = [];
  for (const [key, forms] of groups) {
    const hidden = [...forms].filter(([form]) => form !== "phone+bsuid").map(([, pass]) => pass);
    if (new Set(hidden).size > 1) found.push(`${key}: BSUID-only forms disagree`);
    if (forms.get("phone+bsuid") && hidden.some((pass) => !pass)) found.push(`${key}: BSUID-only sender dropped`);
  }
  return found;
}

describe("the audit's rewrites, run back through the filter engine", () => {
  it("cover every problem kind in the samples", () => {
    const kinds = new Set(flagged.flatMap((audit) => audit.findings.map((finding) => finding.kind)));
    expect([...kinds].sort()).toEqual([...allKinds].sort());
  });

  it.each(flagged.map((audit) => [audit.name, audit] as const))(
    "stay within Event Grid's limits and pass the audit's own check for %s",
    (_name, audit) => {
      expect(audit.rewrite!.problems).toEqual([]);
      expect(audit.rewrite!.verified).toBe(true);
      for (const filter of audit.rewrite!.filters) expect(validateEventGridFilter(filter)).toEqual([]);
    },
  );

  it.each(flagged.map((audit) => [audit.name, audit] as const))(
    "leave no sender form silent in the test corpus for %s, where the original did",
    (_name, audit) => {
      const events = eventsFor(audit);
      const original = audit.findings.some((finding) => finding.severity === "silent");
      const source = [...(read(AZ_SAMPLE) as { name: string; filter: unknown }[])].find((s) => s.name === audit.name);
      const caseOnly = audit.findings.every((finding) => finding.kind === "case-sensitive-subject");
      if (source && original && !caseOnly) {
        const filter = JSON.parse(JSON.stringify(source.filter, (_k, v: unknown) => (v === null ? undefined : v)));
        expect(silences([filter as EventGridFilter], events).length).toBeGreaterThan(0);
      }
      if (source && caseOnly) {
        // Lower-case "gb." never matches a BSUID case-sensitively: the original delivers nobody, the rewrite every GB
        // BSUID sender.
        const filter = source.filter as EventGridFilter;
        const gb = events.filter(
          (entry) => entry.kind === "received" && entry.person.country === "GB" && entry.form !== "phone+bsuid",
        );
        expect(gb.some((entry) => evaluateEventGridFilter(filter, entry.event))).toBe(false);
        expect(gb.every((entry) => audit.rewrite!.filters.some((f) => evaluateEventGridFilter(f, entry.event)))).toBe(
          true,
        );
      }
      expect(silences(audit.rewrite!.filters, events)).toEqual([]);
    },
  );

  it.each([
    ["uk-sales", "GB", true],
    ["uk-sales", "JE", true],
    ["uk-sales", "US", false],
    ["us-support", "US", true],
    ["vip-customer", "GB", true],
    ["crm-known-phones", "IN", true],
    ["no-india-marketing", "IN", false],
    ["no-india-marketing", "DE", true],
  ] as const)("makes %s match %s senders %s, phone and BSUID alike", (name, country, expected) => {
    const audit = azReport.subscriptions.find((a) => a.name === name)!;
    const events = eventsFor(audit).filter(
      (entry) =>
        entry.kind === "received" &&
        entry.person.country === country &&
        entry.fixture === "received-text-bsuid-only.json",
    );
    const results = events.map((entry) =>
      audit.rewrite!.filters.some((filter) => evaluateEventGridFilter(filter, entry.event)),
    );
    // vip-customer names one number: the GB corpus person has it, so their BSUID now arrives too.
    if (name === "vip-customer") expect(events.some((entry) => entry.person.phone === "447700900123")).toBe(true);
    expect(new Set(results)).toEqual(new Set([expected]));
  });
});

describe("auditSubscriptions on other inputs", () => {
  const legacy = { includedEventTypes: [RECEIVED], subjectBeginsWith: "advancedMessage/sender/44" };

  it.each([
    ["an az show object", { name: "one", filter: legacy, destination: { endpointType: "WebHook" } }, "az-cli"],
    ["an ARM REST list", { value: [{ name: "one", properties: { filter: legacy } }] }, "arm-rest"],
    [
      "a languageVersion 2.0 template with symbolic resources",
      {
        languageVersion: "2.0",
        resources: {
          sub: {
            type: "Microsoft.EventGrid/systemTopics/eventSubscriptions",
            name: "topic/one",
            properties: { filter: legacy },
          },
        },
      },
      "arm-template",
    ],
    [
      "a template with a nested deployment",
      {
        resources: [
          {
            type: "Microsoft.Resources/deployments",
            name: "inner",
            properties: {
              template: {
                resources: [
                  { type: "Microsoft.EventGrid/eventSubscriptions", name: "one", properties: { filter: legacy } },
                ],
              },
            },
          },
        ],
      },
      "arm-template",
    ],
  ])("reads %s and flags the phone prefix in it", (_what, input, format) => {
    const report = auditSubscriptions(input);
    expect(report.format).toBe(format);
    expect(report.subscriptions.map((audit) => `${audit.name} ${audit.status}`)).toEqual(["one silent"]);
    expect(report.exitCode).toBe(1);
  });

  it.each([["routes.json"], ["samples/routes/routes.example.json"]])("passes the routes in %s", (file) => {
    const report = auditSubscriptions(read(join(ROOT, file)));
    expect(report.format).toBe("routes-file");
    expect(report.subscriptions.map((audit) => audit.status).every((status) => status === "ok")).toBe(true);
  });

  it("flags a route whose own filter names a phone prefix, since routes see BSUID senders too", () => {
    const report = auditSubscriptions({
      routes: [
        { name: "uk", filter: { subjectBeginsWith: "advancedMessage/sender/44" }, actions: [{ type: "forward" }] },
      ],
    });
    expect(report.subscriptions[0]).toMatchObject({
      status: "silent",
      destination: "route",
      findings: [{ kind: "calling-code-subject-prefix" }],
    });
  });

  it("passes the app's own infra/eventSubscriptions.json with exit code 0", () => {
    const report = auditSubscriptions(read(join(ROOT, "infra", "eventSubscriptions.json")));
    expect(report.subscriptions.map((audit) => audit.status)).toEqual(["ok", "ok"]);
    expect(report.exitCode).toBe(0);
  });

  it("exits 2 and names the problem when a filter is invalid or the input has no subscriptions", () => {
    const invalid = auditSubscriptions([
      { name: "x", filter: { advancedFilters: [{ operatorType: "StringIn", key: "subject" }] } },
    ]);
    expect(invalid.subscriptions[0]).toMatchObject({
      status: "unauditable",
      problems: [expect.stringMatching(/^filter\.advancedFilters\[0\]\.values/)],
    });
    expect(invalid.exitCode).toBe(2);
    expect(auditSubscriptions({ hello: 1 }).exitCode).toBe(2);
    expect(auditSubscriptions([]).inputProblems).toEqual(["the input holds no event subscriptions"]);
  });

  it("reports a rewrite it cannot fit in Event Grid's limits instead of passing it off as verified", () => {
    const report = auditSubscriptions([
      {
        name: "no-nanp",
        filter: {
          includedEventTypes: [RECEIVED],
          advancedFilters: [
            { operatorType: "StringNotBeginsWith", key: "subject", values: ["advancedMessage/sender/1"] },
          ],
        },
      },
    ]);
    const audit = report.subscriptions[0]!;
    expect(audit.findings.map((finding) => finding.kind)).toEqual(["exclusion-bypassed"]);
    expect(audit.rewrite!.verified).toBe(false);
    expect(audit.rewrite!.problems[0]).toMatch(/breaks Event Grid's limits .* cannot be split/);
    // A warning only: nothing goes silent, so the gate stays open.
    expect(report.exitCode).toBe(0);
  });

  it("passes a filter that is already BSUID-aware", () => {
    const report = auditSubscriptions([
      {
        name: "uk-both",
        filter: {
          includedEventTypes: [RECEIVED],
          advancedFilters: [
            {
              operatorType: "StringBeginsWith",
              key: "subject",
              values: [
                "advancedMessage/sender/44",
                "advancedMessage/sender/GB.",
                "advancedMessage/sender/GG.",
                "advancedMessage/sender/IM.",
                "advancedMessage/sender/JE.",
              ],
            },
          ],
        },
      },
    ]);
    expect(report.subscriptions[0]!.status).toBe("ok");
  });
});
