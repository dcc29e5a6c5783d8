import { isJsonMediaType } from "../../core/mediaTypes";
import type { ApiResponse } from "./apiTypes";

/** What {@link readRequestBody} needs of a request (an `@azure/functions` HttpRequest fits). */
export interface RawBodyRequest {
  method: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * Reads a request's body as text within `maxBytes`, or says how to refuse it: 413 when it is larger (by its
 * `Content-Length`, before anything is read, or by what arrived), 415 when it declares a content type that is not JSON.
 * A body without a content type is read as JSON, as the API always has; one declared as `text/plain` or a form, which
 * a web page can send to another site without asking, is refused rather than parsed.
 */
export async function readRequestBody(
  request: RawBodyRequest,
  maxBytes: number,
): Promise<{ text: string } | { refusal: ApiResponse }> {
  if (request.method === "GET" || request.method === "HEAD") return { text: "" };
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) return { refusal: tooLarge(maxBytes) };
  const text = await request.text();
  if (Buffer.byteLength(text, "utf8") > maxBytes) return { refusal: tooLarge(maxBytes) };
  const contentType = request.headers.get("content-type")?.trim();
  if (text !== "" && contentType && !isJsonMediaType(contentType)) {
    return {
      refusal: {
        status: 415,
        body: {
          error: {
            code: "unsupported_media_type",
            message: "The request body must be JSON, sent with Content-Type: application/json",
          },
        },
      },
    };
  }
  return { text };
}

function tooLarge(maxBytes: number): ApiResponse {
  return {
    status: 413,
    body: {
      error: {
        code: "payload_too_large",
        message: `The request body is larger than ${maxBytes} bytes (MAX_REQUEST_BODY_BYTES)`,
      },
    },
  };
}
