import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest } from "@azure/functions";
import { afterAll, describe, expect, it } from "vitest";
import { findContactHandler } from "../../functions/contacts";
import { healthHandler } from "../../functions/health";
import { createInvocationContext } from "../support/fixtures";
import { useFunctionServices } from "../support/useFunctionServices";

const routesFile = join(mkdtempSync(join(tmpdir(), "routes-")), "routes.json");
writeFileSync(routesFile, JSON.stringify({ routes: [{ name: "store", actions: [{ type: "stor" }] }] }));
const BAD_SETTINGS = { SEND_ADDRESS_PREFERENCE: "nobody", ROUTES_FILE: routesFile };

async function call(handler: typeof healthHandler, path: string) {
  const request = new HttpRequest({ method: "GET", url: `http://localhost:7071${path}` });
  return (await handler(request, createInvocationContext("http"))) as { status: number; jsonBody?: unknown };
}

describe("health and the functions when the deployed settings are invalid", () => {
  const services = useFunctionServices(BAD_SETTINGS);
  afterAll(() => {
    for (const name of Object.keys(BAD_SETTINGS)) delete process.env[name];
  });

  it("answers 503 naming every problem, settings and routes file", async () => {
    const response = await call(healthHandler, "/api/health");
    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({
      status: "unhealthy",
      settings: "invalid",
      problems: [
        "SEND_ADDRESS_PREFERENCE must be bsuid or phone",
        expect.stringMatching(/^routes file .*routes\.json: .*actions\[0\]\.type/),
      ],
    });
  });

  it("fails every other function at once with the same error, read once per process", async () => {
    await expect(services()).rejects.toThrow(/^Invalid configuration: SEND_ADDRESS_PREFERENCE/);
    // Azure restarts the app when its settings change; within a process they are not read again.
    process.env.SEND_ADDRESS_PREFERENCE = "bsuid";
    await expect(services()).rejects.toThrow(/SEND_ADDRESS_PREFERENCE must be bsuid or phone/);
    const response = await call(findContactHandler, "/api/contacts?bsuid=US.13491208655302741918");
    expect(response.status).toBe(503);
    expect(JSON.stringify(response.jsonBody)).toContain("SEND_ADDRESS_PREFERENCE must be bsuid or phone");
  });
});
