import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { answerVerification, isSignedByMeta } from "../../../lib/adapters/meta/webhookSecurity";

const SECRET = "app-secret-for-tests";
// Meta serializes non-ASCII characters as \u escapes and signs those bytes: a re-serialized body would not match.
const RAW = Buffer.from(
  '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":' +
    '{"messaging_product":"whatsapp","messages":[{"from_user_id":"US.13491208655302741918","id":"wamid.HBgL",' +
    '"timestamp":"1749416383","type":"text","text":{"body":"caf\\u00e9"}}]}}]}]}',
);
const signature = (body: Uint8Array, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

describe("isSignedByMeta", () => {
  it("accepts the signature of the raw bytes, in either letter case", () => {
    expect(isSignedByMeta(RAW, signature(RAW), SECRET)).toBe(true);
    expect(isSignedByMeta(RAW, signature(RAW).toUpperCase().replace("SHA256", "sha256"), SECRET)).toBe(true);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["without the sha256= prefix", signature(RAW).slice("sha256=".length)],
    ["sha1", `sha1=${createHmac("sha1", SECRET).update(RAW).digest("hex")}`],
    ["truncated", signature(RAW).slice(0, -2)],
    ["made with another secret", signature(RAW, "another-secret")],
    ["of the body parsed and serialized again", signature(Buffer.from(JSON.stringify(JSON.parse(RAW.toString()))))],
  ])("refuses a signature that is %s", (_case, header) => {
    expect(isSignedByMeta(RAW, header, SECRET)).toBe(false);
  });

  it("refuses a body changed by one byte, and anything when no app secret is configured", () => {
    const changed = Buffer.from(RAW);
    changed[changed.length - 3] = changed[changed.length - 3]! ^ 1;
    expect(isSignedByMeta(changed, signature(RAW), SECRET)).toBe(false);
    expect(isSignedByMeta(RAW, signature(RAW, ""), "")).toBe(false);
  });
});

describe("answerVerification", () => {
  const query = (params: Record<string, string>) => new URLSearchParams(params);

  it("answers the bare challenge when the mode is subscribe and the token matches", () => {
    const answer = answerVerification(
      query({ "hub.mode": "subscribe", "hub.verify_token": "my-token", "hub.challenge": "1158201444" }),
      "my-token",
    );
    expect(answer).toEqual({ status: 200, body: "1158201444" });
  });

  it.each([
    ["a wrong token", { "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1" }],
    [
      "a token that only starts the same",
      { "hub.mode": "subscribe", "hub.verify_token": "my-tok", "hub.challenge": "1" },
    ],
    ["another mode", { "hub.mode": "unsubscribe", "hub.verify_token": "my-token", "hub.challenge": "1" }],
    ["no token", { "hub.mode": "subscribe", "hub.challenge": "1" }],
    [
      "a challenge that is markup",
      { "hub.mode": "subscribe", "hub.verify_token": "my-token", "hub.challenge": "<b>x" },
    ],
  ])("refuses %s with 403", (_case, params) => {
    expect(answerVerification(query(params), "my-token").status).toBe(403);
  });

  it("refuses every request while no verify token is configured", () => {
    expect(
      answerVerification(query({ "hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1" }), "").status,
    ).toBe(403);
  });
});
