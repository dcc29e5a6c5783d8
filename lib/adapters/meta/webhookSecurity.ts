import { createHmac, timingSafeEqual } from "node:crypto";

/** The header Meta signs every webhook delivery with: `sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>`. */
export const SIGNATURE_HEADER = "x-hub-signature-256";

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * True when `signatureHeader` is Meta's signature of exactly these body bytes with `appSecret`. The body must be the
 * bytes as received: Meta signs its own serialization (escaped Unicode included), so JSON parsed and written again
 * does not match. The comparison takes the same time whatever the bytes, so the signature cannot be guessed byte by
 * byte; a missing or malformed header is simply not a match.
 */
export function isSignedByMeta(
  rawBody: Uint8Array,
  signatureHeader: string | null | undefined,
  appSecret: string,
): boolean {
  const match = SIGNATURE.exec(signatureHeader?.trim() ?? "");
  if (!match || appSecret === "") return false;
  const expected = createHmac("sha256", appSecret).update(rawBody).digest();
  const given = Buffer.from(match[1]!, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The answer to Meta's verification request, sent when a callback URL or verify token is saved. */
export type VerificationAnswer = { status: 200; body: string } | { status: 403; body: string };

/**
 * Answers the webhook verification handshake (`GET ?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…`): the bare
 * challenge with 200 when the mode is `subscribe` and the token equals the configured one (compared in constant time),
 * else 403. The challenge is echoed only when it is a short plain token, so the endpoint never reflects arbitrary text.
 */
export function answerVerification(query: URLSearchParams, verifyToken: string): VerificationAnswer {
  const mode = query.get("hub.mode");
  const token = query.get("hub.verify_token") ?? "";
  const challenge = query.get("hub.challenge") ?? "";
  if (mode !== "subscribe" || verifyToken === "" || !sameText(token, verifyToken)) {
    return { status: 403, body: "verification failed" };
  }
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(challenge)) return { status: 403, body: "unusable challenge" };
  return { status: 200, body: challenge };
}

/** Compares two strings in time that depends only on their lengths. */
function sameText(a: string, b: string): boolean {
  const left = createHmac("sha256", "compare").update(a).digest();
  const right = createHmac("sha256", "compare").update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}
