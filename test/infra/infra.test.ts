import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_SETTINGS } from "../../lib/app/loadConfig";
import { DEFAULT_FORWARD_QUEUE_NAME } from "../../lib/adapters/queue/createForwardQueue";
import {
  BicepFailure,
  declarationOf,
  declarations,
  evaluateExpression,
  formatFindings,
  guidLiterals,
  moduleFindings,
  moduleInterface,
  objectProperties,
  parseBicep,
  propertyAt,
  resourceApiVersion,
  resourceType,
  resourcesOfType,
  roleReferenceFindings,
  secretFindings,
  stringValue,
  symbolFindings,
  syntaxErrors,
  type SyntaxNode,
} from "./bicepChecks";
import { planAcsConnection, REQUIRED_SETTINGS } from "../../scripts/connectAcs";

const root = resolve(__dirname, "..", "..");
const infra = join(root, "infra");
const read = (path: string): string => readFileSync(join(root, path), "utf8");

function bicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return bicepFiles(path);
    return entry.name.endsWith(".bicep") ? [relative(root, path).split("\\").join("/")] : [];
  });
}

const FILES = bicepFiles(infra);
const source = (file: string): string => read(file);
const tree = (file: string): SyntaxNode => parseBicep(source(file)).rootNode;

/** Microsoft's built-in role definition IDs (learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const MICROSOFT_ROLE_IDS: Record<string, string> = {
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  eventGridDataSender: "d5a91429-5739-47e2-a06b-3470a27159e7",
  communicationAndEmailServiceOwner: "09976791-48a7-449e-bb21-39d1a415f350",
};

/**
 * Settings the app reads that are intentionally absent in Azure: each is the local alternative (Azurite, the ACS
 * emulator) of a managed-identity setting, and the app refuses both at once. A new setting must be added either to
 * the app settings in main.bicep or here.
 */
const LOCAL_ONLY_SETTINGS: Record<string, string> = {
  TABLE_STORAGE_CONNECTION_STRING: "TABLE_STORAGE_ENDPOINT",
  ACS_CONNECTION_STRING: "ACS_ENDPOINT",
  FORWARD_QUEUE_CONNECTION_STRING: "FORWARD_QUEUE_SERVICE_URI",
};

/** Settings of the Functions host rather than the app. */
const HOST_SETTING = /^(AzureWebJobsStorage(__\w+)?|AzureWebJobsScriptRoot|FUNCTIONS_\w+|APPLICATIONINSIGHTS_\w+)$/;

/** Settings Flex Consumption does not take (the runtime comes from functionAppConfig). */
const NOT_ON_FLEX = [
  "FUNCTIONS_WORKER_RUNTIME",
  "FUNCTIONS_EXTENSION_VERSION",
  "WEBSITE_RUN_FROM_PACKAGE",
  "WEBSITE_CONTENTSHARE",
  "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
  "AzureWebJobsStorage",
];

function objectKeysOf(file: string, variable: string): string[] {
  const declaration = declarationOf(tree(file), variable);
  expect(declaration?.kind, `${file}: var ${variable}`).toBe("var");
  return [...objectProperties(declaration!.value).keys()];
}

