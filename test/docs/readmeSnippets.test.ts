import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryLogger } from "../../local/host/localLogger";
import { startLocalStackWithSimulator, type SimulatorStack } from "../../local/simulator/attachWhatsAppSimulator";
import type { SimulatedUserView } from "../../local/simulator/createWhatsAppSimulator";
import { uniqueTablePrefix } from "../support/createTestTables";
import { extractSnippets, shellCommands, type Snippet } from "./markdownSnippets";

// Every code block of the READMEs that is meant to run on a developer's machine runs here, verbatim, against a local
// stack started like `npm start` (with the simulator); the only change is the stack's port in place of the documented
// 7071 (PORT is set too, as `PORT=… npm start` would). Blocks that need Azure, Core Tools or a long-running process are
// not run: each is syntax-checked, and the rules below say why it is not run. A block no rule covers fails the test.

const root = resolve(__dirname, "..", "..");
const DOCUMENTED_ORIGIN = "http://127.0.0.1:7071";
const FILES = ["README.md", "local/README.md"];

/** Commands that run against the test's stack. */
const RUN: readonly RegExp[] = [/^curl .*http:\/\/127\.0\.0\.1:7071\//, /^npm run simulator -- /];

/** Commands not run here, and why. A block holding any of them is syntax-checked instead. */
const NOT_RUN: readonly { command: RegExp; reason: string }[] = [
  { command: /^npm (ci|install)$/, reason: "installs the dependencies this test runs on" },
  { command: /^npm (test|run test:reliability|run lint)$/, reason: "runs the test suites and linters, which CI runs" },
  {
    command: /^(PORT=\d+ )?npm (start|run start:memory)( -- --in-memory)?$/,
    reason: "starts the long-running local stack, which this test starts itself (startLocalStackWithSimulator)",
  },
  { command: /^npm run demo\b/, reason: "test/local/demo/demo.test.ts runs the demo end to end" },
  { command: /^npm run contacts:import\b/, reason: "imports the reader's own CRM export" },
  { command: /^cp local\.settings\.sample\.json local\.settings\.json$/, reason: "writes the reader's settings file" },
  { command: /^npm run azurite$/, reason: "starts a long-running Azurite on the fixed ports, for Core Tools" },
  { command: /(^|[\s;&|(])func\s/, reason: "needs Azure Functions Core Tools" },
  { command: /(^|[\s;&|(])azd?\s/, reason: "needs an Azure subscription (azd, az)" },
  { command: /\$(URL|KEY)\b/, reason: "needs the deployed app's URL and function key (Azure)" },
];

type Plan =
  | { kind: "run" }
  | { kind: "check"; reason: string }
  | { kind: "shown"; reason: string }
  | { kind: "unclassified"; commands: string[] };

function planOf(snippet: Snippet): Plan {
  switch (snippet.lang) {
    case "sh": {
      const commands = shellCommands(snippet.code);
      const reasons = [
        ...new Set(commands.flatMap((c) => NOT_RUN.filter((r) => r.command.test(c)).map((r) => r.reason))),
      ];
      if (reasons.length > 0) return { kind: "check", reason: reasons.join("; ") };
      const unmatched = commands.filter((command) => !RUN.some((pattern) => pattern.test(command)));
      return unmatched.length === 0 ? { kind: "run" } : { kind: "unclassified", commands: unmatched };
    }
    case "js":
      return snippet.code.includes(DOCUMENTED_ORIGIN)
        ? { kind: "run" }
        : { kind: "unclassified", commands: [snippet.code.split("\n")[0]!] };
    case "ts":
      return { kind: "check", reason: "an API outline for code of your own (its placeholders stand for your values)" };
    case "json":
      return { kind: "check", reason: "data (a file's or a request's content), not a command" };
    case "text":
      return { kind: "shown", reason: "output shown for reference" };
    default:
      return { kind: "unclassified", commands: [`a ${snippet.lang || "plain"} block`] };
  }
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  return new Promise((resolvePromise) => {
    execFile(
      command,
      args,
      { cwd: root, env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a JavaScript snippet as the README says: a `.mjs` file where `node_modules` resolves, run with `node`. */
async function runScript(code: string, env: NodeJS.ProcessEnv): Promise<Outcome> {
  const dir = join(root, "node_modules", ".cache", "readme-snippets");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${randomUUID()}.mjs`);
  writeFileSync(file, code);
  try {
    return await run(process.execPath, [file], env);
  } finally {
    rmSync(file, { force: true });
  }
}

/** What a snippet that ran must have done, read from the snippet itself: each check throws when it did not happen. */
function effectsOf(snippet: Snippet, local: SimulatorStack): ((stdout: string) => Promise<void>)[] {
  const api = `${local.stack.urls.host}/api`;
  const getJson = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${api}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const checks: ((stdout: string) => Promise<void>)[] = [];
  const code = snippet.code;
  if (snippet.lang === "js") {
    for (const [, id] of code.matchAll(/messageId: "([^"]+)"/g)) {
      checks.push(async () => expect((await getJson(`/messages/${id}`)).body).toMatchObject({ messageId: id }));
    }
    for (const [, bsuid] of code.matchAll(/fromBSUID: "([^"]+)"/g)) {
      checks.push(async () => expect((await getJson(`/contacts?bsuid=${bsuid}`)).body).toMatchObject({ bsuid }));
    }
    return checks;
  }
  const commands = shellCommands(code);
  for (const [, path] of commands.flatMap((c) => [...c.matchAll(/\/api\/events .*--data @(\S+)/g)])) {
    const events = JSON.parse(readFileSync(join(root, path!), "utf8")) as { id: string }[];
    checks.push(async () => {
      for (const { id } of events) {
        const statuses = local.stack.topic.attempts.filter((a) => a.eventIds.includes(id)).map((a) => a.status);
        expect(
          statuses.some((status) => status >= 200 && status <= 204),
          `deliveries of event ${id}: ${statuses}`,
        ).toBe(true);
      }
    });
  }
  // A status code the block prints (-w "%{http_code}"), as its comment says.
  for (const [, status] of code.matchAll(/-w " %\{http_code\}\\n"\s+#\s*(\d{3})/g)) {
    checks.push(async (stdout) => expect(stdout).toContain(` ${status}`));
  }
  for (const [, bsuid] of commands.flatMap((c) => [...c.matchAll(/^curl "[^"]*\/api\/contacts\?bsuid=([^"&]+)"$/g)])) {
    checks.push(async (stdout) => expect(stdout).toContain(`"bsuid":"${bsuid}"`));
  }
  for (const [, id] of commands.flatMap((c) => [...c.matchAll(/^curl \S*\/api\/messages\/([\w-]+)$/g)])) {
    checks.push(async (stdout) => expect(stdout).toContain(`"messageId":"${id}"`));
  }
  for (const [, user, phone] of commands.flatMap((c) => [
    ...c.matchAll(/^npm run simulator -- change-number (\S+) (\+\d+)$/g),
  ])) {
    checks.push(async () => {
      const response = await fetch(`${local.stack.urls.host}/simulator/users/${user}`);
      const view = (await response.json()) as SimulatedUserView;
      expect(view.phone).toBe(phone);
      // Its messages before the change were stored under the BSUID the change retired.
      const retired = Object.values(view.previousBsuids).flat();
      expect(retired.length).toBeGreaterThan(0);
      for (const bsuid of retired) expect((await getJson(`/contacts?bsuid=${bsuid}`)).body).toMatchObject({ bsuid });
    });
  }
  return checks;
}

async function checkSyntax(snippet: Snippet): Promise<void> {
  if (snippet.lang === "sh") {
    // Placeholders such as <region> stand for a word (unquoted, sh would read them as redirections).
    const outcome = await run("sh", ["-n", "-c", snippet.code.replace(/<[^<>\n]+>/g, "placeholder")]);
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
  } else if (snippet.lang === "ts") {
    const { diagnostics = [] } = ts.transpileModule(snippet.code, {
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
  } else {
    expect(() => JSON.parse(snippet.code) as unknown).not.toThrow();
  }
}

describe.each(FILES)("the code blocks of %s", (file) => {
  const snippets = extractSnippets(file, readFileSync(join(root, file), "utf8"));
  const label = (s: Snippet): string => `the ${s.lang || "plain"} block at line ${s.line} (${s.heading})`;
  let local: SimulatorStack;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    local = await startLocalStackWithSimulator({
      port: 0,
      inMemory: true,
      azurite: { ports: { blob: 0, queue: 0, table: 0 }, reuseRunning: false },
      env: {},
      sampleSettingsOnly: true,
      settings: { TABLE_NAME_PREFIX: uniqueTablePrefix() },
      deadLetterDir: mkdtempSync(join(tmpdir(), "readme-deadletter-")),
      logger: createMemoryLogger(),
    });
    env = { ...process.env, PORT: new URL(local.stack.urls.host).port };
    delete env.SIMULATOR_URL;
  }, 120_000);

  afterAll(async () => {
    await local?.close();
  });

  it("are each run, checked with the reason they are not run, or shown output", () => {
    expect(snippets.length).toBeGreaterThan(0);
    const unclassified = snippets
      .map((snippet) => ({ snippet, plan: planOf(snippet) }))
      .filter(({ plan }) => plan.kind === "unclassified")
      .map(({ snippet, plan }) => `${label(snippet)}: ${JSON.stringify(plan)}`);
    expect(unclassified).toEqual([]);
    expect(snippets.some((snippet) => planOf(snippet).kind === "run")).toBe(true);
  });

  for (const snippet of snippets) {
    const plan = planOf(snippet);
    if (plan.kind === "run") {
      it(`runs ${label(snippet)} verbatim against a local stack, and it does what it says`, async () => {
        await local.stack.topic.waitForIdle();
        const code = snippet.code.replaceAll(DOCUMENTED_ORIGIN, local.stack.urls.host);
        const outcome = snippet.lang === "js" ? await runScript(code, env) : await run("sh", ["-e", "-c", code], env);
        expect(outcome.code, `${outcome.stdout}\n${outcome.stderr}`).toBe(0);
        await local.stack.topic.waitForIdle();
        const effects = effectsOf(snippet, local);
        expect(effects.length, "effects the test can check").toBeGreaterThan(0);
        for (const effect of effects) await effect(outcome.stdout);
      }, 120_000);
    } else if (plan.kind === "check") {
      it(`checks the syntax of ${label(snippet)}, not run: ${plan.reason}`, async () => {
        await checkSyntax(snippet);
      });
    }
  }
});
