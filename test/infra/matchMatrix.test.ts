import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditSubscriptions } from "../../scripts/auditSubscriptions/auditSubscriptions";
import {
  evaluateEventGridFilter,
  validateEventGridFilter,
  type EventGridFilter,
} from "../../lib/eventGridFilter/evaluateEventGridFilter";
import { withSenderCountries } from "../../lib/domain/routing/senderCountryFilter";
import { loadRoutesFile, parseRoutes } from "../../lib/app/loadRoutes";
import { type Route } from "../../lib/domain/routing/routes";
import { selectRoutes } from "../../lib/useCases/routing/runRoutes";
import type { LocalSubscription } from "../../local/eventGrid/loadSubscriptions";
import { buildEventCorpus, SENDER_FORMS, type CorpusEvent } from "../support/eventCorpus";

const ROOT = join(__dirname, "..", "..");
const corpus = buildEventCorpus();
const deployed = JSON.parse(readFileSync(join(ROOT, "infra", "eventSubscriptions.json"), "utf8")) as {
  subscriptions: LocalSubscription[];
};
const repoRoutes: Route[] = [
  ...loadRoutesFile(join(ROOT, "routes.json")).routes,
  ...loadRoutesFile(join(ROOT, "samples", "routes", "routes.example.json")).routes,
];
const countryRoutes = parseRoutes({
  routes: ["GB", "US", "IN", "DE", "BR", "AE", "JE"].map((country) => ({
    name: `from-${country}`,
    senderCountries: [country],
    actions: [{ type: "forward" }],
  })),
}).routes;

/** The legacy filter the issue is about, and the audit's rewrite of it. */
const legacyUk: EventGridFilter = {
  includedEventTypes: ["Microsoft.Communication.AdvancedMessageReceived"],
  subjectBeginsWith: "advancedMessage/sender/44",
};
const rewrittenUk = auditSubscriptions([{ name: "uk", filter: legacyUk }]).subscriptions[0]!.rewrite!.filters;

function received(country: string, fixture = "received-text-phone-and-bsuid.json"): CorpusEvent[] {
  return corpus.filter(
    (entry) => entry.kind === "received" && entry.fixture === fixture && entry.person.country === country,
  );
}

function render(filters: [string, (event: Record<string, unknown>) => boolean][], events: CorpusEvent[]): string {
  const columns = [...new Set(events.map((entry) => `${entry.person.country} ${entry.form}`))];
  const lines = filters.map(([name, matches]) => {
    const cells = columns.map((column) => {
      const results = events
        .filter((entry) => `${entry.person.country} ${entry.form}` === column)
        .map((entry) => matches(entry.event));
      // Both schemas must agree; a split is shown so it cannot hide.
      return results.every(Boolean) ? "yes" : results.some(Boolean) ? "schema-dependent" : "no";
    });
    return `${name.padEnd(34)}| ${cells.join(" ")}`;
  });
  return [`${"".padEnd(34)}| ${columns.join(" | ")}`, ...lines].join("\n");
}

