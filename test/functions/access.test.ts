import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { HttpRequest, type HttpRequestInit } from "@azure/functions";
import { odata, type TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  eraseByIdentifierHandler,
  eraseContactHandler,
  findContactHandler,
  getContactHandler,
  relinkContactHandler,
} from "../../functions/contacts";
import { getMessageHandler } from "../../functions/messages";
import { sendMessageHandler } from "../../functions/sendMessage";
import { apiAuthLevel } from "../../functions/shared/adapters";
import { resetAppServices, setAppServices, startApp, type AppServices } from "../../lib/app/createAppServices";
import type { AuditEntity } from "../../lib/adapters/tableStorage/createAuditLog";
import { TransientError } from "../../lib/core/errors";
import { silentLogger } from "../../lib/core/logging/createLogger";
import { parseBsuid } from "../../lib/core/values/Bsuid";
import { parsePhoneNumber } from "../../lib/core/values/PhoneNumber";
import { parseScope } from "../../lib/core/values/identifiers";
import { APP_ROLES } from "../../lib/domain/access/Principal";
import { ENDPOINT_ACCESS } from "../../lib/useCases/access/endpointAccess";
import { resolveContact } from "../../lib/useCases/identity/resolveContact";
import { azuriteConnectionString, uniqueTablePrefix } from "../support/createTestTables";
import {
  API_CLIENT_ID,
  startLocalTenant,
  TENANT_ID,
  unsignedToken,
  userClaims,
  type LocalTenant,
} from "../support/entraTokens";
import { createInvocationContext } from "../support/fixtures";

const BSUID = "US.13491208655302741918";
const NEW_BSUID = "US.99991208655302741918";
const PHONE = "+447700900123";
const ACCESS_SETTINGS = ["AUTH_MODE", "ENTRA_TENANT_ID", "ENTRA_AUDIENCE"];

type Handler = (request: HttpRequest, context: ReturnType<typeof createInvocationContext>) => Promise<unknown>;
type Response = {
  status: number;
  jsonBody?: { error?: { code?: string; requiredRole?: string | null }; contactId?: string };
  headers?: Record<string, string>;
};

let tenant: LocalTenant;
let services: AppServices;
let contactId: string;

beforeAll(async () => {
  tenant = await startLocalTenant();
});
afterAll(async () => {
  await tenant.close();
  for (const name of ACCESS_SETTINGS) delete process.env[name];
});

/** Starts the functions' services on fresh tables with `settings`, the verifier reading the local tenant's keys. */
async function startWith(settings: Record<string, string>): Promise<void> {
  for (const name of ACCESS_SETTINGS) delete process.env[name];
  Object.assign(process.env, {
    TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(),
    TABLE_NAME_PREFIX: uniqueTablePrefix(),
    ...settings,
  });
  resetAppServices();
  services = await startApp({ env: process.env }, { entraKeysUrlForTests: tenant.keysUrl });
  setAppServices(services);
  const stored = await resolveContact(
    { store: services.identityStore, logger: silentLogger },
    { scope: parseScope("default"), bsuid: parseBsuid(BSUID), phone: parsePhoneNumber(PHONE) },
  );
  contactId = stored.contact.contactId;
}

const ENTRA = { AUTH_MODE: "entra", ENTRA_TENANT_ID: TENANT_ID, ENTRA_AUDIENCE: API_CLIENT_ID };

function request(init: HttpRequestInit, token?: string): HttpRequest {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return new HttpRequest({ ...init, headers });
}

