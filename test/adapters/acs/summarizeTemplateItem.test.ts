import { describe, expect, it } from "vitest";
import { summarizeTemplateItem } from "../../../lib/adapters/acs/summarizeTemplateItem";
import { publishedTemplateListings } from "../../support/publishedExamples";

/** The item of the published listing examples (`Template_ListTemplates.json`, 2024-08-30 and 2024-11-15). */
const PUBLISHED_ITEM = {
  name: "sample_shipping_confirmation",
  language: "en_US",
  status: "approved",
  kind: "whatsApp",
  content: [
    { type: "BODY", text: "Your package has been shipped. It will be delivered in {{1}} business days." },
    { type: "FOOTER", text: "This message is from an unverified business." },
  ],
};

const item = (content: unknown, extra: Record<string, unknown> = {}) => ({
  name: "login_code",
  language: "en_US",
  status: "approved",
  kind: "whatsApp",
  content,
  ...extra,
});
const body = { type: "BODY", text: "*{{1}}* is your verification code." };
const buttons = (...list: unknown[]) => ({ type: "BUTTONS", buttons: list });

describe("summarizeTemplateItem", () => {
  const cases: { listing: string; item: unknown; authentication: boolean; category?: string }[] = [
    { listing: "the published listing example (BODY and FOOTER)", item: PUBLISHED_ITEM, authentication: false },
    {
      listing: "components with a COPY_CODE OTP button",
      item: item([body, buttons({ type: "OTP", otp_type: "COPY_CODE", text: "Copy code" })]),
      authentication: true,
    },
    {
      listing: "components with a ONE_TAP OTP button in lower case",
      item: item([body, { type: "buttons", buttons: [{ type: "otp", otp_type: "one_tap" }] }]),
      authentication: true,
    },
    {
      listing: "components with a ZERO_TAP OTP button",
      item: item([body, buttons({ type: "Otp", otp_type: "Zero_Tap" })]),
      authentication: true,
    },
    {
      listing: "a button naming an otp_type without a type",
      item: item([buttons({ otp_type: "copy_code" })]),
      authentication: true,
    },
    {
      listing: "the URL button Meta turns a copy-code button into",
      item: item([
        body,
        buttons({
          type: "URL",
          text: "Copy code",
          url: "https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}",
        }),
      ]),
      authentication: true,
    },
    {
      listing: "a URL button to another site",
      item: item([body, buttons({ type: "URL", text: "Track", url: "https://example.com/otp/track" })]),
      authentication: false,
    },
    {
      listing: "quick-reply buttons only",
      item: item([body, buttons({ type: "QUICK_REPLY", text: "Stop" })]),
      authentication: false,
    },
    {
      listing: "an OTP button outside a BUTTONS component",
      item: item([{ type: "BODY", buttons: [{ type: "OTP" }] }]),
      authentication: false,
    },
    {
      listing: "Meta's template object with category AUTHENTICATION",
      item: item({ name: "login_code", category: "AUTHENTICATION", components: [body] }),
      authentication: true,
      category: "AUTHENTICATION",
    },
    {
      listing: "Meta's template object with category in lower case",
      item: item({ category: "authentication", components: [] }),
      authentication: true,
      category: "AUTHENTICATION",
    },
    {
      listing: "Meta's template object without category but with an OTP button",
      item: item({ components: [buttons({ type: "OTP", otp_type: "COPY_CODE" })] }),
      authentication: true,
    },
    {
      listing: "Meta's template object with category MARKETING",
      item: item({ category: "MARKETING", components: [body] }),
      authentication: false,
      category: "MARKETING",
    },
    {
      listing: "a category on the item itself",
      item: item([body], { category: "AUTHENTICATION" }),
      authentication: true,
      category: "AUTHENTICATION",
    },
    { listing: "content that is a string", item: item("AUTHENTICATION"), authentication: false },
    { listing: "content that is a number", item: item(42), authentication: false },
    { listing: "content that is null", item: item(null), authentication: false },
    {
      listing: "no content",
      item: { name: "login_code", language: "en_US", status: "approved" },
      authentication: false,
    },
    {
      listing: "components that are not objects",
      item: item([null, 5, "BUTTONS", [], { type: "BUTTONS", buttons: "OTP" }, { type: 7, buttons: [null, 3] }]),
      authentication: false,
    },
    {
      listing: "a category that is not a string",
      item: item({ category: ["AUTHENTICATION"], components: "x" }),
      authentication: false,
    },
  ];

  it.each(cases.map((c) => [c.authentication, c.listing, c] as const))(
    "reads isAuthentication %s when the listing holds %s",
    (_authentication, _listing, { item: listed, authentication, category }) => {
      const summary = summarizeTemplateItem(listed);

      expect(summary).toMatchObject({ isAuthentication: authentication, category });
      expect(summary?.name).toBe((listed as { name: string }).name);
    },
  );

  it.each(publishedTemplateListings().map((listing) => [listing.entry.file, listing] as const))(
    "reads every item of %s as a template not known to be an authentication one",
    (_file, listing) => {
      const body = listing.response.body as { value?: unknown[] };
      // The 2023-06-30-preview example answers one template rather than a page.
      const items = Array.isArray(body.value) ? body.value : [body];
      const summaries = items.map(summarizeTemplateItem);

      expect(summaries.map((summary) => summary?.name)).toEqual(items.map((item) => (item as { name: string }).name));
      expect(summaries.map((summary) => summary?.isAuthentication)).toEqual(items.map(() => false));
    },
  );

  it("reads the category of the published single-template example, whose content is Meta's object", () => {
    const single = publishedTemplateListings().find((listing) => listing.apiVersion === "2023-06-30-preview");
    expect(summarizeTemplateItem(single?.response.body)).toMatchObject({
      category: "MARKETING",
      isAuthentication: false,
    });
  });

  it("returns the name, language and lower-case status of the published listing example", () => {
    expect(summarizeTemplateItem({ ...PUBLISHED_ITEM, status: "APPROVED" })).toEqual({
      name: "sample_shipping_confirmation",
      language: "en_US",
      status: "approved",
      category: undefined,
      isAuthentication: false,
    });
  });

  it("reads a missing status and language as unknown and empty when the item lacks them", () => {
    expect(summarizeTemplateItem({ name: "t" })).toEqual({
      name: "t",
      language: "",
      status: "unknown",
      category: undefined,
      isAuthentication: false,
    });
  });

  it.each([null, "login_code", 5, [], {}, { name: "" }, { name: 7 }])(
    "returns undefined when the item is %j, which no send can name",
    (listed) => {
      expect(summarizeTemplateItem(listed)).toBeUndefined();
    },
  );
});
