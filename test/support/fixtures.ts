import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InvocationContext } from "@azure/functions";

const FIXTURES = join(__dirname, "..", "fixtures", "events");

/** Reads a fixture event file; Event Grid deliveries are arrays, so the first event is returned. */
export function loadFixtureEvent(name: string, folder = "acs-events"): Record<string, unknown> {
  const parsed = JSON.parse(readFileSync(join(FIXTURES, folder, name), "utf8")) as unknown;
  return (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown>;
}

/** Every fixture file name in a folder. */
export function fixtureNames(folder = "acs-events"): string[] {
  return readdirSync(join(FIXTURES, folder)).filter((name) => name.endsWith(".json"));
}

/** An invocation context that keeps what the function logged. */
export function createInvocationContext(functionName: string): InvocationContext & { logged: string[] } {
  const logged: string[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: `test-${Math.random().toString(16).slice(2)}`,
    logHandler: (_level, ...args) => logged.push(args.map(String).join(" ")),
  });
  return Object.assign(context, { logged });
}
