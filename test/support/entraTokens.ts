import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";

export const TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const API_CLIENT_ID = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
export const CLIENT_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
export const ISSUER = `https://login.microsoftonline.com/${TENANT_ID}/v2.0`;

/**
 * A tenant's signing keys served as Entra ID serves them (a JWKS over HTTP), on a loopback port: tokens are signed with
 * a real RSA key and checked against its published half. `requests` counts key-set fetches.
 */
export interface LocalTenant {
  keysUrl: URL;
  requests: number;
  /** Signs a v2.0-shaped access token for the API; `claims` override the defaults (undefined removes one). */
  token(claims?: Record<string, unknown>, options?: { key?: CryptoKey; kid?: string; alg?: string }): Promise<string>;
  /** A key of nobody's key set. */
  foreignKey: CryptoKey;
  close(): Promise<void>;
}

/** The claims of an access token a user got for the API through a client app, as Entra ID writes them. */
export function userClaims(now = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: API_CLIENT_ID,
    tid: TENANT_ID,
    iat: now - 60,
    nbf: now - 60,
    exp: now + 3600,
    ver: "2.0",
    oid: "9f2c8a1e-3b4d-4c5e-8f6a-7b8c9d0e1f2a",
    sub: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
    azp: CLIENT_APP_ID,
    name: "Alex Wilber",
    preferred_username: "alexw@contoso.example",
    roles: [],
  };
}

export async function startLocalTenant(): Promise<LocalTenant> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const foreign = await generateKeyPair("RS256");
  const kid = "local-key-1";
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, use: "sig", alg: "RS256" }] };
  const tenant = {
    requests: 0,
  } as LocalTenant;
  const server: Server = createServer((request, response) => {
    tenant.requests += 1;
    if (request.url !== "/discovery/v2.0/keys") {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  tenant.keysUrl = new URL(`http://127.0.0.1:${port}/discovery/v2.0/keys`);
  tenant.foreignKey = foreign.privateKey;
  tenant.token = async (claims = {}, options = {}) => {
    const payload: JWTPayload = { ...userClaims() };
    for (const [name, value] of Object.entries(claims)) {
      if (value === undefined) delete payload[name];
      else payload[name] = value;
    }
    return new SignJWT(payload)
      .setProtectedHeader({ alg: options.alg ?? "RS256", typ: "JWT", kid: options.kid ?? kid })
      .sign(options.key ?? privateKey);
  };
  tenant.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return tenant;
}

/** An unsigned token (`alg: none`) with the given claims, as an attacker would write one. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}
