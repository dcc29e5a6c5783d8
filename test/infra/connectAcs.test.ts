import { describe, expect, it } from "vitest";
import {
  ACS_CONNECTION_TEMPLATE,
  azDeploymentArgs,
  findExistingSystemTopic,
  findSystemTopic,
  hasSystemAssignedIdentity,
  parseResourceId,
  parseSenderRoleId,
  planAcsConnection,
  type AzResult,
} from "../../scripts/connectAcs";

const ACS_ID =
  "/subscriptions/sub-a/resourceGroups/rg-acs/providers/Microsoft.Communication/communicationServices/acs-1";
const TOPIC_ID = "/subscriptions/sub-a/resourceGroups/rg-acs/providers/Microsoft.EventGrid/systemTopics/egst-acs-1";

const ENV = {
  AZURE_ENV_NAME: "dev",
  ACS_RESOURCE_ID: ACS_ID,
  AZURE_FUNCTION_APP_ID: "/subscriptions/sub-b/resourceGroups/rg-dev/providers/Microsoft.Web/sites/func-api-x",
  AZURE_FUNCTION_APP_PRINCIPAL_ID: "11111111-2222-3333-4444-555555555555",
  AZURE_STORAGE_ACCOUNT_ID:
    "/subscriptions/sub-b/resourceGroups/rg-dev/providers/Microsoft.Storage/storageAccounts/stx",
  DEAD_LETTER_CONTAINER_NAME: "eventgrid-deadletter",
};

describe("parseResourceId", () => {
  it("splits a resource ID of the expected type, whatever its casing", () => {
    expect(parseResourceId(ACS_ID, "microsoft.communication/CommunicationServices")).toMatchObject({
      subscriptionId: "sub-a",
      resourceGroup: "rg-acs",
      name: "acs-1",
    });
  });

  it("rejects another type and malformed IDs", () => {
    expect(() => parseResourceId(ACS_ID, "Microsoft.Web/sites")).toThrow(
      /not the resource ID of a Microsoft.Web\/sites/,
    );
    expect(() => parseResourceId("acs-1", "Microsoft.Communication/communicationServices")).toThrow();
    expect(() => parseResourceId(`${ACS_ID}/extra`, "Microsoft.Communication/communicationServices")).toThrow();
  });
});

describe("planAcsConnection", () => {
  it("deploys into the ACS resource's subscription and resource group, one deployment per environment", () => {
    const plan = planAcsConnection(ENV);
    expect(plan).toMatchObject({
      subscriptionId: "sub-a",
      resourceGroup: "rg-acs",
      deploymentName: "acs-connection-dev",
    });
    expect(plan.parameters).toEqual({
      communicationServiceName: "acs-1",
      existingSystemTopicId: "",
      environmentName: "dev",
      appPrincipalId: ENV.AZURE_FUNCTION_APP_PRINCIPAL_ID,
      senderRoleDefinitionId: "",
      functionAppId: ENV.AZURE_FUNCTION_APP_ID,
      deadLetterStorageAccountId: ENV.AZURE_STORAGE_ACCOUNT_ID,
      deadLetterContainerName: "eventgrid-deadletter",
    });
  });

  it("uses the system topic set in the environment before one that was found", () => {
    const other = TOPIC_ID.replace("egst-acs-1", "mine");
    expect(planAcsConnection(ENV, TOPIC_ID).parameters.existingSystemTopicId).toBe(TOPIC_ID);
    expect(
      planAcsConnection({ ...ENV, EXISTING_SYSTEM_TOPIC_ID: other }, TOPIC_ID).parameters.existingSystemTopicId,
    ).toBe(other);
  });

  it("names every missing setting at once and rejects malformed IDs", () => {
    expect(() => planAcsConnection({ AZURE_ENV_NAME: "dev", ACS_RESOURCE_ID: " " })).toThrow(
      "missing settings: ACS_RESOURCE_ID, AZURE_FUNCTION_APP_ID, AZURE_FUNCTION_APP_PRINCIPAL_ID, AZURE_STORAGE_ACCOUNT_ID, DEAD_LETTER_CONTAINER_NAME",
    );
    expect(() => planAcsConnection({ ...ENV, AZURE_FUNCTION_APP_ID: ACS_ID })).toThrow(/Microsoft.Web\/sites/);
    expect(() => planAcsConnection({ ...ENV, EXISTING_SYSTEM_TOPIC_ID: ACS_ID })).toThrow(/systemTopics/);
  });

  it("passes ACS_SENDER_ROLE_ID as the sender role, as a GUID, and refuses anything else", () => {
    const guid = "2F0E9C6A-1B3D-4E5F-8A7B-9C0D1E2F3A4B";
    expect(planAcsConnection({ ...ENV, ACS_SENDER_ROLE_ID: guid }).parameters.senderRoleDefinitionId).toBe(
      guid.toLowerCase(),
    );
    expect(() => planAcsConnection({ ...ENV, ACS_SENDER_ROLE_ID: "Contributor" })).toThrow(
      'ACS_SENDER_ROLE_ID "Contributor" is not a role definition ID',
    );
  });

  it("keeps deployment names within Azure's rules", () => {
    const plan = planAcsConnection({ ...ENV, AZURE_ENV_NAME: `a b/${"x".repeat(80)}` });
    expect(plan.deploymentName).toMatch(/^[\w.()-]{1,64}$/);
  });
});

