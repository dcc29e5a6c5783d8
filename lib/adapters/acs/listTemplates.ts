import { isUnexpected } from "@azure-rest/communication-messages";
import { UpstreamError } from "../../domain/messaging/sendErrors";
import { errorFromAcsResponse, errorFromThrown } from "./UpstreamError";
import type { AcsMessagesClient } from "./createAcsMessagesClient";
import { summarizeTemplateItem } from "./summarizeTemplateItem";
import { type TemplateSummary } from "../../domain/messaging/TemplateSummary";

export type { TemplateSummary } from "../../domain/messaging/TemplateSummary";

const MAX_PAGES = 100;

/**
 * Lists a channel's templates (`GET /messages/channels/{channelId}/templates`), following `nextLink` pages, and reads
 * each item with {@link summarizeTemplateItem}: an item whose `content` cannot be read is kept as not known to be an
 * authentication template, an item without a name is skipped, and a page without a `value` array holds nothing.
 * Throws `UpstreamError` or `UpstreamTransientError` when ACS fails, never because of what a page holds.
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
    const body: { value?: unknown; nextLink?: unknown } =
      typeof page.body === "object" && page.body !== null ? page.body : {};
    for (const item of Array.isArray(body.value) ? (body.value as unknown[]) : []) {
      const summary = summarizeTemplateItem(item);
      if (summary !== undefined) templates.push(summary);
    }
    if (typeof body.nextLink !== "string" || body.nextLink === "") return templates;
    const nextUrl = URL.parse(body.nextLink, origin);
    // A signed request (or a bearer token) must not be sent to whatever host a response names.
    if (nextUrl === null || nextUrl.origin !== origin || pages >= MAX_PAGES) {
      throw new UpstreamError("ACS returned an unusable nextLink while listing templates", { status: 200 });
    }
    let next;
    try {
      next = await client.pathUnchecked(nextUrl.href).get();
    } catch (error) {
      throw errorFromThrown(error, "template listing");
    }
    if (next.status !== "200") {
      throw errorFromAcsResponse({ status: next.status, headers: next.headers, body: next.body }, "template listing");
    }
    page = next as typeof page;
  }
}
