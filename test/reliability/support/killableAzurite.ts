import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteArguments } from "../../../local/stack/startLocalAzurite";

/** Azurite's three ports. */
export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

/** An Azurite process this test owns, so it can kill it and start it again on the same ports and data folder. */
export interface KillableAzurite {
  readonly ports: AzuritePorts;
  readonly connectionString: string;
  readonly pid: number | undefined;
  /** Sends `signal` and waits until the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts Azurite with its data in `location` (so it survives a restart) and waits until the table service answers. */
export async function startKillableAzurite(location: string, ports: AzuritePorts): Promise<KillableAzurite> {
  const script = join(dirname(require.resolve("azurite/package.json")), "dist", "src", "azurite.js");
  const child: ChildProcess = spawn(process.execPath, [script, ...azuriteArguments(ports, { location })], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const killOnExit = () => void child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode}: ${stderr}`);
    try {
      const response = await fetch(`http://127.0.0.1:${ports.table}/${AZURITE_ACCOUNT}/Tables`);
      await response.body?.cancel();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`Azurite did not answer on port ${ports.table}: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const endpoint = (port: number) => `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    ports,
    pid: child.pid,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `BlobEndpoint=${endpoint(ports.blob)};QueueEndpoint=${endpoint(ports.queue)};TableEndpoint=${endpoint(ports.table)};`,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill(signal);
      await exited;
    },
  };
}
