import { ValidationError } from "../errors";
import type { AcsMessagesClient } from "./createAcsMessagesClient";
import { errorFromAcsResponse, errorFromThrown, UpstreamError } from "./UpstreamError";

/** Media a WhatsApp user sent, as ACS streams it. */
export interface DownloadedMedia {
  /** The `Content-Type` ACS answered with (`application/octet-stream` when it gave none). */
  contentType: string;
  /** The content length in bytes, when ACS sent one. */
  contentLength?: number;
  /** The raw bytes. The caller must consume or destroy it. */
  stream: NodeJS.ReadableStream;
}

const MEDIA_ID_PATTERN = /^[A-Za-z0-9._~-]{1,200}$/;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Downloads inbound media (`data.media.id` of an `AdvancedMessageReceived` event) from `GET /messages/streams/{id}`.
 *
 * Uses `.asNodeStream()`: awaiting the plain `.get()` makes the SDK decode the body as UTF-8 text, which corrupts
 * any byte sequence that is not valid UTF-8 (that is, most images).
 * Throws `UpstreamError` (e.g. 404 for an unknown or expired ID) or `UpstreamTransientError`.
 */
export async function downloadMedia(client: AcsMessagesClient, mediaId: string): Promise<DownloadedMedia> {
  if (typeof mediaId !== "string" || !MEDIA_ID_PATTERN.test(mediaId)) {
    throw new ValidationError("mediaId must be 1-200 letters, digits or . _ ~ -", { field: "mediaId" });
  }
  let response;
  try {
    response = await client.path("/messages/streams/{id}", mediaId).get().asNodeStream();
  } catch (error) {
    throw errorFromThrown(error, "media download");
  }

  const { body } = response;
  if (response.status !== "200") {
    const text = body === undefined ? "" : await readText(body, MAX_ERROR_BODY_BYTES);
    throw errorFromAcsResponse(
      { status: response.status, headers: response.headers, body: parseJson(text) },
      "media download",
    );
  }
  if (body === undefined) {
    throw new UpstreamError("ACS answered the media download without a body", { status: 200 });
  }
  const contentType = response.headers["content-type"] ?? "application/octet-stream";
  const contentLength = Number(response.headers["content-length"]);
  return {
    contentType,
    ...(Number.isSafeInteger(contentLength) && contentLength >= 0 ? { contentLength } : {}),
    stream: body,
  };
}

async function readText(stream: NodeJS.ReadableStream, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk);
    total += buffer.length;
    if (total > maxBytes) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
