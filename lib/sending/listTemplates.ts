import { isUnexpected } from "@azure-rest/communication-messages";
import { UpstreamError, errorFromAcsResponse, errorFromThrown } from "./UpstreamError";
import type { AcsMessagesClient } from "./createAcsMessagesClient";

/** A WhatsApp template registered on a channel, with what the reply logic needs to choose one. */
export interface TemplateSummary {
  name: string;
  language: string;
  /** ACS's aggregated status: `approved`, `rejected`, `pending` or `paused` (lower case). */
  status: string;
  /**
   * Meta's category, upper case (`AUTHENTICATION`, `MARKETING`, `UTILITY`), when ACS passed it on. ACS documents the
   * item's `content` only as "the payload returned from WhatsApp API", so the category is read from there and may be
   * missing.
   */
  category: string | undefined;
  /** True for authentication (one-tap, zero-tap, copy-code) templates, which WhatsApp refuses to send to BSUIDs. */
  isAuthentication: boolean;
}

const MAX_PAGES = 100;

/**
 * Lists a channel's templates (`GET /messages/channels/{channelId}/templates`), following `nextLink` pages.
 * Throws `UpstreamError` or `UpstreamTransientError` on failure.
 */
export async function listTemplates(
  client: AcsMessagesClient,
  channelId: string,
  options: { maxPageSize?: number } = {},
): Promise<TemplateSummary[]> {
  const templates: TemplateSummary[] = [];
  let page;
  try {
    page = await client.path("/messages/channels/{channelId}/templates", channelId).get({
      ...(options.maxPageSize === undefined ? {} : { queryParameters: { maxpagesize: options.maxPageSize } }),
    });
  } catch (error) {
    throw errorFromThrown(error, "template listing");
  }
  if (isUnexpected(page)) throw errorFromAcsResponse(page, "template listing");
  const origin = new URL(page.request.url).origin;

  for (let pages = 1; ; pages += 1) {
    for (const item of page.body.value ?? []) templates.push(summarize(item));
    const nextLink = page.body.nextLink;
    if (typeof nextLink !== "string" || nextLink === "") return templates;
    // A signed request (or a bearer token) must not be sent to whatever host a response names.
    if (new URL(nextLink, origin).origin !== origin || pages >= MAX_PAGES) {
      throw new UpstreamError("ACS returned an unusable nextLink while listing templates", { status: 200 });
    }
    let next;
    try {
      next = await client.pathUnchecked(new URL(nextLink, origin).href).get();
    } catch (error) {
      throw errorFromThrown(error, "template listing");
    }
    if (next.status !== "200") {
      throw errorFromAcsResponse({ status: next.status, headers: next.headers, body: next.body }, "template listing");
    }
    page = next as typeof page;
  }
}

function summarize(item: {
  name: string;
  language: string;
  status: string;
  kind: string;
  content?: unknown;
}): TemplateSummary {
  const category = categoryOf(item);
  return {
    name: item.name,
    language: item.language,
    status: String(item.status).toLowerCase(),
    category,
    isAuthentication: category === "AUTHENTICATION",
  };
}

function categoryOf(item: { content?: unknown }): string | undefined {
  for (const source of [item, item.content]) {
    if (typeof source === "object" && source !== null && !Array.isArray(source)) {
      const category = (source as Record<string, unknown>).category;
      if (typeof category === "string" && category !== "") return category.toUpperCase();
    }
  }
  return undefined;
}
