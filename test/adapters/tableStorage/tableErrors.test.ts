import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { TransientError } from "../../../lib/core/errors";
import {
  asTransient,
  isConflict,
  isEntityMissing,
  isPreconditionFailed,
  statusOf,
} from "../../../lib/adapters/tableStorage/tableErrors";
import { azuriteConnectionString, uniqueTablePrefix } from "../../support/createTestTables";

function tableClient(): TableClient {
  return TableClient.fromConnectionString(azuriteConnectionString(), `${uniqueTablePrefix()}errors`, {
    allowInsecureConnection: true,
  });
}

async function createdTable(): Promise<TableClient> {
  const table = tableClient();
  await table.createTable();
  return table;
}

/** The error a Table Storage call rejected with. */
async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

const entity = { partitionKey: "p", rowKey: "r", value: 1 };

describe("tableErrors against Azurite", () => {
  it("reads a 404 for an absent entity as a missing entity, and nothing else", async () => {
    const table = await createdTable();
    const error = await failureOf(() => table.getEntity("p", "absent"));

    expect(statusOf(error)).toBe(404);
    expect([isEntityMissing(error), isConflict(error), isPreconditionFailed(error)]).toEqual([true, false, false]);
  });

  it("does not read a 404 for a missing table as a missing entity", async () => {
    const table = tableClient();
    const error = await failureOf(() => table.getEntity("p", "r"));

    expect(statusOf(error)).toBe(404);
    expect(isEntityMissing(error)).toBe(false);
  });

  it("reads a second insert of one entity as a conflict", async () => {
    const table = await createdTable();
    await table.createEntity(entity);
    const error = await failureOf(() => table.createEntity(entity));

    expect(statusOf(error)).toBe(409);
    expect([isConflict(error), isEntityMissing(error), isPreconditionFailed(error)]).toEqual([true, false, false]);
  });

  it("reads a write on an outdated ETag as a failed precondition", async () => {
    const table = await createdTable();
    const { etag } = await table.createEntity(entity);
    await table.updateEntity({ ...entity, value: 2 }, "Replace", { etag });
    const error = await failureOf(() => table.updateEntity({ ...entity, value: 3 }, "Replace", { etag }));

    expect(statusOf(error)).toBe(412);
    expect([isPreconditionFailed(error), isConflict(error), isEntityMissing(error)]).toEqual([true, false, false]);
  });

  it("wraps a failure as a transient storage error naming the operation and the HTTP status", async () => {
    const table = tableClient();
    const error = await failureOf(() => table.getEntity("p", "r"));
    const wrapped = asTransient("contact read", error);

    expect(wrapped).toBeInstanceOf(TransientError);
    expect(wrapped).toMatchObject({
      message: "Table Storage contact read failed with HTTP 404",
      code: "storage_unavailable",
      cause: error,
    });
  });

  it("names no status when the failure carries none", () => {
    const cause = new Error("socket hang up");

    expect(statusOf(cause)).toBeUndefined();
    expect(asTransient("message insert", cause).message).toBe("Table Storage message insert failed");
  });
});
