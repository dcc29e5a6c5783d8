import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEntraTokenVerifier,
  entraIssuer,
  entraKeysUrl,
} from "../../../lib/adapters/entra/createEntraTokenVerifier";
import { TransientError } from "../../../lib/core/errors";
import { InvalidAccessTokenError } from "../../../lib/domain/access/Principal";
import {
  API_CLIENT_ID,
  CLIENT_APP_ID,
  startLocalTenant,
  TENANT_ID,
  unsignedToken,
  userClaims,
  type LocalTenant,
} from "../../support/entraTokens";

let tenant: LocalTenant;

beforeAll(async () => {
  tenant = await startLocalTenant();
});
afterAll(() => tenant.close());

function verifier(keysUrl = tenant.keysUrl, keysTimeoutMs = 2_000) {
  return createEntraTokenVerifier({
    tenantId: TENANT_ID,
    audience: API_CLIENT_ID,
    keysTimeoutMs,
    keysUrlForTests: keysUrl,
  });
}

async function refusal(token: string): Promise<InvalidAccessTokenError> {
  const error = await verifier()
    .verify(token)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(InvalidAccessTokenError);
  return error as InvalidAccessTokenError;
}

const now = () => Math.floor(Date.now() / 1000);

describe("Entra ID token verifier", () => {
  it("reads the principal of a valid v2.0 access token: object ID, client app, name, username and roles", async () => {
    const token = await tenant.token({ roles: ["Contacts.Read", "Messages.Send"] });
    expect(await verifier().verify(token)).toEqual({
      kind: "entra",
      objectId: userClaims().oid,
      clientAppId: CLIENT_APP_ID,
      name: "Alex Wilber",
      username: "alexw@contoso.example",
      roles: ["Contacts.Read", "Messages.Send"],
    });
  });

  it("reads an application's token (no name, no username, upn absent) with its roles", async () => {
    const token = await tenant.token({ name: undefined, preferred_username: undefined, roles: ["Contacts.Erase"] });
    expect(await verifier().verify(token)).toMatchObject({ name: null, username: null, roles: ["Contacts.Erase"] });
  });

  it("accepts a token that expired less than the clock tolerance ago", async () => {
    const token = await tenant.token({ exp: now() - 30 });
    await expect(verifier().verify(token)).resolves.toMatchObject({ kind: "entra" });
  });

  it.each([
    ["expired", { exp: now() - 600 }, /has expired/],
    ["not valid yet", { nbf: now() + 600 }, /not valid yet/],
    ["for another API", { aud: "00000003-0000-0000-c000-000000000000" }, /another API/],
    ["for the API's app ID URI (v1.0 audience)", { aud: `api://${API_CLIENT_ID}` }, /another API/],
    ["from another tenant", { iss: "https://login.microsoftonline.com/common/v2.0" }, /not issued by/],
    ["a v1.0 token", { iss: `https://sts.windows.net/${TENANT_ID}/` }, /requestedAccessTokenVersion to 2/],
    ["an ID token (no azp)", { azp: undefined }, /azp/],
    ["without oid", { oid: undefined }, /oid/],
    ["without exp", { exp: undefined }, /exp/],
  ])("refuses a token that is %s", async (_case, claims, reason) => {
    const error = await refusal(await tenant.token(claims));
    expect(error.message).toMatch(reason);
    expect(error.code).toBe("invalid_token");
  });

  it("refuses an unsigned token (alg none) carrying every role", async () => {
    const claims = { ...userClaims(), roles: ["Contacts.Read", "Contacts.Erase"] };
    expect((await refusal(unsignedToken(claims))).message).toMatch(/RS256/);
  });

  it("refuses a token signed with HS256 using the tenant's public key as the secret (algorithm confusion)", async () => {
    const response = await fetch(tenant.keysUrl);
    const secret = new TextEncoder().encode(await response.text());
    const token = await new SignJWT(userClaims()).setProtectedHeader({ alg: "HS256", kid: "local-key-1" }).sign(secret);
    expect((await refusal(token)).message).toMatch(/RS256/);
  });

  it("refuses a token signed by a key outside the tenant's key set, under the tenant's key ID or another", async () => {
    for (const kid of ["local-key-1", "someone-else"]) {
      const token = await tenant.token({ roles: ["Contacts.Erase"] }, { key: tenant.foreignKey, kid });
      expect((await refusal(token)).message).toMatch(/signature/);
    }
  });

  it("refuses a token whose claims were changed after signing", async () => {
    const [header, , signature] = (await tenant.token()).split(".");
    const forged = Buffer.from(JSON.stringify({ ...userClaims(), roles: ["Contacts.Erase"] })).toString("base64url");
    expect((await refusal(`${header}.${forged}.${signature}`)).message).toMatch(/signature/);
  });

  it.each(["", "not-a-token", "a.b", "x".repeat(20_000)])("refuses the malformed token %#", async (token) => {
    expect((await refusal(token)).message).toMatch(/malformed/);
  });

  it("fetches the key set once for many tokens", async () => {
    const check = verifier();
    const before = tenant.requests;
    for (let i = 0; i < 5; i++) await check.verify(await tenant.token());
    expect(tenant.requests - before).toBe(1);
  });

  it("fails transiently (entra_unavailable), blaming no caller, when the key set cannot be fetched", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await verifier(new URL(`http://127.0.0.1:${port}/keys`))
      .verify(await tenant.token())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).code).toBe("entra_unavailable");
  });

  it("gives up on a key set that does not arrive within its timeout (entra_timeout)", async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = new URL(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/keys`);
    try {
      const error = await verifier(url, 200)
        .verify(await tenant.token())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).code).toBe("entra_timeout");
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("reads production keys and issuer from login.microsoftonline.com for the tenant", () => {
    expect(entraKeysUrl(TENANT_ID).href).toBe(`https://login.microsoftonline.com/${TENANT_ID}/discovery/v2.0/keys`);
    expect(entraIssuer(TENANT_ID)).toBe(`https://login.microsoftonline.com/${TENANT_ID}/v2.0`);
  });
});
