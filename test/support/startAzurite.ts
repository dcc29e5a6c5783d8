import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { once } from "node:events";
import { dirname, join } from "node:path";
import type { TestProject } from "vitest/node";
import { azuriteArguments } from "../../local/stack/startLocalAzurite";

declare module "vitest" {
  export interface ProvidedContext {
    tableConnectionString: string;
    /** Blob, queue and table endpoints of the same Azurite, for storage clients other than tables. */
    storageConnectionString: string;
  }
}

const ACCOUNT = "devstoreaccount1";
// Azurite's well-known development key (public, documented by Microsoft; not a secret).
const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("could not pick a free port");
  return address.port;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`azurite-table exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/${ACCOUNT}/Tables`, { method: "GET" });
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`azurite-table did not listen on port ${port} within ${timeoutMs} ms`);
}

/** Starts an in-memory Azurite (blob, queue and table services) for the test run and stops it afterwards. */
export default async function startAzurite(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const queuePort = await freePort();
  const blobPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(dirname(require.resolve("azurite/package.json")), "dist/src/azurite.js"),
      ...azuriteArguments({ blob: blobPort, queue: queuePort, table: port }, { inMemory: true }),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForPort(port, child, 20_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  project.provide(
    "tableConnectionString",
    `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};TableEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`,
  );
  project.provide(
    "storageConnectionString",
    `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};` +
      `BlobEndpoint=http://127.0.0.1:${blobPort}/${ACCOUNT};QueueEndpoint=http://127.0.0.1:${queuePort}/${ACCOUNT};` +
      `TableEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`,
  );
  return async () => {
    child.kill("SIGTERM");
    const exited = once(child, "exit");
    const timeout = new Promise((resolve) => setTimeout(resolve, 5_000));
    await Promise.race([exited, timeout]);
    if (child.exitCode === null) child.kill("SIGKILL");
  };
}
