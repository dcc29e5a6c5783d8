import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";

/** A `TokenCredential` handing out a fixed token, recording the scopes it was asked for. */
export interface FakeTokenCredential extends TokenCredential {
  readonly requestedScopes: string[][];
}

/** Stands in for a managed identity or `DefaultAzureCredential` in tests. */
export function createFakeTokenCredential(token: string): FakeTokenCredential {
  const requestedScopes: string[][] = [];
  return {
    requestedScopes,
    async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
      requestedScopes.push(Array.isArray(scopes) ? [...scopes] : [scopes]);
      return { token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 };
    },
  };
}
