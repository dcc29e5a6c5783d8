/**
 * `npm start`: runs the whole product on this machine (Azurite, the functions on a local host, the ACS Messages
 * emulator, a local Event Grid topic) until Ctrl-C. See local/README.md.
 *
 *   node dist/local/start.js [--in-memory] [--port <n>]
 */
import { ConfigurationError } from "../lib/core/errors";
import { PortInUseError } from "./host/createLocalHost";
import { createJsonLineLogger, type LocalLogLevel } from "./host/localLogger";
import { publishStackState, stackStateDir, STACK_STATE_SETTINGS } from "./stack/stackState";
import { findAppRoot } from "../lib/app/findAppRoot";
import { startLocalStack, type LocalStack } from "./stack/startLocalStack";
import { attachWhatsAppSimulator, type AttachedSimulator } from "./simulator/attachWhatsAppSimulator";

const USAGE = `Usage: npm start [-- --in-memory] [-- --port <n>]

Starts Azurite, the functions (at the Functions host's URLs), the ACS Messages emulator and a local Event Grid topic.

  --in-memory        Azurite keeps data in memory instead of .azurite/ (also: npm run start:memory)
  --port <n>         port of the functions and the topic (default: PORT, else 7071)

Environment: PORT, LOCAL_EVENTGRID_TIME_SCALE (default 60), LOCAL_EVENTGRID_KEY, LOCAL_LOG_LEVEL (default info),
and the app settings (local.settings.json, else local.settings.sample.json).`;

function write(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(argv: string[]): Promise<number> {
  let inMemory = false;
  let port: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--in-memory") inMemory = true;
    else if (arg === "--port") {
      port = Number(argv[++i]);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(`--port needs a port number\n\n${USAGE}`);
        return 2;
      }
    } else if (arg === "--help" || arg === "-h") {
      write(USAGE);
      return 0;
    } else {
      console.error(`Unknown option ${arg}\n\n${USAGE}`);
      return 2;
    }
  }

  // Signals are handled from the start: a Ctrl-C during start-up stops what has started once start-up ends.
  let interrupted: (() => void) | undefined;
  let stopRequested = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) {
      console.error(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopRequested = true;
    interrupted?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const level = (process.env.LOCAL_LOG_LEVEL ?? "info") as LocalLogLevel;
  let stack: LocalStack;
  let simulator: AttachedSimulator;
  try {
    stack = await startLocalStack({
      inMemory,
      ...(port === undefined ? {} : { port }),
      logger: createJsonLineLogger({ minLevel: level }),
      // The WhatsApp user simulator publishes the delivery statuses (Sent, Delivered, Read; toBSUID; failures).
      deliveryStatuses: false,
    });
    try {
      simulator = attachWhatsAppSimulator(stack);
    } catch (error) {
      await stack.close();
      throw error;
    }
  } catch (error) {
    if (error instanceof PortInUseError) console.error(`Error: ${error.message}`);
    else if (error instanceof ConfigurationError) {
      console.error(
        `Error: the local stack did not start: invalid settings (${error.problems.length} problem(s)):\n` +
          error.problems.map((problem) => `  - ${problem}`).join("\n") +
          "\nSettings come from local.settings.json (else local.settings.sample.json); environment variables win.",
      );
    } else console.error(`Error: the local stack could not start: ${(error as Error).message}`);
    return 1;
  }

  if (!stopRequested) {
    write("Functions:");
    for (const fn of stack.host.httpFunctions) write(`  ${fn.name}: [${fn.methods.join(",")}] ${fn.url}`);
    for (const name of stack.host.eventGridFunctions) write(`  ${name}: eventGridTrigger`);
    write(`Event Grid topic key (aeg-sas-key): ${stack.topic.accessKey}`);
    write(`WhatsApp user simulator: ${simulator.url} (npm run simulator -- --help)`);
    for (const notice of stack.notices) write(`Note: ${notice}`);
    // For the project's other commands (contacts:import): where this stack's tables are.
    const unpublish = publishStackState(stackStateDir(findAppRoot({}, __dirname)), {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      api: stack.urls.api,
      azuriteTable: stack.urls.azuriteTable,
      inMemory,
      settings: Object.fromEntries(STACK_STATE_SETTINGS.map((name) => [name, stack.settings[name] ?? ""])),
    });
    process.once("exit", unpublish);
    write(stack.readyLine);
    await new Promise<void>((resolve) => (interrupted = resolve));
    unpublish();
  }
  write("Stopping...");
  simulator.detach();
  await stack.close();
  write("Stopped.");
  return 0;
}

void main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