/** One call per API function, with what it answers when the caller may make it (fresh tables, one contact). */
const CALLS: Record<string, { handler: Handler; init: () => HttpRequestInit; allowed: number }> = {
  getContact: {
    handler: getContactHandler,
    init: () => ({ method: "GET", url: `http://localhost/api/contacts/${contactId}`, params: { contactId } }),
    allowed: 200,
  },
  findContact: {
    handler: findContactHandler,
    init: () => ({ method: "GET", url: `http://localhost/api/contacts?phone=${encodeURIComponent(PHONE)}` }),
    allowed: 200,
  },
  getMessage: {
    handler: getMessageHandler,
    init: () => ({ method: "GET", url: "http://localhost/api/messages/m-1", params: { messageId: "m-1" } }),
    allowed: 404,
  },
  sendMessage: {
    handler: sendMessageHandler,
    init: () => ({
      method: "POST",
      url: "http://localhost/api/messages",
      headers: { "content-type": "application/json" },
      body: { string: JSON.stringify({ recipient: { phone: PHONE }, message: { kind: "text", text: "Hello" } }) },
    }),
    // No ACS in these tests: the send itself is what answers, past the access check.
    allowed: 503,
  },
  relinkContact: {
    handler: relinkContactHandler,
    init: () => ({
      method: "POST",
      url: `http://localhost/api/contacts/${contactId}/relink`,
      params: { contactId },
      headers: { "content-type": "application/json" },
      body: { string: JSON.stringify({ bsuid: NEW_BSUID }) },
    }),
    allowed: 200,
  },
  eraseContact: {
    handler: eraseContactHandler,
    init: () => ({ method: "DELETE", url: `http://localhost/api/contacts/${contactId}`, params: { contactId } }),
    allowed: 200,
  },
  eraseContactByIdentifier: {
    handler: eraseByIdentifierHandler,
    init: () => ({ method: "DELETE", url: `http://localhost/api/contacts?bsuid=${BSUID}` }),
    allowed: 200,
  },
};

async function call(functionName: string, token?: string, init?: HttpRequestInit): Promise<Response> {
  const entry = CALLS[functionName]!;
  return (await entry.handler(request(init ?? entry.init(), token), createInvocationContext(functionName))) as Response;
}

async function auditRows(): Promise<AuditEntity[]> {
  const table: TableClient = services.tables.audit;
  const rows: AuditEntity[] = [];
  for await (const row of table.listEntities<AuditEntity>()) rows.push(row as AuditEntity);
  return rows;
}

const CASES = Object.entries(ENDPOINT_ACCESS).map(([functionName, { role }]) => [functionName, role] as const);

