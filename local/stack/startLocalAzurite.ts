import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { silentLocalLogger, type LocalLogger } from "../host/localLogger";
import { freePort, isPortFree } from "./ports";

/** Azurite's account and well-known development key (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** Azurite's default ports (blob, queue, table), which `UseDevelopmentStorage=true` points at. */
export const AZURITE_DEFAULT_PORTS = { blob: 10000, queue: 10001, table: 10002 } as const;

/** Settings of {@link startLocalAzurite}. */
export interface LocalAzuriteOptions {
  /** The project; Azurite is resolved from its `node_modules`, data is kept in `<appRoot>/.azurite`. */
  appRoot: string;
  /** Keep data in memory only (nothing written to `.azurite/`). */
  inMemory?: boolean;
  /** Data folder when not in memory; `<appRoot>/.azurite` when omitted. */
  location?: string;
  /** Ports; Azurite's defaults when omitted (a busy one is replaced by a free one), `0` for a free one. */
  ports?: { blob?: number; queue?: number; table?: number };
  /**
   * When the table port is taken by an Azurite already running (e.g. `npm run azurite`), use it instead of starting a
   * second one on the same data folder. Not done in memory mode. Default true.
   */
  reuseRunning?: boolean;
  logger?: LocalLogger;
  /** How long to wait for Azurite to answer. */
  startTimeoutMs?: number;
}

/** A running (or reused) Azurite. */
export interface LocalAzurite {
  /** False when an Azurite that was already running is used. */
  readonly started: boolean;
  readonly tableEndpoint: string;
  readonly blobEndpoint: string | undefined;
  readonly queueEndpoint: string | undefined;
  /** Connection string with every endpoint this Azurite serves. */
  readonly connectionString: string;
  /** What differs from the defaults (a busy port replaced, a running Azurite reused), for the user. */
  readonly notices: readonly string[];
  /** Stops Azurite if this call started it. */
  stop(): Promise<void>;
}

/**
 * Command-line arguments of Azurite (blob, queue and table on 127.0.0.1) for the given ports: in memory, in a data
 * folder, or (neither) in Azurite's default folder. One place for the local stack, the tests and the benchmarks.
 */
export function azuriteArguments(
  ports: { blob: number; queue: number; table: number },
  storage: { inMemory?: boolean; location?: string } = {},
): string[] {
  return [
    ...(storage.location ? ["--location", storage.location] : []),
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(ports.blob),
    "--queueHost",
    "127.0.0.1",
    "--queuePort",
    String(ports.queue),
    "--tableHost",
    "127.0.0.1",
    "--tablePort",
    String(ports.table),
    "--disableTelemetry",
    "--silent",
    "--skipApiVersionCheck",
    ...(storage.inMemory ? ["--inMemoryPersistence"] : []),
  ];
}

/**
 * Starts Azurite from the project's `azurite` npm package (blob, queue and table services) on 127.0.0.1, with data in
 * `.azurite/` or in memory, and waits until the table service answers.
 */
export async function startLocalAzurite(options: LocalAzuriteOptions): Promise<LocalAzurite> {
  const logger = options.logger ?? silentLocalLogger;
  const notices: string[] = [];
  const wanted = {
    blob: options.ports?.blob ?? AZURITE_DEFAULT_PORTS.blob,
    queue: options.ports?.queue ?? AZURITE_DEFAULT_PORTS.queue,
    table: options.ports?.table ?? AZURITE_DEFAULT_PORTS.table,
  };

  if (wanted.table !== 0 && !(await isPortFree(wanted.table))) {
    if (!options.inMemory && (options.reuseRunning ?? true) && (await isAzuriteTable(wanted.table))) {
      const tableEndpoint = `http://127.0.0.1:${wanted.table}/${AZURITE_ACCOUNT}`;
      notices.push(`Azurite is already running on port ${wanted.table}; using it (it is not stopped on exit)`);
      return {
        started: false,
        tableEndpoint,
        blobEndpoint: undefined,
        queueEndpoint: undefined,
        connectionString: connectionString({ table: tableEndpoint }),
        notices,
        stop: async () => undefined,
      };
    }
  }

  const ports = { blob: 0, queue: 0, table: 0 };
  for (const service of ["blob", "queue", "table"] as const) {
    const port = wanted[service];
    if (port !== 0 && (await isPortFree(port))) ports[service] = port;
    else {
      ports[service] = await freePort();
      if (port !== 0) notices.push(`port ${port} is busy; Azurite's ${service} service uses port ${ports[service]}`);
    }
  }

  const load = createRequire(join(options.appRoot, "package.json"));
  let script: string;
  try {
    script = join(dirname(load.resolve("azurite/package.json")), "dist", "src", "azurite.js");
  } catch {
    throw new Error("Azurite is not installed: run npm install (it is a devDependency of this project)");
  }
  let location: string | undefined;
  if (!options.inMemory) {
    location = options.location ?? join(options.appRoot, ".azurite");
    mkdirSync(location, { recursive: true });
  }
  const args = [script, ...azuriteArguments(ports, location ? { location } : { inMemory: true })];

  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  // If this process ends without stop() (an uncaught error, process.exit), Azurite must not outlive it.
  const killOnExit = () => void child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const tableEndpoint = `http://127.0.0.1:${ports.table}/${AZURITE_ACCOUNT}`;
  try {
    await waitForAzurite(ports.table, child, options.startTimeoutMs ?? 20_000);
  } catch (error) {
    await stopChild(child);
    throw new Error(`Azurite did not start: ${(error as Error).message}${stderr ? `\n${stderr.trim()}` : ""}`);
  }
  logger.log("debug", "Azurite started", { ...ports, inMemory: options.inMemory === true, pid: child.pid });

  const blobEndpoint = `http://127.0.0.1:${ports.blob}/${AZURITE_ACCOUNT}`;
  const queueEndpoint = `http://127.0.0.1:${ports.queue}/${AZURITE_ACCOUNT}`;
  return {
    started: true,
    tableEndpoint,
    blobEndpoint,
    queueEndpoint,
    connectionString: connectionString({ blob: blobEndpoint, queue: queueEndpoint, table: tableEndpoint }),
    notices,
    stop: () => stopChild(child),
  };
}

function connectionString(endpoints: { blob?: string; queue?: string; table: string }): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    (endpoints.blob ? `BlobEndpoint=${endpoints.blob};` : "") +
    (endpoints.queue ? `QueueEndpoint=${endpoints.queue};` : "") +
    `TableEndpoint=${endpoints.table};`
  );
}

/** True when the process on `port` answers like Azurite's table service. */
async function isAzuriteTable(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/${AZURITE_ACCOUNT}/Tables`, {
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
    return (response.headers.get("server") ?? "").toLowerCase().startsWith("azurite-table");
  } catch {
    return false;
  }
}

async function waitForAzurite(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`azurite exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/${AZURITE_ACCOUNT}/Tables`);
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`it did not answer on port ${port} within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timeout = new Promise((resolve) => setTimeout(resolve, 5_000).unref());
  await Promise.race([exited, timeout]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGKILL");
    await exited;
  }
}
