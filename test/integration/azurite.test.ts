import { describe, expect, it } from "vitest";
import { createTestTables } from "../support/createTestTables";

describe("Azurite test setup", () => {
  it("does a real round trip when the global setup started Azurite", async () => {
    const tables = await createTestTables();
    await tables.contacts.createEntity({ partitionKey: "p", rowKey: "r", value: 42 });
    const entity = await tables.contacts.getEntity<{ value: number }>("p", "r");
    expect(entity.value).toBe(42);
  });
});