describe("azDeploymentArgs", () => {
  it("deploys the template with every parameter as name=value, quietly", () => {
    const args = azDeploymentArgs(planAcsConnection(ENV));
    expect(args.slice(0, 3)).toEqual(["deployment", "group", "create"]);
    expect(args[args.indexOf("--template-file") + 1]).toBe(ACS_CONNECTION_TEMPLATE);
    expect(args[args.indexOf("--resource-group") + 1]).toBe("rg-acs");
    expect(args[args.indexOf("--subscription") + 1]).toBe("sub-a");
    expect(args).toContain("communicationServiceName=acs-1");
    expect(args).toContain("existingSystemTopicId=");
    // Values are passed unquoted (through a shell on Windows), so none may hold a space or a quote.
    expect(args.filter((arg) => /[\s"']/.test(arg))).toEqual([]);
  });
});

describe("findSystemTopic", () => {
  const topics = [
    { id: "/x/other", source: "/subscriptions/sub-a/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s" },
    { id: TOPIC_ID, source: ACS_ID.toLowerCase(), identity: { type: "SystemAssigned" } },
  ];

  it("finds the topic of the ACS resource, comparing IDs without case", () => {
    expect(findSystemTopic(topics, ACS_ID)?.id).toBe(TOPIC_ID);
    expect(findSystemTopic(topics.slice(0, 1), ACS_ID)).toBeUndefined();
  });

  it("tells whether a topic has the system-assigned identity dead-lettering needs", () => {
    expect(hasSystemAssignedIdentity({ id: "t", identity: { type: "SystemAssigned, UserAssigned" } })).toBe(true);
    expect(hasSystemAssignedIdentity({ id: "t", identity: { type: "UserAssigned" } })).toBe(false);
    expect(hasSystemAssignedIdentity({ id: "t", identity: null })).toBe(false);
    expect(hasSystemAssignedIdentity({ id: "t" })).toBe(false);
  });
});

describe("parseSenderRoleId", () => {
  const guid = "09976791-48a7-449e-bb21-39d1a415f350";

  it("takes a GUID or the role definition ID az prints, and leaves an empty value to the template's default", () => {
    expect(parseSenderRoleId(` ${guid} `)).toBe(guid);
    expect(parseSenderRoleId(`/subscriptions/sub-a/providers/Microsoft.Authorization/roleDefinitions/${guid}`)).toBe(
      guid,
    );
    expect(parseSenderRoleId(`/providers/Microsoft.Authorization/roleDefinitions/${guid}`)).toBe(guid);
    expect(parseSenderRoleId("")).toBe("");
    expect(parseSenderRoleId(undefined)).toBe("");
  });

  it("refuses role names and malformed IDs", () => {
    expect(() => parseSenderRoleId("Communication and Email Service Owner")).toThrow(/not a role definition ID/);
    expect(() => parseSenderRoleId(`${guid}x`)).toThrow(/not a role definition ID/);
  });
});

describe("findExistingSystemTopic", () => {
  type Answer = Partial<AzResult>;
  const TOPICS = JSON.stringify([{ id: TOPIC_ID, source: ACS_ID, identity: { type: "SystemAssigned" } }]);

  /** A stand-in for the Azure CLI: answers by command (the words before the first option) and records the calls. */
  function fakeAz(answers: Record<string, Answer>) {
    const calls: string[] = [];
    const run = (args: string[]): AzResult => {
      const command = args
        .slice(
          0,
          args.findIndex((arg) => arg.startsWith("--")),
        )
        .join(" ");
      calls.push(command);
      const answer = answers[command];
      if (!answer) throw new Error(`unexpected az ${args.join(" ")}`);
      return { status: 0, stdout: "", ...answer };
    };
    return { run, calls };
  }

  it("registers Microsoft.EventGrid before listing the topics when the subscription has not registered it", () => {
    const az = fakeAz({
      "provider show": { stdout: "NotRegistered\n" },
      "provider register": {},
      "eventgrid system-topic list": { stdout: TOPICS },
    });
    const warnings: string[] = [];
    expect(findExistingSystemTopic(az.run, "sub-a", ACS_ID, (w) => warnings.push(w))?.id).toBe(TOPIC_ID);
    expect(az.calls).toEqual(["provider show", "provider register", "eventgrid system-topic list"]);
    expect(warnings).toEqual([]);
  });

  it("lists at once when the provider is registered", () => {
    const az = fakeAz({ "provider show": { stdout: "Registered\n" }, "eventgrid system-topic list": { stdout: "[]" } });
    expect(findExistingSystemTopic(az.run, "sub-a", ACS_ID, () => {})).toBeUndefined();
    expect(az.calls).toEqual(["provider show", "eventgrid system-topic list"]);
  });

  it("reads a failed list as no topic, with a warning naming EXISTING_SYSTEM_TOPIC_ID, instead of stopping", () => {
    const az = fakeAz({
      "provider show": { status: 1 },
      "provider register": { status: 1 },
      "eventgrid system-topic list": { status: 1 },
    });
    const warnings: string[] = [];
    expect(findExistingSystemTopic(az.run, "sub-a", ACS_ID, (w) => warnings.push(w))).toBeUndefined();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("Could not register the Microsoft.EventGrid resource provider on subscription sub-a");
    expect(warnings[1]).toContain("EXISTING_SYSTEM_TOPIC_ID");
  });

  it("reads unparsable list output as no topic too", () => {
    const az = fakeAz({ "provider show": { stdout: "Registered" }, "eventgrid system-topic list": { stdout: "oops" } });
    const warnings: string[] = [];
    expect(findExistingSystemTopic(az.run, "sub-a", ACS_ID, (w) => warnings.push(w))).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
});
