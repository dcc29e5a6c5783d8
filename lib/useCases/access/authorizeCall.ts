import type { Logger } from "../../core/logging/createLogger";
import {
  InvalidAccessTokenError,
  type AccessTokenVerifier,
  type EntraPrincipal,
  type Principal,
} from "../../domain/access/Principal";
import type { ApiRequest, ApiResponse } from "../http/apiTypes";
import { endpointAccess } from "./endpointAccess";

/** How callers are authenticated: the host's function keys, or Entra ID tokens checked here. */
export type AccessMode = { mode: "keys" } | { mode: "entra"; verifier: AccessTokenVerifier };

/** The outcome of {@link authorizeCall}: the caller, or the answer that refuses it (with the caller when known). */
export type Authorization =
  { allowed: true; principal: Principal } | { allowed: false; principal: Principal | undefined; response: ApiResponse };

/** RFC 6750 quoted strings: keep the description to characters that need no escaping. */
function quoted(text: string): string {
  return `"${text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, " ")}"`;
}

function unauthenticated(message: string, invalidToken: boolean): ApiResponse {
  return {
    status: 401,
    body: { error: { code: invalidToken ? "invalid_token" : "unauthenticated", message } },
    headers: {
      "WWW-Authenticate": invalidToken
        ? `Bearer error="invalid_token", error_description=${quoted(message)}`
        : "Bearer",
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined. */
export function bearerToken(request: ApiRequest): string | undefined {
  const header = request.headers.get("authorization");
  const match = header === null ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

/**
 * Decides whether a call to `functionName` may run. With function keys the host has already checked the key: the
 * caller is "a function key holder" and every function runs, as before. With Entra ID the call needs a valid access
 * token (401 with `WWW-Authenticate: Bearer` without one, or with one that does not verify) carrying the app role the
 * function needs (403 naming the role); a function with no role in the map is refused. Trouble reaching Entra ID's
 * signing keys is not the caller's fault: it propagates as a `TransientError`.
 */
export async function authorizeCall(
  access: AccessMode,
  functionName: string,
  request: ApiRequest,
  logger: Logger,
): Promise<Authorization> {
  if (access.mode === "keys") return { allowed: true, principal: { kind: "functionKey" } };
  const token = bearerToken(request);
  if (token === undefined) {
    logger.warn("API call refused: no bearer token", { functionName });
    return {
      allowed: false,
      principal: undefined,
      response: unauthenticated("An Entra ID access token is required: Authorization: Bearer <token>", false),
    };
  }
  let principal: EntraPrincipal;
  try {
    principal = await access.verifier.verify(token);
  } catch (error) {
    if (!(error instanceof InvalidAccessTokenError)) throw error;
    logger.warn("API call refused: invalid access token", { functionName, reason: error.message });
    return { allowed: false, principal: undefined, response: unauthenticated(error.message, true) };
  }
  const rule = endpointAccess(functionName);
  if (rule && principal.roles.includes(rule.role)) return { allowed: true, principal };
  const message = rule
    ? `This call needs the app role ${rule.role}, which the caller does not have`
    : `No app role grants ${functionName}`;
  logger.warn("API call refused: missing app role", {
    functionName,
    requiredRole: rule?.role ?? null,
    objectId: principal.objectId,
    clientAppId: principal.clientAppId,
  });
  return {
    allowed: false,
    principal,
    response: {
      status: 403,
      body: { error: { code: "forbidden", message, requiredRole: rule?.role ?? null } },
      headers: { "WWW-Authenticate": `Bearer error="insufficient_scope", error_description=${quoted(message)}` },
    },
  };
}
