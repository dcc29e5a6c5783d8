import { describe, expect, it } from "vitest";
import { CONFIG_SETTINGS, loadConfig } from "../../lib/app/loadConfig";
import { ConfigurationError } from "../../lib/core/errors";

const BASE = { TABLE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true" };
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const API = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

describe("access settings", () => {
  it("keeps function keys when AUTH_MODE is not set", () => {
    expect(loadConfig(BASE).access).toEqual({ mode: "keys" });
  });

  it("reads Entra ID access with the tenant and the API's client ID, in lower case", () => {
    const config = loadConfig({
      ...BASE,
      AUTH_MODE: "Entra",
      ENTRA_TENANT_ID: TENANT.toUpperCase(),
      ENTRA_AUDIENCE: ` ${API} `,
    });
    expect(config.access).toEqual({ mode: "entra", tenantId: TENANT, audience: API });
  });

  it("names every missing Entra setting in one error when AUTH_MODE is entra", () => {
    const problems = problemsOf({ AUTH_MODE: "entra", DEFAULT_SCOPE: "not a scope" });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/ENTRA_TENANT_ID must be the tenant ID/);
    expect(problems.join("\n")).toMatch(/ENTRA_AUDIENCE must be the application \(client\) ID/);
    expect(problems.join("\n")).toMatch(/DEFAULT_SCOPE/);
  });

  it.each([
    [{ AUTH_MODE: "aad" }, /AUTH_MODE must be keys or entra/],
    [{ AUTH_MODE: "entra", ENTRA_TENANT_ID: "contoso.onmicrosoft.com", ENTRA_AUDIENCE: API }, /ENTRA_TENANT_ID/],
    [{ AUTH_MODE: "entra", ENTRA_TENANT_ID: TENANT, ENTRA_AUDIENCE: `api://${API}` }, /ENTRA_AUDIENCE/],
    [{ ENTRA_TENANT_ID: TENANT, ENTRA_AUDIENCE: API }, /only read with AUTH_MODE=entra/],
  ])("refuses %o with one problem naming the setting", (env, problem) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it("lists its settings among those the app reads", () => {
    expect(CONFIG_SETTINGS).toEqual(expect.arrayContaining(["AUTH_MODE", "ENTRA_TENANT_ID", "ENTRA_AUDIENCE"]));
  });
});
