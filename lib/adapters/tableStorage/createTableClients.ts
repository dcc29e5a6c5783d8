import { isLoopbackHost } from "../../core/isLoopbackHost";
import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { isTableMissing, isTableMissingResponse } from "./isTableMissing";
import { createCredential } from "../credentials/createCredential";

/** Where the app's tables live: a connection string (local, Azurite) or an endpoint reached with a managed identity. */
export type TableStorageConfig =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "endpoint"; endpoint: string; managedIdentityClientId: string | undefined };

/** The tables the app uses, by role. */
export interface AppTables {
  /** Contacts by contactId (plus tombstones of merged contacts). */
  contacts: TableClient;
  /** Identity keys: (scope, BSUID) and (scope, phone) → contactId. One partition per key, so point reads only. */
  identityKeys: TableClient;
  /** The message ledger: one partition per messageId holding the message row and its status history. */
  messages: TableClient;
  /** Events acknowledged as permanently bad, with the reason and the raw event. */
  rejectedEvents: TableClient;
  /** Send records by idempotency key, so a retried send returns the first result and sends nothing twice. */
  sends: TableClient;
  /** What each route did per inbound message, so a redelivery skips finished route actions. */
  routeActions: TableClient;
  /** Receipts of erasures (counts per kind, no identifiers), and what is left to sweep once in-flight events end. */
  erasures: TableClient;
  /** Who read, changed, sent to or erased which contact, and when: one partition per UTC day. */
  audit: TableClient;
  /** Where the retention purge keeps its place in each table between runs. */
  retention: TableClient;
}

function isLoopback(url: string): boolean {
  return isLoopbackHost(URL.parse(url)?.hostname ?? "");
}

function connectionStringTargetsLoopback(connectionString: string): boolean {
  if (/UseDevelopmentStorage=true/i.test(connectionString)) return true;
  const endpoint = /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
  return endpoint !== undefined && isLoopback(endpoint);
}

/** Requests to the table service itself (create, delete, list tables): the policy never acts on them. */
function isTableServiceRequest(request: PipelineRequest): boolean {
  return /\/Tables(\(.*\))?$/.test(new URL(request.url).pathname);
}

/**
 * A pipeline policy that heals a table deleted while the process runs: when a request answers 404 `TableNotFound`, it
 * creates the table with `createTable` and sends the request once more. Concurrent requests share one creation. When
 * creating fails (Azure answers 409 `TableBeingDeleted` for up to about 40 s after a deletion), the original 404 is
 * returned unchanged: the stores treat it as transient and Event Grid redelivers later. One recreation attempt per
 * request, never a loop. It logs nothing: request URLs carry identifiers (partition and row keys).
 */
export function recreateMissingTablePolicy(createTable: () => Promise<void>): PipelinePolicy {
  let creating: Promise<boolean> | undefined;
  const recreate = (): Promise<boolean> =>
    (creating ??= createTable()
      .then(
        () => true,
        () => false,
      )
      .finally(() => (creating = undefined)));

  return {
    name: "recreateMissingTablePolicy",
    async sendRequest(request, next) {
      // Creating the table goes through this pipeline too; acting on it would wait for itself. Checked only once a
      // table is found missing, so the hot path pays nothing for it.
      const mayRecreate = () => !isTableServiceRequest(request) && recreate();
      let response: PipelineResponse;
      try {
        response = await next(request);
      } catch (error) {
        // Behind the client's deserialisation, error statuses arrive as thrown errors carrying the response.
        if (!isTableMissing(error) || !(await mayRecreate())) throw error;
        return next(request);
      }
      if (!isTableMissingResponse(response) || !(await mayRecreate())) return response;
      // Table request bodies are strings, so the request can be sent again as it is.
      return next(request);
    },
  };
}

/**
 * Creates one table client per role, each with {@link recreateMissingTablePolicy}. `options` lets callers add pipeline
 * policies (the benchmarks count round trips with one); they are kept. Plain HTTP is allowed only for loopback
 * endpoints (Azurite).
 */
export function createTableClients(
  storage: TableStorageConfig,
  prefix: string,
  options: TableServiceClientOptions = {},
): AppTables {
  const make = (role: keyof AppTables): TableClient => {
    const tableName = `${prefix}${role[0]!.toUpperCase()}${role.slice(1)}`;
    const clientOptions: TableServiceClientOptions = {
      ...options,
      additionalPolicies: [
        ...(options.additionalPolicies ?? []),
        { policy: recreateMissingTablePolicy(() => client.createTable()), position: "perCall" },
      ],
    };
    const client =
      storage.kind === "connectionString"
        ? TableClient.fromConnectionString(storage.connectionString, tableName, {
            ...clientOptions,
            allowInsecureConnection: connectionStringTargetsLoopback(storage.connectionString),
          })
        : new TableClient(storage.endpoint, tableName, createCredential(storage.managedIdentityClientId), {
            ...clientOptions,
            allowInsecureConnection: isLoopback(storage.endpoint),
          });
    return client;
  };
  return {
    contacts: make("contacts"),
    identityKeys: make("identityKeys"),
    messages: make("messages"),
    rejectedEvents: make("rejectedEvents"),
    sends: make("sends"),
    routeActions: make("routeActions"),
    erasures: make("erasures"),
    audit: make("audit"),
    retention: make("retention"),
  };
}

/**
 * Creates the tables if they do not exist (idempotent; run once per process). A table deleted later is recreated on
 * first use by {@link recreateMissingTablePolicy}.
 */
export async function ensureTables(tables: AppTables): Promise<void> {
  await Promise.all(Object.values(tables).map((table: TableClient) => table.createTable()));
}