describe("match matrix: events × filters", () => {
  it("treats phone and BSUID senders alike in our subscriptions and routes, unlike the legacy phone-prefix filter", () => {
    const filter = (f: EventGridFilter) => (event: Record<string, unknown>) => evaluateEventGridFilter(f, event);
    const route = (name: string) => {
      const found = [...repoRoutes, ...countryRoutes].find((r) => r.name === name)!;
      return (event: Record<string, unknown>) => selectRoutes([found], event).length === 1;
    };
    const matrix = render(
      [
        ["subscription advanced-message-received", filter(deployed.subscriptions[0]!.filter)],
        ["subscription delivery-status-updated", filter(deployed.subscriptions[1]!.filter)],
        ["route from-GB (senderCountries GB)", route("from-GB")],
        ["route uk-sales (sample)", route("uk-sales")],
        ["route all-to-crm (sample)", route("all-to-crm")],
        ["legacy subjectBeginsWith 44", filter(legacyUk)],
        ["audit rewrite of the legacy filter", (event) => rewrittenUk.some((f) => evaluateEventGridFilter(f, event))],
      ],
      [...received("GB"), ...received("US")],
    );
    const columns = SENDER_FORMS.length;
    const row = (gb: string, us: string) => `${Array(columns).fill(gb).join(" ")} ${Array(columns).fill(us).join(" ")}`;
    expect(matrix.split("\n").slice(1)).toEqual([
      `${"subscription advanced-message-received".padEnd(34)}| ${row("yes", "yes")}`,
      `${"subscription delivery-status-updated".padEnd(34)}| ${row("no", "no")}`,
      `${"route from-GB (senderCountries GB)".padEnd(34)}| ${row("yes", "no")}`,
      `${"route uk-sales (sample)".padEnd(34)}| ${row("yes", "no")}`,
      `${"route all-to-crm (sample)".padEnd(34)}| ${row("yes", "yes")}`,
      // The problem this project exists for: the same GB user matches only while their phone is visible.
      `${"legacy subjectBeginsWith 44".padEnd(34)}| yes no no no yes no ${row("no", "no").split(" ").slice(columns).join(" ")}`,
      `${"audit rewrite of the legacy filter".padEnd(34)}| ${row("yes", "no")}`,
    ]);
  });

  const senderInvariant = (matches: (event: Record<string, unknown>) => boolean): string[] => {
    const differing: string[] = [];
    const groups = new Map<string, CorpusEvent[]>();
    for (const entry of corpus) {
      const key = `${entry.kind} ${entry.fixture} ${entry.person.country} ${entry.schema}`;
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    for (const [key, entries] of groups) {
      const results = new Set(entries.map((entry) => matches(entry.event)));
      if (results.size > 1) differing.push(key);
    }
    return differing;
  };

  it.each([...repoRoutes, ...countryRoutes].map((route) => [route.name, route] as const))(
    "selects route %s for every form of a sender or for none, for every message type, country and schema",
    (_name, route) => {
      expect(senderInvariant((event) => selectRoutes([route], event).length === 1)).toEqual([]);
    },
  );

  it.each(deployed.subscriptions.map((subscription) => [subscription.name, subscription] as const))(
    "delivers every form of a sender or none through subscription %s",
    (_name, subscription) => {
      expect(senderInvariant((event) => evaluateEventGridFilter(subscription.filter, event))).toEqual([]);
    },
  );

  it("selects the senderCountries route of exactly the sender's country, phone or BSUID, when countries are routed", () => {
    const wrong = corpus
      .filter((entry) => entry.kind === "received")
      .filter((entry) => {
        // GB and JE share the calling code 44: the subject prefix cannot tell them apart, the route still must.
        const names = selectRoutes(countryRoutes, entry.event).map((route) => route.name);
        return JSON.stringify(names) !== JSON.stringify([`from-${entry.person.country}`]);
      })
      .map((entry) => entry.name);
    expect(wrong).toEqual([]);
  });

  it("delivers every form of a sender alike through a subscription filter built with callingCodeArea", () => {
    for (const country of ["GB", "JE", "DE", "IN", "AE", "BR"]) {
      const filter = withSenderCountries({}, [country], { callingCodeArea: true });
      expect(validateEventGridFilter(filter), country).toEqual([]);
      expect(
        senderInvariant((event) => evaluateEventGridFilter(filter, event)),
        country,
      ).toEqual([]);
    }
    // Without it, a subscription (which has no exact country check) drops Jersey users once they hide their number.
    const plain = withSenderCountries({}, ["GB"]);
    expect(senderInvariant((event) => evaluateEventGridFilter(plain, event)).some((key) => key.includes(" JE "))).toBe(
      true,
    );
  });

  it("flags the legacy filter as different for phone and BSUID senders, so the invariance check can fail", () => {
    expect(senderInvariant((event) => evaluateEventGridFilter(legacyUk, event)).length).toBeGreaterThan(0);
  });
});
