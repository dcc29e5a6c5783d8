import type { PipelinePolicy } from "@azure/core-rest-pipeline";

/** Counts storage requests by method, for the benchmarks' round-trips-per-event figures. */
export interface RequestCounter {
  policy: PipelinePolicy;
  readonly total: number;
  readonly byMethod: Readonly<Record<string, number>>;
  /** How many requests were queries (a `$filter` or a table-wide listing) rather than point operations. */
  readonly queries: number;
  /** The most requests that were in flight at once: 1 means every round trip waited for the one before. */
  readonly maxInFlight: number;
  reset(): void;
}

/**
 * Creates a pipeline policy that counts every request a client sends (retries included, since each is a round trip).
 * Add it to table clients with `additionalPolicies: [{ policy: counter.policy, position: "perRetry" }]`.
 */
export function createRequestCounter(): RequestCounter {
  let byMethod: Record<string, number> = {};
  let queries = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    policy: {
      name: "requestCounter",
      async sendRequest(request, next) {
        byMethod[request.method] = (byMethod[request.method] ?? 0) + 1;
        // A point read names both keys in the URL; anything else (filters, partition listings) is a query.
        if (
          request.method === "GET" &&
          !/\(PartitionKey='[^']*',RowKey='[^']*'\)/.test(decodeURIComponent(request.url))
        ) {
          queries++;
        }
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await next(request);
        } finally {
          inFlight--;
        }
      },
    },
    get queries() {
      return queries;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get total() {
      return Object.values(byMethod).reduce((sum, n) => sum + n, 0);
    },
    get byMethod() {
      return byMethod;
    },
    reset() {
      byMethod = {};
      queries = 0;
      maxInFlight = inFlight;
    },
  };
}
