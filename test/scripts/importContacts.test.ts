import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueTablePrefix } from "../support/createTestTables";

const root = join(__dirname, "..", "..");
const prefix = uniqueTablePrefix();
let stack: ChildProcess | undefined;
let api = "";

/** The environment of a new terminal: no table settings of the test run. */
function terminalEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ["TABLE_STORAGE_CONNECTION_STRING", "TABLE_STORAGE_ENDPOINT", "PORT"]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

beforeAll(async () => {
  // `npm start -- --in-memory`: Azurite in memory, on ports the stack picks when the default ones are taken.
  const child = spawn(process.execPath, [join(root, "dist", "local", "start.js"), "--in-memory", "--port", "0"], {
    cwd: root,
    env: terminalEnv({ LOCAL_LOG_LEVEL: "warn", TABLE_NAME_PREFIX: prefix }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  stack = child;
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const deadline = Date.now() + 50_000;
  while (!/^Ready: API (\S+)/m.test(stdout)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the stack did not start:\n${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  api = /^Ready: API (\S+)/m.exec(stdout)![1]!;
}, 60_000);

afterAll(async () => {
  if (stack && stack.exitCode === null) {
    stack.kill("SIGINT");
    await once(stack, "exit");
  }
});

describe("npm run contacts:import", () => {
  it("imports into the running in-memory stack without any connection string", async () => {
    const dir = await mkdtemp(join(tmpdir(), "import-"));
    const file = join(dir, "crm.csv");
    await writeFile(file, "phone,externalId,name\n+447700900123,crm-1,Ada\n");
    // Another stack of this project may be running (another terminal); PORT names ours, as for npm start.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, "dist", "scripts", "importContacts.js"), file],
      { cwd: root, env: terminalEnv({ PORT: new URL(api).port }) },
    );
    expect(stdout).toContain(`Importing into the running local stack (API ${api}`);
    expect(stdout).toContain("1 created");

    const response = await fetch(`${api}/contacts?phone=${encodeURIComponent("+447700900123")}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ externalId: "crm-1", name: "Ada", phone: "+447700900123" });
  });
});
