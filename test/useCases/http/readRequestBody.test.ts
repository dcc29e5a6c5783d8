import { describe, expect, it } from "vitest";
import { readRequestBody, type RawBodyRequest } from "../../../lib/useCases/http/readRequestBody";

function request(options: {
  method?: string;
  body?: string;
  headers?: Record<string, string | undefined>;
}): RawBodyRequest & {
  reads: number;
} {
  const headers = new Map(
    Object.entries(options.headers ?? {})
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => [name.toLowerCase(), value]),
  );
  const made = {
    reads: 0,
    method: options.method ?? "POST",
    headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
    text: () => {
      made.reads += 1;
      return Promise.resolve(options.body ?? "");
    },
  };
  return made;
}

const LIMIT = 100;

describe("readRequestBody", () => {
  it.each([
    { case: "JSON within the limit", body: '{"a":1}', headers: { "content-type": "application/json" } },
    { case: "JSON with a charset", body: "{}", headers: { "content-type": "application/json; charset=utf-8" } },
    { case: "a +json type", body: "{}", headers: { "content-type": "application/merge-patch+json" } },
    { case: "no content type (read as JSON, as before)", body: "{}", headers: {} },
    { case: "an empty text/plain body", body: "", headers: { "content-type": "text/plain" } },
    { case: "exactly the limit", body: "x".repeat(LIMIT), headers: {} },
  ])("reads $case", async ({ body, headers }) => {
    expect(await readRequestBody(request({ body, headers }), LIMIT)).toEqual({ text: body });
  });

  it.each([
    { case: "a declared Content-Length over the limit", body: "{}", headers: { "content-length": "101" }, reads: 0 },
    { case: "a body over the limit without a length", body: "x".repeat(LIMIT + 1), headers: {}, reads: 1 },
    { case: "multi-byte characters over the limit in bytes", body: "é".repeat(51), headers: {}, reads: 1 },
  ])("refuses $case with 413", async ({ body, headers, reads }) => {
    const made = request({ body, headers });
    const result = await readRequestBody(made, LIMIT);
    expect(result).toMatchObject({ refusal: { status: 413, body: { error: { code: "payload_too_large" } } } });
    expect(made.reads).toBe(reads);
  });

  it.each(["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "application/xml"])(
    "refuses a body declared as %s with 415",
    async (contentType) => {
      const result = await readRequestBody(request({ body: "{}", headers: { "content-type": contentType } }), LIMIT);
      expect(result).toMatchObject({ refusal: { status: 415, body: { error: { code: "unsupported_media_type" } } } });
    },
  );

  it("reads nothing for a GET", async () => {
    const made = request({ method: "GET", body: "ignored", headers: { "content-length": "9999" } });
    expect(await readRequestBody(made, LIMIT)).toEqual({ text: "" });
    expect(made.reads).toBe(0);
  });
});
