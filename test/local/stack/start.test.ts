import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isPortFree } from "../../../local/stack/ports";

const root = join(__dirname, "..", "..", "..");
const cli = join(root, "dist", "local", "start.js");

/** Runs the built CLI; `onOutput` sees stdout as it arrives and may signal the process. */
async function run(args: string[], env: Record<string, string>, onOutput?: (stdout: string, kill: () => void) => void) {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: root,
    env: { ...process.env, LOCAL_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    onOutput?.(stdout, () => child.kill("SIGINT"));
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

describe("npm start (dist/local/start.js)", () => {
  it("exits 1 with a message naming the port and PORT when the port is taken", async () => {
    const blocker = createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const port = (blocker.address() as AddressInfo).port;
    try {
      const result = await run([], { PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${port} is already in use`);
      expect(result.stderr).toContain("PORT=7072 npm start");
      expect(result.stdout).not.toContain("Ready:");
    } finally {
      blocker.close();
    }
  });

  it("prints one ready line, then stops everything and exits 0 when interrupted with Ctrl-C", async () => {
    let signalled = false;
    const result = await run(["--in-memory", "--port", "0"], {}, (stdout, kill) => {
      if (!signalled && stdout.includes("Ready:")) {
        signalled = true;
        kill();
      }
    });
    expect(result, result.stdout + result.stderr).toMatchObject({ code: 0 });
    const ready = result.stdout.split("\n").filter((line) => line.startsWith("Ready:"));
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatch(
      /API http:\/\/127\.0\.0\.1:\d+\/api \| Event Grid topic http:\/\/127\.0\.0\.1:\d+\/api\/events/,
    );
    expect(result.stdout).toContain("Stopped.");
    const apiPort = Number(/API http:\/\/127\.0\.0\.1:(\d+)/.exec(ready[0] ?? "")?.[1]);
    const tablePort = Number(/Azurite tables http:\/\/127\.0\.0\.1:(\d+)/.exec(ready[0] ?? "")?.[1]);
    expect(await isPortFree(apiPort)).toBe(true);
    expect(await isPortFree(tablePort)).toBe(true);
  });

  it("exits 1 naming every settings and routes-file problem, before Ready, when the settings are wrong", async () => {
    const routesFile = join(mkdtempSync(join(tmpdir(), "routes-")), "routes.json");
    writeFileSync(
      routesFile,
      JSON.stringify({ routes: [{ name: "store", actions: [{ type: "store" }], stopProccessing: true }] }),
    );
    const result = await run(["--in-memory", "--port", "0"], {
      SEND_ADDRESS_PREFERENCE: "nobody",
      ROUTES_FILE: routesFile,
    });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).not.toContain("Ready:");
    expect(result.stderr).toContain("invalid settings (2 problem(s))");
    expect(result.stderr).toContain("SEND_ADDRESS_PREFERENCE must be bsuid or phone");
    expect(result.stderr).toMatch(/routes file .*routes\.json: .*stopProccessing/);
  });

  it("prints the usage and exits 2 when given an unknown option", async () => {
    const result = await run(["--bogus"], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option --bogus");
    expect(result.stderr).toContain("--in-memory");
  });
});
