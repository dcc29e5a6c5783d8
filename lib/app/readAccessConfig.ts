import { isGuid } from "../core/values/ChannelId";

/**
 * Who may call the HTTP API. `keys`: whoever holds a function key (the Functions host checks it). `entra`: callers with
 * an Entra ID access token for the API, each endpoint needing an app role; the host then asks for no key.
 */
export type AccessConfig = { mode: "keys" } | { mode: "entra"; tenantId: string; audience: string };

/** The access settings (documented in the README's "Access: keys and Entra ID"). */
export const ACCESS_SETTINGS = ["AUTH_MODE", "ENTRA_TENANT_ID", "ENTRA_AUDIENCE"] as const;

/** Reads the access settings, adding a sentence to `problems` for each one that is wrong or missing. */
export function readAccessConfig(env: Record<string, string | undefined>, problems: string[]): AccessConfig {
  const read = (name: (typeof ACCESS_SETTINGS)[number]): string | undefined => env[name]?.trim() || undefined;
  const mode = (read("AUTH_MODE") ?? "keys").toLowerCase();
  const tenantId = read("ENTRA_TENANT_ID");
  const audience = read("ENTRA_AUDIENCE");
  if (mode === "keys") {
    // Entra settings without the mode would look like protection that is not there: keys would still open the API.
    if (tenantId || audience) {
      problems.push("ENTRA_TENANT_ID and ENTRA_AUDIENCE are only read with AUTH_MODE=entra: set it, or clear them");
    }
    return { mode: "keys" };
  }
  if (mode !== "entra") {
    problems.push("AUTH_MODE must be keys or entra");
    return { mode: "keys" };
  }
  if (!isGuid(tenantId)) {
    problems.push("ENTRA_TENANT_ID must be the tenant ID (a GUID) of the API's app registration with AUTH_MODE=entra");
  }
  if (!isGuid(audience)) {
    problems.push(
      "ENTRA_AUDIENCE must be the application (client) ID (a GUID) of the API's app registration with AUTH_MODE=entra: " +
        "the audience of its v2.0 access tokens",
    );
  }
  return { mode: "entra", tenantId: (tenantId ?? "").toLowerCase(), audience: (audience ?? "").toLowerCase() };
}
