import createClient, { type MessagesServiceClient } from "@azure-rest/communication-messages";
import { createCommunicationAuthPolicy, parseConnectionString } from "@azure/communication-common";
import type { KeyCredential, TokenCredential } from "@azure/core-auth";
import {
  bearerTokenAuthenticationPolicyName,
  type PipelinePolicy,
  type PipelineRetryOptions,
  type TlsSettings,
} from "@azure/core-rest-pipeline";
import { ConfigurationError } from "../../core/errors";
import { isLoopbackHost } from "../../core/isLoopbackHost";

/** The ACS Messages REST client this module builds (the SDK's own type). */
export type AcsMessagesClient = MessagesServiceClient;

/** How the client authenticates: an access-key connection string (HMAC), or an endpoint with an Entra credential. */
export type AcsMessagesAuth =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "endpoint"; endpoint: string; credential: TokenCredential };

/** Optional client settings. */
export interface AcsMessagesClientOptions {
  /** The default api-version (the SDK's own default is `2024-08-30`); a request's `api-version` query wins over it. */
  apiVersion?: string;
  /** In-pipeline retries (429 honouring Retry-After, 5xx, network). Tests set `maxRetries: 0`. */
  retryOptions?: PipelineRetryOptions;
  /** TLS settings, e.g. a private CA (`{ ca }`) for an emulator's self-signed certificate. */
  tlsOptions?: TlsSettings;
  /** Pipeline policies added to the client's (the app adds its timeouts here). */
  additionalPolicies?: { policy: PipelinePolicy; position: "perCall" | "perRetry" }[];
}

/**
 * Creates an `@azure-rest/communication-messages` client.
 *
 * With a `TokenCredential` (managed identity, `DefaultAzureCredential`) the 2.0.0 SDK adds the bearer-token policy
 * twice, and the first request throws "Duplicate policy names not allowed in pipeline"; this function replaces both
 * copies with one. Plain `http:` endpoints are accepted only for loopback hosts (a local emulator) and only with a
 * connection string, because the bearer policy refuses non-TLS URLs.
 *
 * Throws {@link ConfigurationError} for an unusable connection string or endpoint; the message never includes the key.
 */
export function createAcsMessagesClient(
  auth: AcsMessagesAuth,
  options: AcsMessagesClientOptions = {},
): AcsMessagesClient {
  if (auth.kind === "connectionString") {
    const { endpoint, credential } = parseAccessKeyConnectionString(auth.connectionString);
    const url = checkEndpoint(endpoint, { tokenAuth: false });
    return createClient(url.href, credential, clientOptions(options, url));
  }

  const url = checkEndpoint(auth.endpoint, { tokenAuth: true });
  const client = createClient(url.href, auth.credential, clientOptions(options, url));
  // 2.0.0 gets a bearer policy from @azure-rest/core-client's getClient and a second, same-named one from its own
  // createClient (createCommunicationAuthPolicy). Removing by name drops both; adding one back leaves exactly one,
  // which also stays correct once a later SDK version adds only one.
  client.pipeline.removePolicy({ name: bearerTokenAuthenticationPolicyName });
  client.pipeline.addPolicy(createCommunicationAuthPolicy(auth.credential));
  return client;
}

function parseAccessKeyConnectionString(connectionString: string): { endpoint: string; credential: KeyCredential } {
  try {
    return parseConnectionString(connectionString);
  } catch {
    // The SDK's own message quotes the whole connection string, access key included; never pass that on.
    throw new ConfigurationError(["the ACS connection string must have the form endpoint=https://…;accesskey=…"]);
  }
}

function checkEndpoint(endpoint: string, options: { tokenAuth: boolean }): URL {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw new ConfigurationError(["the ACS endpoint is not an absolute URL"]);
  }
  const shown = `${url.protocol}//${url.host}`;
  if (url.protocol === "https:") return url;
  if (url.protocol !== "http:") throw new ConfigurationError([`the ACS endpoint must be https; got ${shown}`]);
  if (!isLoopbackHost(url.hostname)) {
    throw new ConfigurationError([
      `the ACS endpoint must be https (http only for 127.0.0.1, localhost or ::1); got ${shown}`,
    ]);
  }
  if (options.tokenAuth) {
    throw new ConfigurationError([`token credentials need an https ACS endpoint; got ${shown}`]);
  }
  return url;
}

function clientOptions(options: AcsMessagesClientOptions, url: URL) {
  return {
    ...(options.apiVersion === undefined ? {} : { apiVersion: options.apiVersion }),
    ...(options.retryOptions === undefined ? {} : { retryOptions: options.retryOptions }),
    ...(options.tlsOptions === undefined ? {} : { tlsOptions: options.tlsOptions }),
    ...(options.additionalPolicies === undefined ? {} : { additionalPolicies: options.additionalPolicies }),
    // checkEndpoint only lets http: through for loopback hosts.
    allowInsecureConnection: url.protocol === "http:",
  };
}
