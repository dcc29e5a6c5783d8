import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createIdentityStore } from "../../lib/adapters/tableStorage/createIdentityStore";
import { importContacts, parseContactsCsv } from "../../lib/useCases/identity/importContacts";
import { resolveContact } from "../../lib/useCases/identity/resolveContact";
import { silentLogger } from "../../lib/core/logging/createLogger";
import { parseBsuid } from "../../lib/core/values/Bsuid";
import { parseScope } from "../../lib/core/values/identifiers";
import { createTableClients } from "../../lib/adapters/tableStorage/createTableClients";
import { azuriteConnectionString, createTestTables, uniqueTablePrefix } from "../support/createTestTables";

const scope = parseScope("default");

describe("importContacts against Azurite", () => {
  it("loads phone-only contacts that a later phone+BSUID message attaches to without a duplicate", async () => {
    const store = createIdentityStore(await createTestTables());
    const deps = { store, logger: silentLogger };
    const { rows } = parseContactsCsv("phone,externalId,name\n+447700900123,crm-1,Ada\n+14255551234,crm-2,Bob\n");
    expect(await importContacts(deps, scope, rows)).toEqual({ created: 2, updated: 0, unchanged: 0, problems: [] });
    expect(await importContacts(deps, scope, rows)).toMatchObject({ created: 0, unchanged: 2 });

    const linked = await resolveContact(deps, {
      scope,
      bsuid: parseBsuid("GB.88213456712094"),
      phone: rows[0]!.phone,
    });
    expect(linked.actions).toEqual(["attachedBsuid"]);
    expect(linked.contact).toMatchObject({ externalId: "crm-1", name: "Ada", bsuid: "GB.88213456712094" });
    expect(await store.listContacts(scope)).toHaveLength(2);
  });

  it("fills the external ID of a contact that already wrote when the CRM file names it", async () => {
    const store = createIdentityStore(await createTestTables());
    const deps = { store, logger: silentLogger };
    const { rows } = parseContactsCsv("phone,externalId\n+14255551234,crm-9\n");
    await resolveContact(deps, { scope, bsuid: parseBsuid("US.13491208655302741918"), phone: rows[0]!.phone });
    expect(await importContacts(deps, scope, rows)).toMatchObject({ updated: 1 });
    expect((await store.listContacts(scope))[0]).toMatchObject({
      externalId: "crm-9",
      bsuid: "US.13491208655302741918",
    });
  });
});

describe("npm run contacts:import", () => {
  it("loads the good rows, reports bad ones by line and exits 1 when some rows were rejected", async () => {
    const dir = await mkdtemp(join(tmpdir(), "import-"));
    const file = join(dir, "crm.csv");
    await writeFile(file, "phone,name\n+447700900123,Ada\nbogus,Bob\n07700 900456,Carol\n");
    const prefix = uniqueTablePrefix();
    const env = {
      ...process.env,
      TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(),
      TABLE_NAME_PREFIX: prefix,
    };
    const script = join(__dirname, "..", "..", "dist", "scripts", "importContacts.js");
    const result = await promisify(execFile)(process.execPath, [script, file, "--country", "GB"], { env }).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect("code" in result ? result.code : 0).toBe(1);
    expect(result.stdout).toContain("2 created");
    expect(result.stdout).toContain("line 3: phone is not a valid number");
    const tables = createTableClients(
      { kind: "connectionString", connectionString: azuriteConnectionString() },
      prefix,
    );
    expect(await createIdentityStore(tables).listContacts(scope)).toHaveLength(2);
  });
});