describe("API access with Entra ID", () => {
  beforeEach(() => startWith(ENTRA));

  it("needs the documented role for each function: reads, sends, changes and erasures apart", () => {
    expect(Object.fromEntries(CASES)).toEqual({
      getContact: "Contacts.Read",
      findContact: "Contacts.Read",
      getMessage: "Contacts.Read",
      sendMessage: "Messages.Send",
      relinkContact: "Contacts.Write",
      eraseContact: "Contacts.Erase",
      eraseContactByIdentifier: "Contacts.Erase",
    });
  });

  it("has a call for every function of the role map, and a role of the app registration for each", () => {
    expect(Object.keys(CALLS).sort()).toEqual(Object.keys(ENDPOINT_ACCESS).sort());
    for (const { role } of Object.values(ENDPOINT_ACCESS)) expect(APP_ROLES).toContain(role);
  });

  it.each(CASES)("lets %s run for a caller holding %s", async (functionName, role) => {
    const response = await call(functionName, await tenant.token({ roles: [role] }));
    expect(response.status).toBe(CALLS[functionName]!.allowed);
  });

  it.each(CASES)("refuses %s with 403 naming %s to a caller holding every other role", async (functionName, role) => {
    const others = APP_ROLES.filter((other) => other !== role);
    const response = await call(functionName, await tenant.token({ roles: others }));
    expect(response.status).toBe(403);
    expect(response.jsonBody?.error).toMatchObject({ code: "forbidden", requiredRole: role });
    expect(response.headers?.["WWW-Authenticate"]).toMatch(/^Bearer error="insufficient_scope"/);
  });

  it.each(CASES)("refuses %s with 401 and WWW-Authenticate: Bearer without a token", async (functionName) => {
    const response = await call(functionName);
    expect(response.status).toBe(401);
    expect(response.headers?.["WWW-Authenticate"]).toBe("Bearer");
  });

  it("leaves the contact in place when a caller without Contacts.Erase asks to erase it", async () => {
    const refused = await call("eraseContact", await tenant.token({ roles: ["Contacts.Read", "Contacts.Write"] }));
    expect(refused.status).toBe(403);
    const read = await call("getContact", await tenant.token({ roles: ["Contacts.Read"] }));
    expect(read.status).toBe(200);
  });

  it.each([
    ["expired", () => tenant.token({ roles: ["Contacts.Read"], exp: Math.floor(Date.now() / 1000) - 600 })],
    ["for another API", () => tenant.token({ roles: ["Contacts.Read"], aud: "00000003-0000-0000-c000-000000000000" })],
    ["from another issuer", () => tenant.token({ roles: ["Contacts.Read"], iss: "https://sts.example/v2.0" })],
    ["unsigned (alg none)", () => Promise.resolve(unsignedToken({ ...userClaims(), roles: ["Contacts.Read"] }))],
    ["signed by another key", () => tenant.token({ roles: ["Contacts.Read"] }, { key: tenant.foreignKey })],
  ])("answers 401 invalid_token to a token that is %s", async (_case, token) => {
    const response = await call("getContact", await token());
    expect(response.status).toBe(401);
    expect(response.jsonBody?.error?.code).toBe("invalid_token");
    expect(response.headers?.["WWW-Authenticate"]).toMatch(/^Bearer error="invalid_token", error_description="/);
  });

  it("refuses every Entra ID caller of a function no role grants", async () => {
    const entry = CALLS.getContact!;
    const response = (await entry.handler(
      request(entry.init(), await tenant.token({ roles: [...APP_ROLES] })),
      createInvocationContext("someNewFunction"),
    )) as Response;
    expect(response.status).toBe(403);
    expect(response.jsonBody?.error?.requiredRole).toBeNull();
  });

  it("ignores a function key's header: only the token counts", async () => {
    const response = await call("getContact", undefined, {
      ...CALLS.getContact!.init(),
      headers: { "x-functions-key": "a-key-the-host-would-have-checked" },
    });
    expect(response.status).toBe(401);
  });

  it("asks the host for no function key on the API functions", () => {
    expect(apiAuthLevel()).toBe("anonymous");
  });

  it("answers 503 (not 401) when the tenant's signing keys cannot be fetched", async () => {
    services = await startApp({ env: process.env }, { entraKeysUrlForTests: new URL("http://127.0.0.1:1/keys") });
    setAppServices(services);
    const response = await call("getContact", await tenant.token({ roles: ["Contacts.Read"] }));
    expect(response.status).toBe(503);
    expect(response.jsonBody?.error?.code).toBe("entra_unavailable");
  });
});

describe("audit records", () => {
  beforeEach(() => startWith(ENTRA));

  it("records who read, sent, changed and erased which contact, with identifiers masked", async () => {
    const token = await tenant.token({ roles: [...APP_ROLES] });
    for (const functionName of ["findContact", "sendMessage", "relinkContact", "eraseContact"]) {
      expect((await call(functionName, token)).status).toBe(CALLS[functionName]!.allowed);
    }
    const rows = await auditRows();
    const done = rows.filter((row) => row.phase === "done");
    expect(done.map((row) => [row.functionName, row.activity, row.status])).toEqual([
      ["findContact", "read", 200],
      ["sendMessage", "send", 503],
      ["relinkContact", "change", 200],
      ["eraseContact", "erase", 200],
    ]);
    for (const row of done) {
      expect(row).toMatchObject({
        actor: "entra",
        actorObjectId: userClaims().oid,
        actorClientAppId: userClaims().azp,
        actorName: "Alex Wilber",
        actorUsername: "alexw@contoso.example",
      });
    }
    // The send named a phone and failed before it found the contact: its row names the phone, masked, and no contact.
    expect(done.map((row) => row.contactId ?? null)).toEqual([contactId, null, contactId, contactId]);
    expect(JSON.parse(done[0]!.identifiers)).toEqual(["phone +44*******123"]);
    expect(JSON.parse(done[1]!.identifiers)).toEqual(["phone +44*******123"]);
    expect(JSON.parse(done[2]!.identifiers)).toEqual(["bsuid US.****918"]);
    const stored = JSON.stringify(rows);
    for (const identifier of [PHONE, PHONE.slice(1), BSUID, NEW_BSUID, "7700900123"]) {
      expect(stored).not.toContain(identifier);
    }
  });

  it("records an erasure before it starts, and again with its outcome", async () => {
    const token = await tenant.token({ roles: ["Contacts.Erase"] });
    expect((await call("eraseContact", token)).status).toBe(200);
    const rows = await auditRows();
    expect(rows.map((row) => [row.phase, row.status ?? null])).toEqual([
      ["started", null],
      ["done", 200],
    ]);
  });

  it("keeps each UTC day in a partition of its own, rows in time order", async () => {
    const token = await tenant.token({ roles: ["Contacts.Read"] });
    await call("getContact", token);
    await call("getContact", token);
    const rows = await auditRows();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.partitionKey).toBe(row.at.slice(0, 10).replaceAll("-", ""));
      expect(row.rowKey.startsWith(row.at)).toBe(true);
    }
    expect(rows[0]!.rowKey < rows[1]!.rowKey).toBe(true);
    const day = rows[0]!.partitionKey;
    const filter = odata`PartitionKey eq ${day}`;
    let count = 0;
    for await (const _row of services.tables.audit.listEntities({ queryOptions: { filter } })) count += 1;
    expect(count).toBe(2);
  });

  it("records a refused caller who is known (403) and not an anonymous one (401)", async () => {
    await call("eraseContact", await tenant.token({ roles: ["Contacts.Read"] }));
    await call("eraseContact");
    const rows = await auditRows();
    expect(rows.map((row) => [row.functionName, row.status, row.actorObjectId])).toEqual([
      ["eraseContact", 403, userClaims().oid],
    ]);
  });

  it("does not start an erasure whose audit record cannot be written, and still answers reads", async () => {
    const failing = { record: () => Promise.reject(new TransientError("audit table down")) };
    setAppServices({ ...services, access: { ...services.access, audit: failing } });
    const token = await tenant.token({ roles: ["Contacts.Erase", "Contacts.Read"] });
    const erase = await call("eraseContact", token);
    expect(erase.status).toBe(503);
    expect(erase.jsonBody?.error?.code).toBe("audit_unavailable");
    const read = await call("getContact", token);
    expect(read.status).toBe(200);
    expect(read.jsonBody?.contactId).toBe(contactId);
  });
});