describe("every Bicep file", () => {
  it("exists where azd expects it", () => {
    expect(FILES).toContain("infra/main.bicep");
    expect(existsSync(join(infra, "main.parameters.json"))).toBe(true);
    expect(existsSync(join(infra, "abbreviations.json"))).toBe(true);
  });

  it("parses without syntax errors", () => {
    const findings = FILES.flatMap((file) => syntaxErrors(file, source(file)));
    expect(formatFindings(findings)).toBe("");
  });

  it("has no undefined symbols, dead parameters or dead variables", () => {
    const findings = FILES.flatMap((file) => symbolFindings(file, source(file)));
    expect(formatFindings(findings)).toBe("");
  });

  it("wires its modules to their parameters and outputs", () => {
    const findings = FILES.flatMap((file) =>
      moduleFindings(file, source(file), (path) => {
        const target = resolve(root, dirname(file), path);
        return existsSync(target) ? readFileSync(target, "utf8") : undefined;
      }),
    );
    expect(formatFindings(findings)).toBe("");
  });

  it("never handles keys: no list*() calls, key properties or connection strings", () => {
    const findings = FILES.flatMap((file) => secretFindings(file, source(file)));
    expect(formatFindings(findings)).toBe("");
  });

  it("loads only files that exist", () => {
    const missing = FILES.flatMap((file) =>
      [...source(file).matchAll(/load(?:Json|Text|Yaml)Content\('([^']+)'/g)]
        .map((match) => match[1]!)
        .filter((path) => !existsSync(resolve(root, dirname(file), path)))
        .map((path) => `${file}: ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it("names resources with prefixes that abbreviations.json holds, and uses every one", () => {
    const abbreviations = Object.keys(JSON.parse(read("infra/abbreviations.json")) as object);
    const used = new Set(
      FILES.flatMap((file) => [...source(file).matchAll(/\babbrs\.(\w+)/g)].map((match) => match[1]!)),
    );
    expect([...used].filter((name) => !abbreviations.includes(name))).toEqual([]);
    expect(abbreviations.filter((name) => !used.has(name))).toEqual([]);
  });

  it("writes an API version on every resource", () => {
    const unversioned = FILES.flatMap((file) =>
      declarations(tree(file))
        .filter((d) => d.kind === "resource" && resourceType(d).includes("/") && !resourceApiVersion(d))
        .map((d) => `${file}: ${d.name}`),
    );
    expect(unversioned).toEqual([]);
  });
});

describe("role assignments", () => {
  const table = objectProperties(declarationOf(tree("infra/app/roles.bicep"), "roleDefinitionIds")?.value);
  const roles = new Map([...table].map(([name, value]) => [name, stringValue(value)]));

  it("take their role IDs from one table holding Microsoft's IDs", () => {
    expect(roles.size).toBeGreaterThan(0);
    for (const [name, id] of roles) expect(id, name).toBe(MICROSOFT_ROLE_IDS[name]);
  });

  it("hold no role ID anywhere but the table", () => {
    const elsewhere = FILES.filter((file) => file !== "infra/app/roles.bicep").flatMap((file) =>
      guidLiterals(source(file)).map(({ guid, line }) => `${file}:${line}: ${guid}`),
    );
    expect(elsewhere).toEqual([]);
  });

  it("name their role through the table or a custom role of the same file", () => {
    const names = new Set(roles.keys());
    const findings = FILES.flatMap((file) => roleReferenceFindings(file, source(file), names));
    expect(formatFindings(findings)).toBe("");
  });

  it("use every role of the table", () => {
    const all = FILES.map(source).join("\n");
    for (const name of roles.keys()) expect(all, name).toContain(`roleDefinitionIds.${name}`);
  });

  it("give the app identity what it needs and nothing broader", () => {
    const rbac = source("infra/app/rbac.bicep");
    for (const role of [
      "storageBlobDataOwner",
      "storageQueueDataContributor",
      "storageTableDataContributor",
      "monitoringMetricsPublisher",
    ]) {
      expect(rbac).toContain(`roleDefinitionIds.${role}`);
    }
    // Contributor and Owner, as Microsoft's ACS Entra ID quickstart would grant them.
    const all = FILES.map(source).join("\n").toLowerCase();
    expect(all).not.toContain("b24988ac-6180-42a0-ab88-20f7382dd24c");
    expect(all).not.toContain("8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
  });

  it("grant ACS access through the sender role parameter, Communication and Email Service Owner by default, on the ACS resource only", () => {
    const file = "infra/app/acsConnection.bicep";
    // No custom role: Microsoft documents none for sending Advanced Messages (see roles.bicep).
    expect(resourcesOfType(tree(file), "Microsoft.Authorization/roleDefinitions")).toEqual([]);
    const [assignment] = resourcesOfType(tree(file), "Microsoft.Authorization/roleAssignments");
    const scope = propertyAt(assignment!.value, ["scope"])!.text;
    expect(resourceType(declarationOf(tree(file), scope)!)).toBe("Microsoft.Communication/communicationServices");
    expect(propertyAt(assignment!.value, ["properties", "roleDefinitionId"])?.text).toBe(
      "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', senderRoleId)",
    );
    const parameter = declarationOf(tree(file), "senderRoleDefinitionId")!;
    expect(parameter.kind).toBe("param");
    expect(stringValue(parameter.value)).toBe("");
    const senderRole = (senderRoleDefinitionId: string) =>
      evaluateExpression(declarationOf(tree(file), "senderRoleId")!.value!, {
        senderRoleDefinitionId,
        "roleDefinitionIds.communicationAndEmailServiceOwner": roles.get("communicationAndEmailServiceOwner")!,
      });
    expect(senderRole("")).toBe(MICROSOFT_ROLE_IDS.communicationAndEmailServiceOwner);
    const custom = "2f0e9c6a-1b3d-4e5f-8a7b-9c0d1e2f3a4b";
    expect(senderRole(custom)).toBe(custom);
  });
});

describe("storage, monitoring and the function app", () => {
  it("keep storage keys off and blobs private", () => {
    const [storage] = resourcesOfType(tree("infra/app/storage.bicep"), "Microsoft.Storage/storageAccounts");
    const properties = (path: string): string | undefined => propertyAt(storage!.value, ["properties", path])?.text;
    expect(properties("allowSharedKeyAccess")).toBe("false");
    expect(properties("allowBlobPublicAccess")).toBe("false");
    expect(properties("minimumTlsVersion")).toBe("'TLS1_2'");
  });

  it("create the deployment container, the dead-letter container and the forward queue", () => {
    const storage = tree("infra/app/storage.bicep");
    const containers = resourcesOfType(storage, "containers").map((d) => propertyAt(d.value, ["name"])?.text);
    expect(containers).toEqual(["deploymentContainerName", "deadLetterContainerName"]);
    expect(resourcesOfType(storage, "queues").map((d) => propertyAt(d.value, ["name"])?.text)).toEqual([
      "forwardQueueName",
    ]);
    const main = declarationOf(tree("infra/main.bicep"), "forwardQueueName")!;
    expect(stringValue(main.value)).toBe(DEFAULT_FORWARD_QUEUE_NAME);
  });

  it("turn Application Insights local authentication off and authenticate the app with Entra ID", () => {
    const [insights] = resourcesOfType(tree("infra/app/monitoring.bicep"), "Microsoft.Insights/components");
    const properties = objectProperties(propertyAt(insights!.value, ["properties"]));
    const disableLocalAuth = [...properties].find(([key]) => key.toLowerCase() === "disablelocalauth")?.[1];
    expect(disableLocalAuth?.text).toBe("true");
    const host = objectProperties(declarationOf(tree("infra/app/api.bicep"), "hostSettings")!.value);
    expect(host.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")?.text).toBe(
      "'ClientId=${identityClientId};Authorization=AAD'",
    );
  });

  it("run the app on Flex Consumption, Node 22, deploying with the managed identity", () => {
    const api = tree("infra/app/api.bicep");
    const [plan] = resourcesOfType(api, "Microsoft.Web/serverfarms");
    expect(propertyAt(plan!.value, ["sku", "name"])?.text).toBe("'FC1'");
    expect(propertyAt(plan!.value, ["sku", "tier"])?.text).toBe("'FlexConsumption'");
    const [site] = resourcesOfType(api, "Microsoft.Web/sites");
    const config = (path: string[]): string | undefined =>
      propertyAt(site!.value, ["properties", "functionAppConfig", ...path])?.text;
    expect(config(["runtime", "name"])).toBe("'node'");
    expect(config(["runtime", "version"])).toBe("'22'");
    expect(config(["deployment", "storage", "authentication", "type"])).toBe("'UserAssignedIdentity'");
    expect(config(["scaleAndConcurrency", "instanceMemoryMB"])).toBeDefined();
    expect(propertyAt(site!.value, ["identity", "type"])?.text).toBe("'UserAssigned'");
    expect(propertyAt(site!.value, ["tags"])?.text).toContain("'azd-service-name': 'api'");
  });

  it("turn basic publishing credentials off for FTP and SCM, each policy with the app's location", () => {
    const api = tree("infra/app/api.bicep");
    const policies = resourcesOfType(api, "basicPublishingCredentialsPolicies");
    expect(policies.map((d) => stringValue(propertyAt(d.value, ["name"])))).toEqual(["ftp", "scm"]);
    for (const policy of policies) {
      expect(propertyAt(policy.value, ["location"])?.text, policy.name).toBe("location");
      expect(propertyAt(policy.value, ["properties", "allow"])?.text, policy.name).toBe("false");
    }
  });

  it("tag everything with the azd environment", () => {
    expect(source("infra/main.bicep")).toContain("'azd-env-name': environmentName");
    const untagged = FILES.flatMap((file) =>
      declarations(tree(file))
        .filter((d) => d.kind === "resource" && !d.node.text.includes(" existing ="))
        // Publishing credential policies are settings of the app, located only because the API needs it.
        .filter((d) => resourceType(d) !== "basicPublishingCredentialsPolicies")
        .filter((d) => propertyAt(d.value, ["location"]) !== undefined && propertyAt(d.value, ["tags"]) === undefined)
        .map((d) => `${file}: ${d.name}`),
    );
    expect(untagged).toEqual([]);
  });
});

describe("app settings", () => {
  const appSettings = objectKeysOf("infra/main.bicep", "appSettings");
  const hostSettings = objectKeysOf("infra/app/api.bicep", "hostSettings");
  const all = [...appSettings, ...hostSettings];

  it("are the host settings and the app settings together", () => {
    const [site] = resourcesOfType(tree("infra/app/api.bicep"), "config");
    expect(propertyAt(site!.value, ["name"])?.text).toBe("'appsettings'");
    expect(propertyAt(site!.value, ["properties"])?.text).toBe("union(hostSettings, appSettings)");
  });

  it("hold every setting the app reads, except the local-only alternatives", () => {
    const configured = new Set<string>(CONFIG_SETTINGS);
    for (const name of CONFIG_SETTINGS) {
      const inAzure = appSettings.includes(name);
      const localOnly = name in LOCAL_ONLY_SETTINGS;
      expect(inAzure !== localOnly, `${name}: in the Bicep app settings xor in LOCAL_ONLY_SETTINGS`).toBe(true);
    }
    for (const [local, azure] of Object.entries(LOCAL_ONLY_SETTINGS)) {
      expect(configured.has(local), `${local} is read by the app`).toBe(true);
      expect(appSettings, `${local} has its Azure alternative ${azure}`).toContain(azure);
    }
  });

  it("hold no stale setting: only what the app reads and host settings", () => {
    const configured = new Set<string>(CONFIG_SETTINGS);
    expect(appSettings.filter((name) => !configured.has(name))).toEqual([]);
    expect(hostSettings.filter((name) => !HOST_SETTING.test(name))).toEqual([]);
  });

  it("hold no connection string or key, and nothing Flex Consumption rejects", () => {
    expect(all.filter((name) => /CONNECTION_STRING|_KEY$|SECRET|PASSWORD/i.test(name))).toEqual([
      "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ]);
    expect(all.filter((name) => NOT_ON_FLEX.includes(name))).toEqual([]);
    expect(hostSettings).toEqual(
      expect.arrayContaining([
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
      ]),
    );
  });

  it("limit request bodies in the host above Event Grid's 1 MB events and at least as high as the API's limit", () => {
    const hostLimit = Number(
      stringValue(
        objectProperties(declarationOf(tree("infra/app/api.bicep"), "hostSettings")!.value).get(
          "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT",
        ),
      ),
    );
    const apiLimit = declarationOf(tree("infra/main.bicep"), "maxRequestBodyBytes")!;
    const apiMax = Number(/@maxValue\((\d+)\)/.exec(apiLimit.node.previousNamedSibling?.text ?? "")?.[1]);
    expect(hostLimit).toBeGreaterThan(1024 * 1024);
    expect(hostLimit).toBeLessThan(100 * 1024 * 1024);
    expect(apiMax).toBeLessThanOrEqual(hostLimit);
    expect(
      objectProperties(declarationOf(tree("infra/main.bicep"), "appSettings")!.value).get("MAX_REQUEST_BODY_BYTES")
        ?.text,
    ).toBe("string(maxRequestBodyBytes)");
  });

  it("match local.settings.sample.json, which lists every setting the app reads and no stale one", () => {
    const sample = Object.keys((JSON.parse(read("local.settings.sample.json")) as { Values: object }).Values);
    const configured = new Set<string>(CONFIG_SETTINGS);
    expect(CONFIG_SETTINGS.filter((name) => !sample.includes(name))).toEqual([]);
    expect(sample.filter((name) => !configured.has(name) && !HOST_SETTING.test(name))).toEqual([]);
  });
});

describe("event subscriptions", () => {
  interface SubscriptionDefinition extends Record<string, unknown> {
    name: string;
    function: string;
  }
  const definitions = (JSON.parse(read("infra/eventSubscriptions.json")) as { subscriptions: SubscriptionDefinition[] })
    .subscriptions;
  const file = "infra/app/eventSubscriptions.bicep";
  const [subscriptions] = resourcesOfType(tree(file), "Microsoft.EventGrid/systemTopics/eventSubscriptions");

  /** Names of the functions registered with an Event Grid trigger, from functions/*.ts and lib/useCases/events constants. */
  function eventGridFunctions(): Set<string> {
    const constants = new Map<string, string>();
    for (const name of readdirSync(join(root, "lib", "useCases", "events"))) {
      for (const match of read(`lib/useCases/events/${name}`).matchAll(/export const (\w+)\s*=\s*["']([^"']+)["']/g)) {
        constants.set(match[1]!, match[2]!);
      }
    }
    const result = new Set<string>();
    for (const name of readdirSync(join(root, "functions")).filter((n) => n.endsWith(".ts"))) {
      for (const match of read(`functions/${name}`).matchAll(
        /app\.eventGrid(?:<[^>]*>)?\(\s*(?:["']([^"']+)["']|(\w+))/g,
      )) {
        const registered = match[1] ?? constants.get(match[2]!);
        expect(registered, `functions/${name}: ${match[0]}`).toBeDefined();
        result.add(registered!);
      }
    }
    return result;
  }

  it("target functions that exist with an Event Grid trigger", () => {
    const functions = eventGridFunctions();
    expect(functions.size).toBeGreaterThan(0);
    expect(definitions.length).toBeGreaterThan(0);
    for (const definition of definitions) expect(functions, definition.name).toContain(definition.function);
  });

  it("are deployed from infra/eventSubscriptions.json, one per entry", () => {
    const loop = subscriptions!.value!;
    expect(loop.type).toBe("for_statement");
    const over = declarationOf(tree(file), loop.namedChildren[1]!.text);
    expect(over?.value?.text).toBe("loadJsonContent('../eventSubscriptions.json').subscriptions");
    expect(resolve(root, dirname(file), "../eventSubscriptions.json")).toBe(join(infra, "eventSubscriptions.json"));
  });

  it("take filters, retries, schema and batching from the file and restate none of them", () => {
    const variable = subscriptions!.value!.childForFieldName("initializer")!.text;
    const body = subscriptions!.value!;
    expect(propertyAt(body, ["name"])?.text).toBe(
      `'\${take(${variable}.name, 50)}-\${uniqueString(functionAppId, ${variable}.name)}'`,
    );
    expect(propertyAt(body, ["properties", "filter"])?.text).toBe(`${variable}.filter`);
    expect(propertyAt(body, ["properties", "retryPolicy"])?.text).toBe(`${variable}.retryPolicy`);
    expect(propertyAt(body, ["properties", "eventDeliverySchema"])?.text).toBe(`${variable}.eventDeliverySchema`);
    const destination = ["properties", "destination", "properties"];
    expect(propertyAt(body, [...destination, "maxEventsPerBatch"])?.text).toBe(`${variable}.maxEventsPerBatch`);
    expect(propertyAt(body, [...destination, "resourceId"])?.text).toBe(
      `'\${functionAppId}/functions/\${${variable}.function}'`,
    );
    expect(propertyAt(body, ["properties", "destination", "endpointType"])?.text).toBe("'AzureFunction'");
    const restated = FILES.flatMap((f) =>
      [
        ...source(f).matchAll(
          /includedEventTypes|subjectBeginsWith|subjectEndsWith|advancedFilters|AdvancedMessage\w+/g,
        ),
      ]
        .map((match) => `${f}: ${match[0]}`)
        .filter((hit) => !/^\S+: AdvancedMessages?$/.test(hit)),
    );
    expect(restated.filter((hit) => !hit.includes("//"))).toEqual([]);
  });

  it("read only fields every entry of the file has", () => {
    const variable = subscriptions!.value!.childForFieldName("initializer")!.text;
    const fields = new Set(
      [...source(file).matchAll(new RegExp(`\\b${variable}\\.(\\w+)`, "g"))].map((match) => match[1]!),
    );
    expect(fields.size).toBeGreaterThan(0);
    for (const definition of definitions) {
      for (const field of fields) expect(definition, `${definition.name}.${field}`).toHaveProperty(field);
    }
  });

  it("dead-letter with the system topic identity, which may write blobs in the account", () => {
    const body = subscriptions!.value!;
    const deadLetter = ["properties", "deadLetterWithResourceIdentity"];
    expect(propertyAt(body, [...deadLetter, "identity", "type"])?.text).toBe("'SystemAssigned'");
    expect(propertyAt(body, [...deadLetter, "deadLetterDestination", "endpointType"])?.text).toBe("'StorageBlob'");
    const connection = tree("infra/app/acsConnection.bicep");
    const [topic] = resourcesOfType(connection, "Microsoft.EventGrid/systemTopics").filter(
      (d) => !d.node.text.includes(" existing ="),
    );
    expect(propertyAt(topic!.value, ["identity", "type"])?.text).toBe("'SystemAssigned'");
    expect(propertyAt(topic!.value, ["location"])?.text).toBe("'global'");
    expect(propertyAt(topic!.value, ["properties", "topicType"])?.text).toBe(
      "'Microsoft.Communication.CommunicationServices'",
    );
    expect(source("infra/app/deadLetterAccess.bicep")).toContain("roleDefinitionIds.storageBlobDataContributor");
  });
});

describe("the ACS resource", () => {
  // ACS Advanced Messaging takes no new customers after 2026-10-23, so bringing the resource the WhatsApp channel is
  // connected to is the primary path and creating one is opt-in.
  const ACS_ID =
    "/subscriptions/s/resourceGroups/rg-acs/providers/Microsoft.Communication/communicationServices/acs-contoso";
  const main = () => tree("infra/main.bicep");
  const choose = (existingCommunicationServiceId: string, createCommunicationService: boolean) =>
    evaluateExpression(declarationOf(main(), "createNewCommunicationService")!.value!, {
      existingCommunicationServiceId,
      createCommunicationService,
    });
  const failure = (existing: string, create: boolean): string => {
    try {
      choose(existing, create);
    } catch (error) {
      if (error instanceof BicepFailure) return error.message;
      throw error;
    }
    return "";
  };

  it("uses the existing resource when its ID is given and creates one only when asked", () => {
    expect(choose(ACS_ID, false)).toBe(false);
    expect(choose("", true)).toBe(true);
  });

  it("stops the deployment naming both settings when neither is given, and when both are", () => {
    const neither = failure("", false);
    expect(neither).toMatch(/^No ACS resource chosen/);
    expect(neither).toContain("EXISTING_COMMUNICATION_SERVICE_ID");
    expect(neither).toContain("CREATE_COMMUNICATION_SERVICE=true");
    expect(failure(ACS_ID, true)).toMatch(/both set/);
  });

  it("creates nothing by default, in main.bicep and in the azd mapping", () => {
    const parameter = declarationOf(main(), "createCommunicationService")!;
    expect(parameter.kind).toBe("param");
    expect(parameter.value?.text).toBe("false");
    const parameters = (JSON.parse(read("infra/main.parameters.json")) as { parameters: Record<string, unknown> })
      .parameters;
    expect(parameters.createCommunicationService).toEqual({ value: "${CREATE_COMMUNICATION_SERVICE=false}" });
    expect(parameters.existingCommunicationServiceId).toEqual({ value: "${EXISTING_COMMUNICATION_SERVICE_ID}" });
  });

  it("deploys the new resource, or reads the existing one, only on the chosen path", () => {
    const newResource = declarationOf(main(), "communicationService")!;
    expect(newResource.kind).toBe("module");
    expect(newResource.node.text).toContain("= if (createNewCommunicationService) {");
    const existing = declarationOf(main(), "existingCommunicationService")!;
    expect(existing.node.text).toContain("existing = if (!createNewCommunicationService) {");
    for (const name of ["acsEndpoint", "acsResourceId"]) {
      expect(declarationOf(main(), name)?.value?.text, name).toMatch(/^createNewCommunicationService \?/);
    }
  });
});

describe("azd wiring", () => {
  const azureYaml = read("azure.yaml");
  const main = moduleInterface(source("infra/main.bicep"));

  it("declares the api service as a TypeScript function app at the repository root", () => {
    expect(azureYaml).toMatch(/^services:\n {2}api:\n {4}project: \.\n {4}language: ts\n {4}host: function\n/m);
    expect(main.targetScope).toBe("subscription");
  });

  it("connects ACS after every deployment, on Windows and elsewhere, with a script that exists", () => {
    expect(azureYaml).toMatch(/^hooks:\n(?: {2}#.*\n)* {2}postdeploy:\n {4}windows:\n/m);
    expect(azureYaml.match(/run: npm run acs:connect/g)).toHaveLength(2);
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["acs:connect"]).toBe("node dist/scripts/connectAcs.js");
    expect(scripts["preacs:connect"]).toBe("npm run build");
    expect(existsSync(join(root, "scripts", "connectAcs.ts"))).toBe(true);
  });

  it("maps main.parameters.json onto the parameters of main.bicep", () => {
    const parameters = (JSON.parse(read("infra/main.parameters.json")) as { parameters: Record<string, unknown> })
      .parameters;
    expect(Object.keys(parameters).filter((name) => !main.params.has(name))).toEqual([]);
    const required = [...main.params].filter(([, p]) => !p.hasDefault).map(([name]) => name);
    expect(required.filter((name) => !(name in parameters))).toEqual([]);
    expect(parameters.environmentName).toEqual({ value: "${AZURE_ENV_NAME}" });
    expect(parameters.location).toEqual({ value: "${AZURE_LOCATION}" });
  });

  it("hands the hook every value it needs as an output of main.bicep", () => {
    for (const name of REQUIRED_SETTINGS.filter((n) => n !== "AZURE_ENV_NAME")) expect(main.outputs).toContain(name);
    expect(main.outputs).toContain("SERVICE_API_NAME");
  });

  it("gives acsConnection.bicep exactly the parameters it declares", () => {
    const connection = moduleInterface(source("infra/app/acsConnection.bicep"));
    const env: Record<string, string> = {
      AZURE_ENV_NAME: "dev",
      ACS_RESOURCE_ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
      AZURE_FUNCTION_APP_ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func",
      AZURE_FUNCTION_APP_PRINCIPAL_ID: "00000000-0000-0000-0000-000000000001",
      AZURE_STORAGE_ACCOUNT_ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
      DEAD_LETTER_CONTAINER_NAME: "eventgrid-deadletter",
    };
    const given = Object.keys(planAcsConnection(env).parameters);
    expect(given.filter((name) => !connection.params.has(name))).toEqual([]);
    const required = [...connection.params].filter(([, p]) => !p.hasDefault).map(([name]) => name);
    expect(required.filter((name) => !given.includes(name))).toEqual([]);
  });

  it("documents az deployment sub create commands that pass every parameter main.bicep requires", () => {
    const required = [...main.params].filter(([, p]) => !p.hasDefault).map(([name]) => name);
    expect(required).toEqual(expect.arrayContaining(["environmentName", "location"]));
    const commands = ["README.md", "infra/README.md"].flatMap((file) =>
      [
        ...read(file)
          .replace(/\\\n\s*/g, " ")
          .matchAll(/az deployment sub create[^`\n]*/g),
      ]
        .map((m) => ({ file, text: m[0] }))
        // The commands themselves, not prose naming the command.
        .filter(({ text }) => text.includes("-f infra/main.bicep")),
    );
    expect(commands.map((c) => c.file)).toEqual(expect.arrayContaining(["README.md", "infra/README.md"]));
    for (const { file, text } of commands) {
      const words = text.split(/\s+/);
      expect(words, `${file}: ${text}`).toContain("-l");
      const start = words.findIndex((word) => word === "-p" || word === "--parameters");
      const given = words
        .slice(start + 1)
        .filter((word) => word.includes("="))
        .map((word) => word.split("=")[0]);
      expect(start, `${file}: ${text}`).toBeGreaterThan(0);
      expect(
        required.filter((name) => !given.includes(name)),
        `${file}: ${text}`,
      ).toEqual([]);
      const choosesAcs =
        given.includes("existingCommunicationServiceId") || text.includes("createCommunicationService=true");
      expect(choosesAcs, `${file}: ${text} chooses an ACS resource`).toBe(true);
    }
  });

  it("documents a teardown that removes role assignments before the role definition they use", () => {
    const teardown = read("infra/README.md");
    const assignment = teardown.indexOf("az role assignment delete");
    const definition = teardown.indexOf("az role definition delete");
    expect(assignment).toBeGreaterThan(0);
    expect(definition).toBeGreaterThan(assignment);
    const readme = read("README.md");
    if (readme.includes("az role definition delete")) {
      expect(readme.indexOf("az role assignment delete")).toBeGreaterThan(-1);
      expect(readme.indexOf("az role definition delete")).toBeGreaterThan(readme.indexOf("az role assignment delete"));
    }
  });

  it("deploys nothing into another resource group from main.bicep, so azd down deletes only the app's own", () => {
    // azd down deletes every resource group the main deployment put a resource into. An existing ACS resource
    // elsewhere is only read (existing); its resource group receives the hook's separate deployment instead.
    const mainTree = tree("infra/main.bicep");
    const scopes = declarations(mainTree)
      .filter((d) => d.kind === "module" || (d.kind === "resource" && !d.node.text.includes(" existing =")))
      .map((d) => propertyAt(d.value, ["scope"])?.text)
      .filter((scope) => scope !== undefined);
    expect(new Set(scopes)).toEqual(new Set(["rg"]));
    expect(source("infra/main.bicep")).not.toMatch(/eventSubscriptions|systemTopics|roleDefinitions/);
  });
});

