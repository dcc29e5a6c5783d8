import { AppError } from "../../core/errors";

/**
 * The app roles of the API's Entra ID app registration (their `value`s): each endpoint needs one of them (see
 * `useCases/access/endpointAccess.ts`). A role grants nothing but its own endpoints.
 */
export const APP_ROLES = ["Contacts.Read", "Messages.Send", "Contacts.Write", "Contacts.Erase"] as const;

/** One of {@link APP_ROLES}. */
export type AppRole = (typeof APP_ROLES)[number];

/** A caller authenticated with an Entra ID access token: who it is, as the token says, and the roles it holds. */
export interface EntraPrincipal {
  kind: "entra";
  /** `oid`: the object ID of the user, or of the service principal of an application calling as itself. */
  objectId: string;
  /** `azp`: the application (client) ID of the app that asked for the token. */
  clientAppId: string;
  /** `name`, when the token has one (users). */
  name: string | null;
  /** `preferred_username` (or `upn`), when the token has one (users). */
  username: string | null;
  /** `roles`: the app roles assigned to the caller. */
  roles: readonly string[];
}

/** Who made an API call: an Entra ID principal, or whoever holds a function key (the host checked the key). */
export type Principal = EntraPrincipal | { kind: "functionKey" };

/** Checks an Entra ID access token and reads its principal. */
export interface AccessTokenVerifier {
  /**
   * Resolves to the token's principal when its signature, issuer, audience and lifetime hold; rejects with
   * {@link InvalidAccessTokenError} when they do not, and with a `TransientError` when the tenant's signing keys cannot
   * be had.
   */
  verify(token: string): Promise<EntraPrincipal>;
}

/** An access token that proves nothing: malformed, unsigned, signed by another key, expired, or for another API. */
export class InvalidAccessTokenError extends AppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "invalid_token", permanent: true, cause: options.cause });
  }
}
