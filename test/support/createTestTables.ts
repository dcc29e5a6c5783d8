import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { createTableClients, ensureTables, type AppTables } from "../../lib/adapters/tableStorage/createTableClients";

/** Connection string of the Azurite instance the global setup started. */
export function azuriteConnectionString(): string {
  return inject("tableConnectionString");
}

/** A unique table-name prefix, so every test gets empty tables of its own. */
export function uniqueTablePrefix(): string {
  return `t${randomBytes(6).toString("hex")}`;
}

/** Creates fresh, empty tables in the test Azurite. */
export async function createTestTables(): Promise<AppTables> {
  const tables = createTableClients(
    { kind: "connectionString", connectionString: azuriteConnectionString() },
    uniqueTablePrefix(),
  );
  await ensureTables(tables);
  return tables;
}

/** Connection string with blob, queue and table endpoints of the test Azurite. */
export function azuriteStorageConnectionString(): string {
  return inject("storageConnectionString");
}