describe("API access", () => {
  // The app validates Entra ID tokens itself (infra/README.md, "API access"): the Bicep only passes settings.
  const main = () => tree("infra/main.bicep");
  const CLIENT_ID = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
  const TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  const evaluate = (name: string, bindings: Record<string, string>) =>
    evaluateExpression(declarationOf(main(), name)!.value!, bindings);

  it("is function keys by default, Entra ID when asked, in main.bicep and in the azd mapping", () => {
    expect(source("infra/main.bicep")).toMatch(
      /@allowed\(\[\s*'keys'\s*'entra'\s*\]\)\n@description\([^\n]*\)\nparam authMode string = 'keys'\n/,
    );
    const parameters = (JSON.parse(read("infra/main.parameters.json")) as { parameters: Record<string, unknown> })
      .parameters;
    expect(parameters.authMode).toEqual({ value: "${AUTH_MODE=keys}" });
    expect(parameters.entraTenantId).toEqual({ value: "${ENTRA_TENANT_ID}" });
    expect(parameters.entraAudience).toEqual({ value: "${ENTRA_AUDIENCE}" });
  });

  it("hands the app its access settings from the parameters", () => {
    const settings = objectProperties(declarationOf(main(), "appSettings")!.value);
    expect(settings.get("AUTH_MODE")?.text).toBe("authMode");
    expect(settings.get("ENTRA_TENANT_ID")?.text).toBe("entraTenantSetting");
    expect(settings.get("ENTRA_AUDIENCE")?.text).toBe("entraAudienceSetting");
  });

  it("sets the Entra settings only with authMode entra, where the API's client ID is required", () => {
    const audience = (authMode: string, entraAudience: string) =>
      evaluate("entraAudienceSetting", { authMode, entraAudience });
    expect(audience("keys", CLIENT_ID)).toBe("");
    expect(audience("entra", CLIENT_ID)).toBe(CLIENT_ID);
    expect(() => audience("entra", "")).toThrow(BicepFailure);
    expect(() => audience("entra", "")).toThrow(/ENTRA_AUDIENCE/);
    expect(evaluate("entraTenantSetting", { authMode: "keys", entraTenantId: TENANT_ID })).toBe("");
    expect(evaluate("entraTenantSetting", { authMode: "entra", entraTenantId: TENANT_ID })).toBe(TENANT_ID);
    expect(declarationOf(main(), "entraTenantSetting")!.value!.text).toContain("tenant().tenantId");
  });

  it("holds no secret and no platform authentication: no client secret, no authsettingsV2", () => {
    const all = FILES.map(source).join("\n");
    expect(all).not.toMatch(/authsettings|MICROSOFT_PROVIDER_AUTHENTICATION_SECRET|clientSecret/i);
    const mainSource = source("infra/main.bicep");
    expect(mainSource).not.toMatch(/@secure\(\)\s*param entra/);
    for (const name of ["authMode", "entraTenantId", "entraAudience"]) {
      expect(declarationOf(main(), name)?.kind, name).toBe("param");
    }
  });
});
