import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What a running `npm start` tells the project's other commands about itself, so that `npm run contacts:import` can
 * write to the tables the stack's functions read, even when the stack's Azurite runs in memory on ports chosen at
 * start-up. One file per stack process, `.local/stacks/<pid>.json`, removed when the stack stops; a file left by a
 * process that no longer runs is ignored.
 */
export interface LocalStackState {
  pid: number;
  startedAt: string;
  /** `http://127.0.0.1:7071/api`. */
  api: string;
  /** Azurite's table endpoint (with the account). */
  azuriteTable: string;
  inMemory: boolean;
  /** The settings of {@link STACK_STATE_SETTINGS} the functions run with: which tables hold the identity map. */
  settings: Record<string, string>;
}

/**
 * The settings a stack publishes: where its tables are and how contacts are scoped. Nothing secret: the table
 * connection string is always the stack's own Azurite, whose account key is public.
 */
export const STACK_STATE_SETTINGS = [
  "TABLE_STORAGE_CONNECTION_STRING",
  "TABLE_NAME_PREFIX",
  "DEFAULT_SCOPE",
  "CHANNEL_SCOPES",
] as const;

/** Where the stacks of the project at `appRoot` publish their state. */
export const stackStateDir = (appRoot: string): string => join(appRoot, ".local", "stacks");

/** True when a process with this ID runs (one of another user counts: signalling it is merely not permitted). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readStates(dir: string): LocalStackState[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /^\d+\.json$/.test(name));
  } catch {
    return [];
  }
  const states: LocalStackState[] = [];
  for (const name of names) {
    try {
      const state = JSON.parse(readFileSync(join(dir, name), "utf8")) as LocalStackState;
      if (Number.isInteger(state.pid) && typeof state.api === "string" && typeof state.settings === "object") {
        states.push(state);
      }
    } catch {
      // Unreadable: being written (never, writes are atomic) or damaged; not a stack this command can use.
    }
  }
  return states;
}

/**
 * Publishes `state` for this process (written atomically, readable by this user only) and removes the files of stacks
 * that no longer run. Returns the function that removes it again; it is synchronous, so it can run on `exit`.
 */
export function publishStackState(dir: string, state: LocalStackState): () => void {
  mkdirSync(dir, { recursive: true });
  for (const stale of readStates(dir).filter((other) => !isRunning(other.pid))) {
    rmSync(join(dir, `${stale.pid}.json`), { force: true });
  }
  const file = join(dir, `${state.pid}.json`);
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
  return () => rmSync(file, { force: true });
}

/** The stacks of this project that are running now, oldest first. */
export function findRunningStacks(dir: string): LocalStackState[] {
  return readStates(dir)
    .filter((state) => isRunning(state.pid))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