describe("API access with function keys (the default)", () => {
  beforeEach(() => startWith({}));

  it.each(CASES)("runs %s without a token, as before", async (functionName) => {
    expect((await call(functionName)).status).toBe(CALLS[functionName]!.allowed);
  });

  it("records the caller as a function key holder", async () => {
    await call("getContact");
    const [row] = await auditRows();
    expect(row).toMatchObject({ actor: "functionKey", functionName: "getContact", status: 200 });
    expect(row?.actorObjectId).toBeUndefined();
  });

  it("keeps the host's key check on the API functions", () => {
    expect(apiAuthLevel()).toBe("function");
  });
});

describe("registrations", () => {
  const root = join(__dirname, "..", "..");
  const registrations = readdirSync(join(root, "functions"))
    .filter((name) => name.endsWith(".ts"))
    .flatMap((name) =>
      [...readFileSync(join(root, "functions", name), "utf8").matchAll(/app\.http\("(\w+)", \{([^}]*)\}/g)].map(
        (match) => ({ name: match[1]!, options: match[2]! }),
      ),
    );

  it("give every HTTP function but health a role, and let the access mode choose their key check", () => {
    const api = registrations.filter((registration) => registration.name !== "health");
    expect(api.length).toBeGreaterThan(0);
    for (const { name, options } of api) {
      expect(Object.keys(ENDPOINT_ACCESS), name).toContain(name);
      expect(options, name).toContain("authLevel: apiAuthLevel()");
    }
    expect(registrations.find((registration) => registration.name === "health")?.options).toContain(
      'authLevel: "function"',
    );
  });

  /** The key check of each HTTP function of the built app, loaded in a fresh process as the Functions worker loads it. */
  async function builtAuthLevels(env: Record<string, string>): Promise<Record<string, string>> {
    const script = `
      const { loadFunctionApp } = require(${JSON.stringify(join(root, "dist", "local", "host", "loadFunctionApp.js"))});
      const http = loadFunctionApp(${JSON.stringify(root)}).filter((r) => r.triggerType === "httpTrigger");
      process.stdout.write(JSON.stringify(Object.fromEntries(http.map((r) => [r.name, r.trigger.authLevel]))));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
      cwd: root,
      env: { ...process.env, TABLE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true", ...env },
    });
    return JSON.parse(stdout) as Record<string, string>;
  }

  it("ask the host for no key with AUTH_MODE=entra in the built app, and keep the key while the settings are invalid", async () => {
    const api = Object.keys(ENDPOINT_ACCESS);
    const entra = await builtAuthLevels(ENTRA);
    for (const name of api) expect(entra[name], name).toBe("anonymous");
    expect(entra.health).toBe("function");
    const invalid = await builtAuthLevels({ AUTH_MODE: "entra", ENTRA_TENANT_ID: "", ENTRA_AUDIENCE: "" });
    for (const name of [...api, "health"]) expect(invalid[name], name).toBe("function");
  });
});
