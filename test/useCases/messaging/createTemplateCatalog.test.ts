import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTemplateCatalog } from "../../../lib/useCases/messaging/createTemplateCatalog";
import { createAcsMessagesClient } from "../../../lib/adapters/acs/createAcsMessagesClient";
import { listTemplates } from "../../../lib/adapters/acs/listTemplates";
import { type TemplateSummary } from "../../../lib/domain/messaging/TemplateSummary";
import {
  createAcsMessagesEmulator,
  type AcsMessagesEmulator,
} from "../../../local/acsEmulator/createAcsMessagesEmulator";
import { createTestLogger } from "../../support/createTestLogger";
import { publishedTemplateListings } from "../../support/publishedExamples";

const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const OTHER_CHANNEL = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

function template(name: string, category: string | undefined): TemplateSummary {
  return { name, language: "en_US", status: "approved", category, isAuthentication: category === "AUTHENTICATION" };
}

const LISTING = [
  template("login_code", "AUTHENTICATION"),
  template("order_shipped", "UTILITY"),
  template("spring_sale", "MARKETING"),
  template("uncategorised", undefined),
];

/** A listing function that counts calls and can be made to fail. */
function fakeListing(byChannel: Record<string, TemplateSummary[]>) {
  const calls: string[] = [];
  let failing = false;
  return {
    calls,
    fail(value: boolean) {
      failing = value;
    },
    async list(channelId: string) {
      calls.push(channelId);
      if (failing) throw new Error("ACS template listing failed with 503");
      return byChannel[channelId] ?? [];
    },
  };
}

describe("createTemplateCatalog", () => {
  const cases: { answer: boolean; template: string; source: string; configured: string[] }[] = [
    { answer: true, template: "login_code", source: "ACS lists it as AUTHENTICATION", configured: [] },
    { answer: false, template: "order_shipped", source: "ACS lists it as UTILITY", configured: [] },
    { answer: false, template: "spring_sale", source: "ACS lists it as MARKETING", configured: [] },
    { answer: false, template: "uncategorised", source: "ACS lists it without a category", configured: [] },
    { answer: false, template: "not_listed", source: "neither ACS nor the setting knows it", configured: [] },
    {
      answer: true,
      template: "legacy_otp",
      source: "AUTHENTICATION_TEMPLATES names it and ACS does not list it",
      configured: ["legacy_otp"],
    },
    {
      answer: true,
      template: "order_shipped",
      source: "AUTHENTICATION_TEMPLATES names it although ACS lists it as UTILITY",
      configured: ["order_shipped"],
    },
    {
      answer: false,
      template: "LEGACY_OTP",
      source: "the setting names it in another case",
      configured: ["legacy_otp"],
    },
  ];
  it.each(cases.map((c) => [c.answer, c.template, c.source, c] as const))(
    "answers %s for %s when %s",
    async (_answer, _template, _source, { answer, template: name, configured }) => {
      const listing = fakeListing({ [CHANNEL]: LISTING });
      const catalog = createTemplateCatalog({
        configured: new Set(configured),
        listTemplates: listing.list,
        logger: createTestLogger(),
      });
      expect(await catalog.isAuthenticationTemplate(CHANNEL, name)).toBe(answer);
    },
  );

  it("answers from the setting alone without listing when no listing function is given", async () => {
    const catalog = createTemplateCatalog({ configured: new Set(["legacy_otp"]), logger: createTestLogger() });
    expect(await catalog.isAuthenticationTemplate(CHANNEL, "legacy_otp")).toBe(true);
    expect(await catalog.isAuthenticationTemplate(CHANNEL, "login_code")).toBe(false);
  });

  it("does not list templates when the setting already names the template", async () => {
    const listing = fakeListing({ [CHANNEL]: LISTING });
    const catalog = createTemplateCatalog({
      configured: new Set(["legacy_otp"]),
      listTemplates: listing.list,
      logger: createTestLogger(),
    });
    await catalog.isAuthenticationTemplate(CHANNEL, "legacy_otp");
    expect(listing.calls).toEqual([]);
  });

  it("lists once per channel while the cache is fresh and again when it expires", async () => {
    let clock = 0;
    const listing = fakeListing({ [CHANNEL]: LISTING, [OTHER_CHANNEL]: [] });
    const catalog = createTemplateCatalog({
      configured: new Set(),
      listTemplates: listing.list,
      logger: createTestLogger(),
      ttlMs: 1000,
      now: () => clock,
    });
    await catalog.isAuthenticationTemplate(CHANNEL, "login_code");
    clock = 999;
    await catalog.isAuthenticationTemplate(CHANNEL, "order_shipped");
    expect(listing.calls).toEqual([CHANNEL]);

    expect(await catalog.isAuthenticationTemplate(OTHER_CHANNEL, "login_code")).toBe(false);
    expect(listing.calls).toEqual([CHANNEL, OTHER_CHANNEL]);

    clock = 2001;
    await catalog.isAuthenticationTemplate(CHANNEL, "login_code");
    expect(listing.calls).toEqual([CHANNEL, OTHER_CHANNEL, CHANNEL]);
  });

  it("falls back to the setting and warns when the first listing fails, then lists again on the next send", async () => {
    const listing = fakeListing({ [CHANNEL]: LISTING });
    const logger = createTestLogger();
    const catalog = createTemplateCatalog({ configured: new Set(["legacy_otp"]), listTemplates: listing.list, logger });
    listing.fail(true);
    expect(await catalog.isAuthenticationTemplate(CHANNEL, "login_code")).toBe(false);
    expect(await catalog.isAuthenticationTemplate(CHANNEL, "legacy_otp")).toBe(true);
    expect(logger.lines.some((line) => line.includes("template listing failed"))).toBe(true);

    listing.fail(false);
    expect(await catalog.isAuthenticationTemplate(CHANNEL, "login_code")).toBe(true);
    expect(listing.calls).toEqual([CHANNEL, CHANNEL]);
  });

  it("keeps answering from the last listing when a refresh after expiry fails", async () => {
    let clock = 0;
    const listing = fakeListing({ [CHANNEL]: LISTING });
    const logger = createTestLogger();
    const catalog = createTemplateCatalog({
      configured: new Set(),
      listTemplates: listing.list,
      logger,
      ttlMs: 1000,
      now: () => clock,
    });
    expect(await catalog.isAuthenticationTemplate(CHANNEL, "login_code")).toBe(true);
    clock = 5000;
    listing.fail(true);
    expect(await catalog.isAuthenticationTemplate(CHANNEL, "login_code")).toBe(true);
    expect(await catalog.isAuthenticationTemplate(CHANNEL, "order_shipped")).toBe(false);
    expect(logger.lines.some((line) => line.includes("using the last listing"))).toBe(true);

    // The stale listing is not refreshed by the failure: the next send tries ACS again.
    listing.fail(false);
    await catalog.isAuthenticationTemplate(CHANNEL, "login_code");
    expect(listing.calls).toHaveLength(4);
  });
});

