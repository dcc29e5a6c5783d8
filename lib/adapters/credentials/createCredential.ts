import type { TokenCredential } from "@azure/core-auth";

/**
 * Creates the credential used for managed-identity access: a user-assigned identity when a client ID is given.
 * `@azure/identity` is loaded here, on first use, not at start-up: it is a third of the app's load time and local
 * runs (connection strings) never need it.
 */
export function createCredential(managedIdentityClientId: string | undefined): TokenCredential {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const identity = require("@azure/identity") as typeof import("@azure/identity");
  return managedIdentityClientId
    ? new identity.ManagedIdentityCredential({ clientId: managedIdentityClientId })
    : new identity.DefaultAzureCredential();
}
