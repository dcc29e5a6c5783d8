import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

const USAGE = `Usage: npm run acs:connect

Connects the deployed app to its Azure Communication Services resource: deploys infra/app/acsConnection.bicep (the
sender role for the app identity on the ACS resource, the Event Grid system topic of the ACS resource, dead-letter
access and the event subscriptions of infra/eventSubscriptions.json) into the ACS resource's resource group with the
Azure CLI.
Run by azd as the postdeploy hook: Event Grid accepts the subscriptions only once the code with the Event Grid triggers
is deployed. Idempotent: run it again at any time, e.g. after changing infra/eventSubscriptions.json.

Reads the azd environment (azd passes it to hooks; otherwise export the outputs of infra/main.bicep):
  AZURE_ENV_NAME, ACS_RESOURCE_ID, AZURE_FUNCTION_APP_ID, AZURE_FUNCTION_APP_PRINCIPAL_ID,
  AZURE_STORAGE_ACCOUNT_ID, DEAD_LETTER_CONTAINER_NAME
and optionally EXISTING_SYSTEM_TOPIC_ID (otherwise an existing system topic of the ACS resource is found, or one is
created) and ACS_SENDER_ROLE_ID (the role definition ID given to the app identity on the ACS resource; the built-in
Communication and Email Service Owner when empty). Registers the Microsoft.EventGrid resource provider on the ACS
resource's subscription when it is not registered. Needs the Azure CLI, signed in (az login) with rights to create role
assignments (Owner or User Access Administrator) in the ACS resource group.`;

/** The template deployed, relative to the repository root (the hook's working directory). */
export const ACS_CONNECTION_TEMPLATE = "infra/app/acsConnection.bicep";

/** Environment variables the deployment needs (outputs of infra/main.bicep, plus azd's environment name). */
export const REQUIRED_SETTINGS = [
  "AZURE_ENV_NAME",
  "ACS_RESOURCE_ID",
  "AZURE_FUNCTION_APP_ID",
  "AZURE_FUNCTION_APP_PRINCIPAL_ID",
  "AZURE_STORAGE_ACCOUNT_ID",
  "DEAD_LETTER_CONTAINER_NAME",
] as const;

export interface ResourceId {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  provider: string;
  type: string;
  name: string;
}

const RESOURCE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)$/i;

/** Parses a top-level resource ID of the given type (`Provider/type`, compared case-insensitively). */
export function parseResourceId(id: string, expectedType: string): ResourceId {
  const match = RESOURCE_ID.exec(id.trim());
  if (!match || `${match[3]}/${match[4]}`.toLowerCase() !== expectedType.toLowerCase()) {
    throw new Error(`"${id}" is not the resource ID of a ${expectedType}`);
  }
  return {
    id: id.trim(),
    subscriptionId: match[1]!,
    resourceGroup: match[2]!,
    provider: match[3]!,
    type: match[4]!,
    name: match[5]!,
  };
}

