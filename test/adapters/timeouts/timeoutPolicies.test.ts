import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asTransient } from "../../../lib/adapters/tableStorage/tableErrors";
import { isTimeout, timeoutPolicies, TRY_TIMEOUT_CODE } from "../../../lib/adapters/timeouts/timeoutPolicies";
import { runWithDeadline } from "../../../lib/core/deadline";

// A table service that accepts connections and never answers: the real SDK's pipeline is what is under test.
const sockets = new Set<Socket>();
let connections = 0;
const server = createServer((socket) => {
  connections += 1;
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function silentTable(tryTimeoutMs: number, maxRetries: number): TableClient {
  const key = Buffer.from("timeout-test").toString("base64");
  return TableClient.fromConnectionString(
    `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};` +
      `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
    "silent",
    {
      allowInsecureConnection: true,
      retryOptions: { maxRetries, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
      additionalPolicies: timeoutPolicies(tryTimeoutMs),
    },
  );
}

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

describe("timeout policies on a real SDK client", () => {
  it("abandons a try that gets no answer and retries it, then fails as a timeout", async () => {
    const before = connections;
    const error = await failureOf(silentTable(100, 1).getEntity("p", "r"));
    expect((error as { code?: string }).code).toBe(TRY_TIMEOUT_CODE);
    expect(isTimeout(error)).toBe(true);
    expect(connections - before).toBe(2);
    expect(asTransient("read", error).code).toBe("storage_timeout");
  });

  it("stops the call, retries included, at the invocation's deadline", async () => {
    const error = await failureOf(runWithDeadline(150, () => silentTable(60_000, 5).getEntity("p", "r")));
    expect(isTimeout(error)).toBe(true);
  });

  it("tells a timeout from another failure", () => {
    expect(isTimeout(new Error("boom"))).toBe(false);
    expect(isTimeout({ code: "ECONNREFUSED" })).toBe(false);
    expect(isTimeout(new Error("wrapped", { cause: Object.assign(new Error("x"), { name: "AbortError" }) }))).toBe(
      true,
    );
  });
});
