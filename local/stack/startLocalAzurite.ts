import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
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
   * Which Azurite already running is used instead of starting one:
   * - `"project"` (default): the one serving this data folder, as recorded in it by whoever started it through the
   *   project (`npm run azurite`, another `npm start`); two Azurites must never share a data folder. Any other Azurite
   *   on the wanted ports (another project's, one in memory) is not used: its data is not this project's. Not in
   *   memory mode.
   * - `true`: also any Azurite answering on the wanted table port (a caller that started it itself).
   * - `false`: none.
   */
  reuseRunning?: boolean | "project";
  /** Fail when a wanted port is busy instead of picking a free one (`npm run azurite`: Core Tools needs the defaults). */
  exactPorts?: boolean;
  /** Who starts it, recorded in the data folder for the next command (e.g. "npm start"). */
  startedBy?: string;
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
  const reuse = options.reuseRunning ?? "project";
  const location = options.inMemory ? undefined : (options.location ?? join(options.appRoot, ".azurite"));
  const folder = location ? relative(process.cwd(), location) || "." : undefined;

  if (location && reuse !== false) {
    const running = await findProjectAzurite(location);
    if (running) {
      notices.push(
        `using this project's Azurite, already running (started by ${running.startedBy}, pid ${running.pid}, ` +
          `table port ${running.ports.table}, data in ${folder}); it is not stopped on exit`,
      );
      return reused(running.ports, notices);
    }
  }

  const ports = { blob: 0, queue: 0, table: 0 };
  for (const service of ["blob", "queue", "table"] as const) {
    const port = wanted[service];
    if (port === 0 || (await isPortFree(port))) {
      ports[service] = port === 0 ? await freePort() : port;
      continue;
    }
    const azurite = await isAzurite(port);
    if (azurite && service === "table" && reuse === true) {
      notices.push(`Azurite is already running on port ${port}; using it as asked (it is not stopped on exit)`);
      return reused({ table: port }, notices);
    }
    const holder = !azurite
      ? "another program"
      : folder
        ? "an Azurite that is not this project's (another project's, or one in memory: what it stores is not in " +
          `${folder}; if it is this project's, started without npm run azurite, stop it)`
        : "an Azurite that is not this stack's (another project's or another stack's)";
    if (options.exactPorts) throw new Error(`port ${port} (Azurite's ${service} service) is taken by ${holder}`);
    ports[service] = await freePort();
    notices.push(`port ${port} is taken by ${holder}; this stack's own Azurite serves ${service} on ${ports[service]}`);
  }

  const load = createRequire(join(options.appRoot, "package.json"));
  let script: string;
  try {
    script = join(dirname(load.resolve("azurite/package.json")), "dist", "src", "azurite.js");
  } catch {
    throw new Error("Azurite is not installed: run npm install (it is a devDependency of this project)");
  }
  if (location) mkdirSync(location, { recursive: true });
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
  const forget = location
    ? recordProjectAzurite(location, {
        pid: child.pid!,
        ports,
        startedBy: options.startedBy ?? "npm start",
        startedAt: new Date().toISOString(),
      })
    : () => undefined;

  const blobEndpoint = `http://127.0.0.1:${ports.blob}/${AZURITE_ACCOUNT}`;
  const queueEndpoint = `http://127.0.0.1:${ports.queue}/${AZURITE_ACCOUNT}`;
  return {
    started: true,
    tableEndpoint,
    blobEndpoint,
    queueEndpoint,
    connectionString: connectionString({ blob: blobEndpoint, queue: queueEndpoint, table: tableEndpoint }),
    notices,
    stop: async () => {
      forget();
      await stopChild(child);
    },
  };
}

/** An Azurite this call did not start: endpoints for the ports known, nothing to stop. */
function reused(ports: { blob?: number; queue?: number; table: number }, notices: string[]): LocalAzurite {
  const endpoint = (port: number | undefined) =>
    port === undefined ? undefined : `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const endpoints = { blob: endpoint(ports.blob), queue: endpoint(ports.queue), table: endpoint(ports.table)! };
  return {
    started: false,
    tableEndpoint: endpoints.table,
    blobEndpoint: endpoints.blob,
    queueEndpoint: endpoints.queue,
    connectionString: connectionString(endpoints),
    notices,
    stop: async () => undefined,
  };
}

/** What the data folder records about the Azurite serving it (`npm run azurite`, `npm start`). */
interface ProjectAzurite {
  /** Azurite's own process, so a record outliving the command that started it still tells the truth. */
  pid: number;
  ports: { blob: number; queue: number; table: number };
  startedBy: string;
  startedAt: string;
}

const RECORD_FILE = "running-azurite.json";

/**
 * Records in `location` that the Azurite `record.pid` serves it; returns the function that removes the record (only
 * while it is still this one's).
 */
function recordProjectAzurite(location: string, record: ProjectAzurite): () => void {
  const file = join(location, RECORD_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return () => {
    try {
      if ((JSON.parse(readFileSync(file, "utf8")) as ProjectAzurite).pid === record.pid) rmSync(file, { force: true });
    } catch {
      // Already gone.
    }
  };
}

/** The Azurite recorded in `location`, if its process still runs and its table service answers. */
async function findProjectAzurite(location: string): Promise<ProjectAzurite | undefined> {
  let record: ProjectAzurite;
  try {
    record = JSON.parse(readFileSync(join(location, RECORD_FILE), "utf8")) as ProjectAzurite;
    process.kill(record.pid, 0);
  } catch {
    return undefined;
  }
  return (await isAzurite(record.ports.table, "table")) ? record : undefined;
}

function connectionString(endpoints: { blob?: string; queue?: string; table: string }): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    (endpoints.blob ? `BlobEndpoint=${endpoints.blob};` : "") +
    (endpoints.queue ? `QueueEndpoint=${endpoints.queue};` : "") +
    `TableEndpoint=${endpoints.table};`
  );
}

/** True when the process on `port` answers like one of Azurite's services (`service`, or any when omitted). */
async function isAzurite(port: number, service = ""): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/${AZURITE_ACCOUNT}/Tables`, {
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
    return (response.headers.get("server") ?? "").toLowerCase().startsWith(`azurite-${service}`);
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