/** A system topic as `az eventgrid system-topic list` reports it (the fields used here). */
export interface SystemTopic {
  id: string;
  source?: string;
  identity?: { type?: string | null } | null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The role definition GUID of ACS_SENDER_ROLE_ID: a GUID, or a role definition ID ending in one
 * (`/subscriptions/…/providers/Microsoft.Authorization/roleDefinitions/<guid>`, as `az role definition list` prints).
 * Empty for the template's default (Communication and Email Service Owner).
 */
export function parseSenderRoleId(value: string | undefined): string {
  const text = value?.trim() ?? "";
  if (text === "") return "";
  const guid = /\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/i.exec(text)?.[1] ?? text;
  if (!GUID.test(guid)) {
    throw new Error(`ACS_SENDER_ROLE_ID "${text}" is not a role definition ID (a GUID, or an ID ending in one)`);
  }
  return guid.toLowerCase();
}

/** The system topic of a source resource, if one exists (there can be at most one per source). */
export function findSystemTopic(topics: readonly SystemTopic[], sourceId: string): SystemTopic | undefined {
  return topics.find((topic) => topic.source?.toLowerCase() === sourceId.toLowerCase());
}

export function hasSystemAssignedIdentity(topic: SystemTopic): boolean {
  return /systemassigned/i.test(topic.identity?.type ?? "");
}

export interface AcsConnectionDeployment {
  subscriptionId: string;
  resourceGroup: string;
  deploymentName: string;
  /** Parameters of acsConnection.bicep. */
  parameters: Record<string, string>;
}

type Env = Record<string, string | undefined>;

/**
 * What to deploy where, from the azd environment. Throws one error naming every missing or malformed setting.
 * `existingSystemTopicId` is the topic found on the ACS resource, when EXISTING_SYSTEM_TOPIC_ID is not set.
 */
export function planAcsConnection(env: Env, existingSystemTopicId?: string): AcsConnectionDeployment {
  const missing = REQUIRED_SETTINGS.filter((name) => !env[name]?.trim());
  if (missing.length > 0) throw new Error(`missing settings: ${missing.join(", ")}`);
  const value = (name: (typeof REQUIRED_SETTINGS)[number]): string => env[name]!.trim();

  const acs = parseResourceId(value("ACS_RESOURCE_ID"), "Microsoft.Communication/communicationServices");
  parseResourceId(value("AZURE_FUNCTION_APP_ID"), "Microsoft.Web/sites");
  parseResourceId(value("AZURE_STORAGE_ACCOUNT_ID"), "Microsoft.Storage/storageAccounts");
  const topicId = env.EXISTING_SYSTEM_TOPIC_ID?.trim() || existingSystemTopicId;
  if (topicId) parseResourceId(topicId, "Microsoft.EventGrid/systemTopics");
  const senderRoleDefinitionId = parseSenderRoleId(env.ACS_SENDER_ROLE_ID);

  const environmentName = value("AZURE_ENV_NAME");
  return {
    subscriptionId: acs.subscriptionId,
    resourceGroup: acs.resourceGroup,
    // One deployment per environment, so environments sharing an ACS resource do not overwrite each other's history.
    deploymentName: `acs-connection-${environmentName}`.replace(/[^\w.()-]/g, "-").slice(0, 64),
    parameters: {
      communicationServiceName: acs.name,
      existingSystemTopicId: topicId ?? "",
      environmentName,
      appPrincipalId: value("AZURE_FUNCTION_APP_PRINCIPAL_ID"),
      senderRoleDefinitionId,
      functionAppId: value("AZURE_FUNCTION_APP_ID"),
      deadLetterStorageAccountId: value("AZURE_STORAGE_ACCOUNT_ID"),
      deadLetterContainerName: value("DEAD_LETTER_CONTAINER_NAME"),
    },
  };
}

/** Arguments of `az` that deploy the plan. Values hold no spaces or quotes (IDs, names, GUIDs). */
export function azDeploymentArgs(plan: AcsConnectionDeployment, templateFile = ACS_CONNECTION_TEMPLATE): string[] {
  return [
    "deployment",
    "group",
    "create",
    "--subscription",
    plan.subscriptionId,
    "--resource-group",
    plan.resourceGroup,
    "--name",
    plan.deploymentName,
    "--template-file",
    templateFile,
    "--parameters",
    ...Object.entries(plan.parameters).map(([name, value]) => `${name}=${value}`),
    "--only-show-errors",
    "--output",
    "none",
  ];
}

/** What running `az` gave: its exit status and, when captured, its standard output. */
export interface AzResult {
  status: number | null;
  stdout: string;
  error?: Error;
}

/** Runs `az` with the arguments; `capture` collects standard output instead of passing it through. */
export type AzRunner = (args: string[], capture: boolean) => AzResult;

/** The resource provider of system topics; a subscription that never used Event Grid may not have it registered. */
export const EVENT_GRID_PROVIDER = "Microsoft.EventGrid";

/**
 * The existing system topic of the ACS resource, if any. The list call fails on a subscription where
 * Microsoft.EventGrid is not registered, so the provider is registered first; if listing still fails, that is read as
 * "no topic" (with a warning) rather than stopping the deployment: the deployment then creates the topic, and Azure
 * names the existing one if there was one after all.
 */
export function findExistingSystemTopic(
  az: AzRunner,
  subscriptionId: string,
  acsResourceId: string,
  warn: (message: string) => void,
): SystemTopic | undefined {
  const subscription = ["--subscription", subscriptionId];
  const state = az(
    [
      "provider",
      "show",
      "--namespace",
      EVENT_GRID_PROVIDER,
      ...subscription,
      "--query",
      "registrationState",
      "-o",
      "tsv",
    ],
    true,
  );
  if (state.status !== 0 || state.stdout.trim() !== "Registered") {
    const registered = az(
      ["provider", "register", "--namespace", EVENT_GRID_PROVIDER, ...subscription, "--wait", "--output", "none"],
      false,
    );
    if (registered.status !== 0) {
      warn(
        `Could not register the ${EVENT_GRID_PROVIDER} resource provider on subscription ${subscriptionId} ` +
          "(it needs Microsoft.EventGrid/register/action, which Owner and Contributor have).",
      );
    }
  }
  const listed = az(["eventgrid", "system-topic", "list", ...subscription, "--output", "json"], true);
  let topics: SystemTopic[] | undefined;
  if (listed.status === 0) {
    try {
      topics = JSON.parse(listed.stdout || "[]") as SystemTopic[];
    } catch {
      topics = undefined;
    }
  }
  if (!Array.isArray(topics)) {
    warn(
      "Could not list the Event Grid system topics; going on as if the ACS resource had none, so the deployment " +
        "creates one. If it already has one, Azure refuses a second: set EXISTING_SYSTEM_TOPIC_ID to it and run " +
        "npm run acs:connect again.",
    );
    return undefined;
  }
  return findSystemTopic(topics, acsResourceId);
}

function az(args: string[], capture: boolean): AzResult {
  // On Windows `az` is a .cmd script, which Node starts only through a shell.
  const result = spawnSync("az", args, {
    encoding: "utf8",
    shell: process.platform === "win32",
    stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? "", ...(result.error ? { error: result.error } : {}) };
}

async function main(): Promise<number> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let plan = planAcsConnection(process.env);

  const version = az(["version", "--output", "none"], true);
  if (version.error || version.status !== 0) {
    console.error(
      "The Azure CLI (az) is needed to connect the app to ACS: install it, run az login, then npm run acs:connect.",
    );
    return 1;
  }

  if (!process.env.EXISTING_SYSTEM_TOPIC_ID?.trim()) {
    const acsId = process.env.ACS_RESOURCE_ID!.trim();
    const topic = findExistingSystemTopic(az, plan.subscriptionId, acsId, (message) => console.warn(message));
    if (topic && !hasSystemAssignedIdentity(topic)) {
      console.error(
        `The ACS resource already has an Event Grid system topic, ${topic.id}, without a system-assigned identity.\n` +
          "Dead-lettering uses that identity: turn it on (portal: the system topic > Identity > System assigned > On),\n" +
          "then run npm run acs:connect again.",
      );
      return 1;
    }
    if (topic) {
      console.log(`Using the existing system topic of the ACS resource: ${topic.id}`);
      plan = planAcsConnection(process.env, topic.id);
    }
  }

  // Right after a deployment the function app may not have indexed its Event Grid triggers yet, and new role
  // assignments take a while to propagate: Event Grid then rejects the subscriptions. Both pass within minutes.
  const waits = [0, 20, 40, 60, 90];
  for (const [attempt, seconds] of waits.entries()) {
    if (seconds > 0) {
      console.log(`Retrying in ${seconds} s (attempt ${attempt + 1} of ${waits.length})...`);
      await sleep(seconds * 1000);
    }
    console.log(
      `Deploying ${ACS_CONNECTION_TEMPLATE} to resource group ${plan.resourceGroup} (${plan.deploymentName})...`,
    );
    const deployed = az(azDeploymentArgs(plan), false);
    if (deployed.status === 0) {
      console.log(
        "The app is connected to ACS: sender role, system topic, dead-letter access and event subscriptions.",
      );
      return 0;
    }
  }
  console.error(`Could not deploy ${ACS_CONNECTION_TEMPLATE}; see the errors above. Run npm run acs:connect to retry.`);
  return 1;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      console.error(USAGE);
      process.exitCode = 2;
    },
  );
}
