import { createCommunicationAccessKeyCredentialPolicy } from "@azure/communication-common";
import { AzureKeyCredential } from "@azure/core-auth";
import { createHttpHeaders, createPipelineRequest, type PipelineRequest } from "@azure/core-rest-pipeline";
import type { IncomingHttpHeaders } from "node:http";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyAcsHmac, type HmacRequest } from "../../../local/acsEmulator/verifyAcsHmac";

const KEY = randomBytes(32).toString("base64");
const URL_TO_SIGN = "http://127.0.0.1:4242/messages/notifications:send?api-version=2025-09-01-preview";

/** Signs a request with the SDK's own access-key policy and returns it as the emulator would receive it. */
async function signWithSdk(method: "GET" | "POST", url: string, body?: string): Promise<HmacRequest> {
  const policy = createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(KEY));
  let signed: PipelineRequest | undefined;
  await policy.sendRequest(createPipelineRequest({ url, method, body }), async (request) => {
    signed = request;
    return { request, status: 200, headers: createHttpHeaders() };
  });
  if (signed === undefined) throw new Error("the policy did not call next");
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of signed.headers) headers[name.toLowerCase()] = value;
  const target = new URL(url);
  return { method, target: `${target.pathname}${target.search}`, headers, body: Buffer.from(body ?? "") };
}

describe("verifyAcsHmac", () => {
  it("accepts a POST when the SDK's access-key policy signed it", async () => {
    const request = await signWithSdk("POST", URL_TO_SIGN, JSON.stringify({ kind: "text", content: "Hi" }));

    expect(verifyAcsHmac(request, KEY)).toEqual({ ok: true });
  });

  it("accepts a GET when the SDK signed the hash of the empty body", async () => {
    const request = await signWithSdk("GET", "http://127.0.0.1:4242/messages/streams/abc?api-version=2024-08-30");

    expect(request.headers["x-ms-content-sha256"]).toBe("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    expect(verifyAcsHmac(request, KEY)).toEqual({ ok: true });
  });

  it("rejects the signature when the key differs", async () => {
    const request = await signWithSdk("POST", URL_TO_SIGN, "{}");

    expect(verifyAcsHmac(request, randomBytes(32).toString("base64"))).toMatchObject({
      ok: false,
      reason: expect.stringContaining("signature"),
    });
  });

  it("rejects the request when the body changed after signing", async () => {
    const request = await signWithSdk("POST", URL_TO_SIGN, '{"content":"Hi"}');

    const verdict = verifyAcsHmac({ ...request, body: Buffer.from('{"content":"Hi!"}') }, KEY);

    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining("x-ms-content-sha256") });
  });

  it("rejects the signature when the query changed after signing", async () => {
    const request = await signWithSdk("POST", URL_TO_SIGN, "{}");

    const verdict = verifyAcsHmac({ ...request, target: "/messages/notifications:send?api-version=2024-08-30" }, KEY);

    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining("signature") });
  });

  it("rejects the request when x-ms-date is more than 15 minutes from now", async () => {
    const request = await signWithSdk("POST", URL_TO_SIGN, "{}");
    const signedAt = Date.parse(String(request.headers["x-ms-date"]));

    expect(verifyAcsHmac(request, KEY, { now: signedAt + 14 * 60 * 1000 })).toEqual({ ok: true });
    expect(verifyAcsHmac(request, KEY, { now: signedAt + 16 * 60 * 1000 })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("x-ms-date"),
    });
  });

  it("rejects the request when the Authorization header is missing or another scheme", async () => {
    const request = await signWithSdk("POST", URL_TO_SIGN, "{}");

    expect(verifyAcsHmac({ ...request, headers: { ...request.headers, authorization: undefined } }, KEY).ok).toBe(
      false,
    );
    expect(verifyAcsHmac({ ...request, headers: { ...request.headers, authorization: "Bearer x" } }, KEY).ok).toBe(
      false,
    );
  });
});
