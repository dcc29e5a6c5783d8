import type { JWTPayload, JWTVerifyGetKey } from "jose";

/**
 * `jose`, loaded on first use rather than at start-up: only deployments with AUTH_MODE=entra verify tokens, and the
 * deployed bundle keeps it in a file of its own (see `scripts/bundleApp.ts`), for cold start.
 */
function jose(): typeof import("jose") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  return require("jose") as typeof import("jose");
}
import { TransientError } from "../../core/errors";
import { InvalidAccessTokenError, type AccessTokenVerifier, type EntraPrincipal } from "../../domain/access/Principal";

/** What the verifier checks tokens against. */
export interface EntraTokenSettings {
  /** The tenant (GUID) that issues the tokens. */
  tenantId: string;
  /** The application (client) ID of the API's app registration: the `aud` of its v2.0 access tokens. */
  audience: string;
  /** How long fetching the tenant's signing keys may take (an outbound call like any other). */
  keysTimeoutMs: number;
  /**
   * Where the signing keys are fetched from instead of the tenant's own key set: for tests only, which sign tokens with
   * keys of their own. Production always reads `https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys`.
   */
  keysUrlForTests?: URL;
}

/** The issuer of the tenant's v2.0 access tokens, the only issuer accepted. */
export function entraIssuer(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

/** The tenant's signing keys (Microsoft publishes one key set per tenant, shared by v1.0 and v2.0 tokens). */
export function entraKeysUrl(tenantId: string): URL {
  return new URL(`https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`);
}

/** Entra ID signs access tokens with RS256; accepting nothing else rules out `none` and algorithm confusion. */
const ALGORITHMS = ["RS256"];
/** Clocks of the caller, Entra and this instance may differ a little; tokens live an hour or more. */
const CLOCK_TOLERANCE_SECONDS = 60;
/** Far above Entra's tokens (a few KB even with many groups), far below what could cost anything to refuse. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Errors of the key set itself (a key it lacks, an algorithm it cannot use): the token's fault, not the service's. */
function isTokenFault(error: unknown): boolean {
  return (
    error instanceof jose().errors.JWKSNoMatchingKey ||
    error instanceof jose().errors.JWKSMultipleMatchingKeys ||
    error instanceof jose().errors.JOSEAlgNotAllowed ||
    error instanceof jose().errors.JOSENotSupported
  );
}

/**
 * The tenant's key set, fetched on first use and cached by jose (10 minutes; a token naming an unknown key refetches
 * it at most every 30 s, which is how rotated keys are picked up). A key set that cannot be fetched in time, or is not
 * one, is the service's trouble: a {@link TransientError}, answered 503/504, never a 401 that would blame the caller.
 */
function tenantKeys(settings: EntraTokenSettings): JWTVerifyGetKey {
  const remote = jose().createRemoteJWKSet(settings.keysUrlForTests ?? entraKeysUrl(settings.tenantId), {
    timeoutDuration: settings.keysTimeoutMs,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (isTokenFault(error)) throw error;
      if (error instanceof jose().errors.JWKSTimeout) {
        throw new TransientError("Entra ID's signing keys did not arrive in time", {
          code: "entra_timeout",
          cause: error,
        });
      }
      throw new TransientError("Entra ID's signing keys could not be read", {
        code: "entra_unavailable",
        cause: error,
      });
    }
  };
}

/** Why a token was refused, in words a caller can act on and that reveal nothing of the token or the keys. */
function refusal(error: unknown, issuer: string, v1Issuer: string): string {
  if (error instanceof jose().errors.JWTExpired) return "The access token has expired";
  if (error instanceof jose().errors.JWTClaimValidationFailed) {
    if (error.claim === "iss" && error.payload.iss === v1Issuer) {
      return "v1.0 access tokens are not accepted: set the API app registration's requestedAccessTokenVersion to 2";
    }
    if (error.claim === "iss") return `The access token was not issued by ${issuer}`;
    if (error.claim === "aud") return "The access token is for another API (aud)";
    if (error.claim === "nbf") return "The access token is not valid yet (nbf)";
    return `The access token lacks a valid ${error.claim} claim`;
  }
  if (
    error instanceof jose().errors.JWSSignatureVerificationFailed ||
    error instanceof jose().errors.JWKSNoMatchingKey
  ) {
    return "The access token's signature does not verify with the tenant's keys";
  }
  if (error instanceof jose().errors.JOSEAlgNotAllowed || error instanceof jose().errors.JOSENotSupported) {
    return "The access token must be signed with RS256";
  }
  return "The access token is malformed";
}

function stringClaim(payload: JWTPayload, name: string): string | null {
  const value = payload[name];
  return typeof value === "string" && value !== "" ? value : null;
}

function toPrincipal(payload: JWTPayload): EntraPrincipal {
  const objectId = stringClaim(payload, "oid");
  const clientAppId = stringClaim(payload, "azp");
  // Required claims were checked by jose; their type is checked here.
  if (!objectId || !clientAppId) throw new InvalidAccessTokenError("The access token lacks a valid oid or azp claim");
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((role) => typeof role === "string") : [];
  return {
    kind: "entra",
    objectId,
    clientAppId,
    name: stringClaim(payload, "name"),
    username: stringClaim(payload, "preferred_username") ?? stringClaim(payload, "upn"),
    roles,
  };
}

/**
 * Verifies Entra ID v2.0 access tokens for the API with jose: RS256 signature by a key of the tenant's key set, issuer
 * `https://login.microsoftonline.com/{tenant}/v2.0` (v1.0 tokens, from `sts.windows.net`, are refused: the API's app
 * registration asks for v2.0 tokens), audience the API's client ID, `exp` and `nbf` within a minute's tolerance, and the
 * claims that say who called (`oid`, `azp`). Requiring `azp` also refuses ID tokens, which carry the API's client ID as
 * audience when someone signs in to the API's own registration but have no `azp`.
 */
export function createEntraTokenVerifier(settings: EntraTokenSettings): AccessTokenVerifier {
  const issuer = entraIssuer(settings.tenantId);
  const v1Issuer = `https://sts.windows.net/${settings.tenantId}/`;
  const keys = tenantKeys(settings);
  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
        throw new InvalidAccessTokenError("The access token is malformed");
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jose().jwtVerify(token, keys, {
          issuer,
          audience: settings.audience,
          algorithms: ALGORITHMS,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ["exp", "nbf", "oid", "azp"],
        }));
      } catch (error) {
        if (error instanceof TransientError) throw error;
        throw new InvalidAccessTokenError(refusal(error, issuer, v1Issuer), { cause: error });
      }
      return toPrincipal(payload);
    },
  };
}
