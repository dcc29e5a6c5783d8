import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_SETTINGS, loadConfig } from "../../lib/app/loadConfig";
import { ConfigurationError } from "../../lib/core/errors";

const ROOT = join(__dirname, "..", "..");
const BASE = { TABLE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true" };
const ACS = { ACS_CONNECTION_STRING: "endpoint=https://acs.example.com/;accesskey=a2V5" };

function routesFile(routes: unknown[]): string {
  const path = join(mkdtempSync(join(tmpdir(), "routing-config-")), "routes.json");
  writeFileSync(path, JSON.stringify({ routes }));
  return path;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return [...error.problems];
    throw error;
  }
  return [];
}

const forwardRoute = { name: "crm", actions: [{ type: "forward" }] };
const replyRoute = { name: "thanks", actions: [{ type: "reply", message: { kind: "text", text: "Thanks!" } }] };

describe("loadConfig routing settings", () => {
  it("lists the routing settings with every other setting", () => {
    expect(CONFIG_SETTINGS).toEqual(
      expect.arrayContaining([
        "ROUTES_FILE",
        "FORWARD_QUEUE_CONNECTION_STRING",
        "FORWARD_QUEUE_SERVICE_URI",
        "FORWARD_QUEUE_NAME",
      ]),
    );
  });

  it("loads the shipped routes.json from the app root when ROUTES_FILE is not set", () => {
    const config = loadConfig(BASE);
    expect(config.routing.routesFile).toBe(join(ROOT, "routes.json"));
    expect(config.routing.routes.map((route) => route.name)).toEqual(["store-every-message"]);
    expect(config.routing.forwardQueue).toBeUndefined();
  });

  interface QueueCase {
    when: string;
    env: Record<string, string>;
    expected: unknown;
  }
  const queueCases: QueueCase[] = [
    {
      when: "a connection string is set",
      env: { FORWARD_QUEUE_CONNECTION_STRING: "UseDevelopmentStorage=true" },
      expected: {
        kind: "connectionString",
        connectionString: "UseDevelopmentStorage=true",
        queueName: "inbound-messages",
      },
    },
    {
      when: "a service URI and a client ID are set",
      env: {
        FORWARD_QUEUE_SERVICE_URI: "https://stcontoso.queue.core.windows.net",
        AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
        FORWARD_QUEUE_NAME: "crm-inbound",
      },
      expected: {
        kind: "serviceUri",
        serviceUri: "https://stcontoso.queue.core.windows.net",
        queueName: "crm-inbound",
        managedIdentityClientId: "11111111-2222-3333-4444-555555555555",
      },
    },
  ];

  it.each(queueCases)("configures the forward queue when $when", ({ env, expected }) => {
    expect(loadConfig({ ...BASE, ...env }).routing.forwardQueue).toEqual(expected);
  });

  it("names every routing problem at once, with the other settings' problems, when several are wrong", () => {
    const file = routesFile([
      forwardRoute,
      replyRoute,
      {
        name: "bad",
        filter: { advancedFilters: [{ operatorType: "StringIn", key: "data.from" }] },
        actions: [{ type: "store" }],
      },
    ]);
    const problems = problemsOf({
      ...BASE,
      TABLE_NAME_PREFIX: "1bad",
      ROUTES_FILE: file,
      FORWARD_QUEUE_NAME: "Bad_Name",
    });
    expect(problems).toEqual([
      expect.stringMatching(/^TABLE_NAME_PREFIX/),
      expect.stringMatching(/^FORWARD_QUEUE_NAME must be 3-63 lower-case letters/),
      `routes file ${file}: route "bad" (routes[2]): filter.advancedFilters[0].values: must be a non-empty list of strings`,
      expect.stringMatching(/^routes "crm" forward messages/),
      expect.stringMatching(/^routes "thanks" reply to messages/),
    ]);
  });

  it("refuses to start when routes forward or reply and the queue or ACS is missing", () => {
    const problems = problemsOf({ ...BASE, ROUTES_FILE: routesFile([forwardRoute, replyRoute]) });
    expect(problems).toEqual([
      'routes "crm" forward messages, which needs FORWARD_QUEUE_CONNECTION_STRING (local) or FORWARD_QUEUE_SERVICE_URI (Azure, managed identity)',
      'routes "thanks" reply to messages, which needs ACS_ENDPOINT (Azure, managed identity) or ACS_CONNECTION_STRING',
    ]);
  });

  it("accepts routes that forward and reply when the queue and ACS are configured", () => {
    const config = loadConfig({
      ...BASE,
      ...ACS,
      ROUTES_FILE: routesFile([forwardRoute, replyRoute]),
      FORWARD_QUEUE_CONNECTION_STRING: "UseDevelopmentStorage=true",
    });
    expect(config.routing.routes.map((route) => route.name)).toEqual(["crm", "thanks"]);
  });

  it.each([
    [
      { FORWARD_QUEUE_CONNECTION_STRING: "x", FORWARD_QUEUE_SERVICE_URI: "https://a.queue.core.windows.net" },
      /set only one/,
    ],
    [{ FORWARD_QUEUE_SERVICE_URI: "stcontoso" }, /FORWARD_QUEUE_SERVICE_URI must be a URL/],
    [
      { FORWARD_QUEUE_CONNECTION_STRING: "hello" },
      /FORWARD_QUEUE_CONNECTION_STRING must be a storage connection string/,
    ],
    [{ ROUTES_FILE: "no/such/routes.json" }, /routes file .*no\/such\/routes\.json: cannot be read \(ENOENT\)/],
  ])("names the problem when the settings are %j", (env, problem) => {
    expect(problemsOf({ ...BASE, ...env }).join("\n")).toMatch(problem);
  });

  it("resolves a relative ROUTES_FILE against the app root, not the working directory", () => {
    const config = loadConfig({
      ...BASE,
      ROUTES_FILE: "samples/routes/routes.example.json",
      ...ACS,
      FORWARD_QUEUE_CONNECTION_STRING: "UseDevelopmentStorage=true",
    });
    expect(config.routing.routesFile).toBe(join(ROOT, "samples", "routes", "routes.example.json"));
    expect(config.routing.routes.length).toBeGreaterThan(1);
  });
});