/** The items of the published listings (each once), as the emulator lists them: content verbatim. */
function publishedListingItems() {
  const items = publishedTemplateListings().flatMap(
    (listing) =>
      (listing.response.body as { value?: { name: string; language: string; content?: unknown }[] }).value ?? [],
  );
  const byName = new Map(items.filter((item) => "content" in item).map((item) => [item.name, item]));
  return [...byName.values()].map(({ name, language, content }) => ({ name, language, content }));
}

describe("createTemplateCatalog over ACS's template listing", () => {
  let emulator: AcsMessagesEmulator;
  beforeAll(async () => {
    emulator = await createAcsMessagesEmulator({
      channels: [CHANNEL],
      templates: [
        // The items of the published listing examples, content as published.
        ...publishedListingItems(),
        { name: "login_code", language: "en_US", category: "AUTHENTICATION" },
        {
          name: "zero_tap_code",
          language: "en_US",
          content: [{ type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "ZERO_TAP" }] }],
        },
        {
          name: "meta_object_code",
          language: "en_US",
          content: { name: "meta_object_code", category: "AUTHENTICATION", components: [] },
        },
        { name: "legacy_otp", language: "en_US", content: [{ type: "BODY", text: "{{1}} is your code." }] },
        { name: "unreadable", language: "en_US", content: "<payload>" },
      ],
    });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it.each([
    ["sample_shipping_confirmation", false, "the published listing example (BODY, FOOTER)"],
    ["login_code", true, "its listing holds a COPY_CODE OTP button"],
    ["zero_tap_code", true, "its listing holds a ZERO_TAP OTP button"],
    ["meta_object_code", true, "its listing is Meta's object with category AUTHENTICATION"],
    ["legacy_otp", true, "only AUTHENTICATION_TEMPLATES names it"],
    ["unreadable", false, "its listed content cannot be read"],
    ["not_listed", false, "ACS does not list it"],
  ])("answers for %s %s when %s", async (name, answer) => {
    const client = createAcsMessagesClient(
      { kind: "connectionString", connectionString: emulator.connectionString },
      { retryOptions: { maxRetries: 0 } },
    );
    const logger = createTestLogger();
    const catalog = createTemplateCatalog({
      configured: new Set(["legacy_otp"]),
      listTemplates: (channelId) => listTemplates(client, channelId, { maxPageSize: 2 }),
      logger,
    });

    expect(await catalog.isAuthenticationTemplate(CHANNEL, name)).toBe(answer);
    expect(logger.lines.filter((line) => line.includes("template listing failed"))).toEqual([]);
  });
});
