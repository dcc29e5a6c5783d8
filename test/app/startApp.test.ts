import { TableServiceClient } from "@azure/data-tables";
import { afterEach, describe, expect, it } from "vitest";
import { getStartupConfig, resetAppServices, startApp, withAppSettings } from "../../lib/app/createAppServices";
import { loadConfig } from "../../lib/app/loadConfig";
import { ConfigurationError } from "../../lib/core/errors";
import { azuriteConnectionString, uniqueTablePrefix } from "../support/createTestTables";

afterEach(() => resetAppServices());

async function tableNames(prefix: string): Promise<string[]> {
  const service = TableServiceClient.fromConnectionString(azuriteConnectionString(), { allowInsecureConnection: true });
  const names: string[] = [];
  for await (const table of service.listTables({ queryOptions: { filter: `TableName ge '${prefix}'` } })) {
    if (table.name?.startsWith(prefix)) names.push(table.name);
  }
  return names;
}

describe("startApp", () => {
  it("creates every table of the services when it starts from raw settings", async () => {
    const prefix = uniqueTablePrefix();
    const services = await startApp({
      env: { TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(), TABLE_NAME_PREFIX: prefix },
    });
    expect(services.config.tableNamePrefix).toBe(prefix);
    const created = await tableNames(prefix);
    expect(created.length).toBeGreaterThan(0);
    expect(created.sort()).toEqual(
      Object.values(services.tables)
        .map((table) => table.tableName)
        .sort(),
    );
  });

  it("uses a config the caller already read, without reading settings again", async () => {
    const config = loadConfig({
      TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(),
      TABLE_NAME_PREFIX: uniqueTablePrefix(),
    });
    const services = await startApp({ config });
    expect(services.config).toBe(config);
  });

  it("rejects with one error naming every problem when the settings are invalid", async () => {
    const started = startApp({ env: { TABLE_NAME_PREFIX: "1bad", SEND_ADDRESS_PREFERENCE: "fax" } });
    await expect(started).rejects.toBeInstanceOf(ConfigurationError);
    await expect(started).rejects.toThrow(
      /TABLE_STORAGE_CONNECTION_STRING.*TABLE_NAME_PREFIX.*SEND_ADDRESS_PREFERENCE/s,
    );
  });
});

describe("withAppSettings", () => {
  it("makes the functions read the settings it hands them instead of process.env while they load", () => {
    const before = { ...process.env };
    const config = withAppSettings(
      { TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(), TABLE_NAME_PREFIX: "handedOver" },
      () => getStartupConfig(),
    );
    expect(config.tableNamePrefix).toBe("handedOver");
    // Read once and kept, as the functions keep what they read as they load.
    expect(getStartupConfig()).toBe(config);
    expect(process.env).toEqual(before);
  });

  it("hands nothing over once the load is done, so a later start reads process.env again", () => {
    withAppSettings({ TABLE_NAME_PREFIX: "handedOver" }, () => undefined);
    const saved = process.env.TABLE_STORAGE_CONNECTION_STRING;
    process.env.TABLE_STORAGE_CONNECTION_STRING = azuriteConnectionString();
    try {
      expect(getStartupConfig().tableNamePrefix).not.toBe("handedOver");
    } finally {
      if (saved === undefined) delete process.env.TABLE_STORAGE_CONNECTION_STRING;
      else process.env.TABLE_STORAGE_CONNECTION_STRING = saved;
    }
  });
});
