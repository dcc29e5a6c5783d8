import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** What an HMAC check needs from a request. */
export interface HmacRequest {
  method: string;
  /** The request target as received (`req.url`): path and query. */
  target: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The verdict, with a reason a developer can act on when it fails. */
export type HmacVerdict = { ok: true } | { ok: false; reason: string };

const AUTHORIZATION_PATTERN = /^HMAC-SHA256 SignedHeaders=([^&\s]+)&Signature=(\S+)$/;

/**
 * Verifies an ACS access-key (HMAC-SHA256) signature the way `createCommunicationAccessKeyCredentialPolicy` in
 * `@azure/communication-common` 2.5.0 makes it:
 *
 * - `x-ms-content-sha256` = base64 SHA-256 of the body (of `""` when there is none);
 * - string to sign = `VERB\n<path>[?<query>]\n<x-ms-date>;<host>;<x-ms-content-sha256>`, the query as
 *   `URLSearchParams#toString()` re-serialises it and the values in `SignedHeaders` order;
 * - signature = base64 HMAC-SHA256 of that string, keyed with the base64-decoded access key.
 *
 * `x-ms-date` must be within `maxClockSkewMs` of now, so a captured request cannot be replayed indefinitely.
 */
export function verifyAcsHmac(
  request: HmacRequest,
  accessKey: string,
  options: { now?: number; maxClockSkewMs?: number } = {},
): HmacVerdict {
  const authorization = header(request.headers, "authorization");
  if (authorization === undefined) return { ok: false, reason: "the Authorization header is missing" };
  const match = AUTHORIZATION_PATTERN.exec(authorization);
  if (!match?.[1] || !match[2]) {
    return { ok: false, reason: "the Authorization header is not HMAC-SHA256 SignedHeaders=…&Signature=…" };
  }
  const signedHeaders = match[1].toLowerCase().split(";");
  for (const required of ["x-ms-date", "host", "x-ms-content-sha256"]) {
    if (!signedHeaders.includes(required)) return { ok: false, reason: `SignedHeaders does not include ${required}` };
  }

  const date = header(request.headers, "x-ms-date");
  const signedAt = date === undefined ? Number.NaN : Date.parse(date);
  if (Number.isNaN(signedAt)) return { ok: false, reason: "x-ms-date is missing or not a date" };
  const now = options.now ?? Date.now();
  const skew = options.maxClockSkewMs ?? 15 * 60 * 1000;
  if (Math.abs(now - signedAt) > skew) return { ok: false, reason: "x-ms-date is too far from the current time" };

  const contentHash = createHash("sha256").update(request.body).digest("base64");
  if (header(request.headers, "x-ms-content-sha256") !== contentHash) {
    return { ok: false, reason: "x-ms-content-sha256 does not match the body" };
  }

  const values: string[] = [];
  for (const name of signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined) return { ok: false, reason: `the signed header ${name} is missing` };
    values.push(value);
  }
  const url = new URL(request.target, "http://emulator.invalid");
  const query = url.searchParams.toString();
  const stringToSign = `${request.method.toUpperCase()}\n${query ? `${url.pathname}?${query}` : url.pathname}\n${values.join(";")}`;
  const expected = createHmac("sha256", Buffer.from(accessKey, "base64")).update(stringToSign).digest();
  const given = Buffer.from(match[2], "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "the signature does not match (wrong access key, or the request was altered)" };
  }
  return { ok: true };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
