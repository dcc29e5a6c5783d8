import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FUNCTIONS_CORE_MODULE, loadFunctionApp, SUPPORTED_AZURE_FUNCTIONS } from "../../../local/host/loadFunctionApp";

// This file must not import @azure/functions (not even through the local host): loaded once without the core module,
// the package stays in "test mode" for the process and registers nothing.

const ROOT = join(__dirname, "..", "..", "..");
const PACKAGE_DIR = join(ROOT, "node_modules", "@azure", "functions");
const installed = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as {
  version: string;
  main: string;
};
const packageSource = readFileSync(join(PACKAGE_DIR, installed.main), "utf8");

type Version = [number, number, number];

function parseVersion(text: string): Version {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!match) throw new Error(`not a version: ${text}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Whether `version` meets every comparator of `range` (`>=4.16.5 <5.0.0`): all the ranges this file needs. */
function satisfies(version: string, range: string): boolean {
  return range.split(/\s+/).every((comparator) => {
    const match = /^(>=|<=|>|<|=)?(\d+\.\d+\.\d+)$/.exec(comparator);
    if (!match) throw new Error(`unsupported comparator ${comparator} in ${range}`);
    const order = compare(parseVersion(version), parseVersion(match[2]!));
    const operator = match[1] ?? "=";
    if (operator === ">=") return order >= 0;
    if (operator === "<=") return order <= 0;
    if (operator === ">") return order > 0;
    if (operator === "<") return order < 0;
    return order === 0;
  });
}

/** The lowest version a `^x.y.z` dependency allows and the first it does not (x ≥ 1). */
function caretBounds(spec: string): { lowest: string; below: string } {
  const match = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(spec);
  if (!match || match[1] === "0") throw new Error(`expected a ^x.y.z dependency with x >= 1, got ${spec}`);
  return { lowest: `${match[1]}.${match[2]}.${match[3]}`, below: `${Number(match[1]) + 1}.0.0` };
}

/** Writes an app that registers through the installed @azure/functions and records what it saw of the core module. */
function writeFixtureApp(): string {
  const root = mkdtempSync(join(tmpdir(), "function-app-"));
  writeFileSync(join(root, "package.json"), JSON.stringify({ main: "index.js" }));
  writeFileSync(
    join(root, "index.js"),
    `
    const { app } = require(${JSON.stringify(PACKAGE_DIR)});
    const core = require(${JSON.stringify(FUNCTIONS_CORE_MODULE)});
    const seen = (globalThis[Symbol.for("loadFunctionApp.test")] = { handlers: {} });
    seen.coreMembers = Object.keys(core);
    seen.handlers.ping = async () => ({ body: "pong" });
    seen.handlers.onEvent = async () => undefined;
    app.http("ping", { methods: ["GET"], authLevel: "function", route: "ping/{id}", handler: seen.handlers.ping });
    app.eventGrid("onEvent", { handler: seen.handlers.onEvent });
    `,
  );
  return root;
}

describe("loadFunctionApp and the installed @azure/functions", () => {
  it("supports the installed release, the range of SUPPORTED_AZURE_FUNCTIONS holding it", () => {
    expect(
      satisfies(installed.version, SUPPORTED_AZURE_FUNCTIONS),
      `@azure/functions ${installed.version} is outside ${SUPPORTED_AZURE_FUNCTIONS}, the range ` +
        "local/host/loadFunctionApp.ts supports: check the loader against it (this file), then widen the range",
    ).toBe(true);
  });

  it("supports every release the dependency in package.json lets npm install", () => {
    const project = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const { lowest, below } = caretBounds(project.dependencies["@azure/functions"]!);
    expect(satisfies(lowest, SUPPORTED_AZURE_FUNCTIONS), `${lowest} in ${SUPPORTED_AZURE_FUNCTIONS}`).toBe(true);
    const ceiling = /<(\d+\.\d+\.\d+)/.exec(SUPPORTED_AZURE_FUNCTIONS)?.[1];
    expect(ceiling, "the supported range needs an upper bound").toBeDefined();
    expect(compare(parseVersion(below), parseVersion(ceiling!))).toBeLessThanOrEqual(0);
  });

  it("reads the range as intended when checking versions", () => {
    expect(satisfies("4.16.5", ">=4.16.5 <5.0.0")).toBe(true);
    expect(satisfies("4.99.0", ">=4.16.5 <5.0.0")).toBe(true);
    expect(satisfies("4.16.4", ">=4.16.5 <5.0.0")).toBe(false);
    expect(satisfies("5.0.0", ">=4.16.5 <5.0.0")).toBe(false);
  });

  it("provides the core module under the name the installed package requires", () => {
    expect(packageSource).toContain(`require("${FUNCTIONS_CORE_MODULE}")`);
  });

  it("relies on module resolution hooks Node still has", () => {
    const internals = Module as unknown as { _resolveFilename?: unknown; _cache?: unknown };
    expect(typeof internals._resolveFilename).toBe("function");
    expect(typeof internals._cache).toBe("object");
  });

  it("collects name, bindings, trigger and the app's own handler when an app registers through the package", () => {
    const registrations = loadFunctionApp(writeFixtureApp());
    const seen = (
      globalThis as unknown as Record<symbol, { coreMembers: string[]; handlers: Record<string, unknown> }>
    )[Symbol.for("loadFunctionApp.test")]!;

    const byName = new Map(registrations.map((registration) => [registration.name, registration]));
    expect([...byName.keys()].sort()).toEqual(["onEvent", "ping"]);
    const ping = byName.get("ping")!;
    expect(ping.triggerType).toBe("httpTrigger");
    expect(ping.trigger).toMatchObject({
      direction: "in",
      route: "ping/{id}",
      methods: ["GET"],
      authLevel: "function",
    });
    expect(Object.values(ping.bindings)).toContainEqual(expect.objectContaining({ type: "http", direction: "out" }));
    // The local host calls the handler with HttpRequest / InvocationContext, so it must be the app's function itself.
    expect(ping.handler).toBe(seen.handlers.ping);
    const onEvent = byName.get("onEvent")!;
    expect(onEvent.triggerType).toBe("eventGridTrigger");
    expect(onEvent.handler).toBe(seen.handlers.onEvent);

    // Every member of the core module the package calls is one the stand-in has.
    const called = new Set([...packageSource.matchAll(/\bcoreApi\.(\w+)/g)].map((match) => match[1]!));
    expect(called.size, "the package no longer names the core module coreApi: read how it uses it").toBeGreaterThan(0);
    for (const member of called) expect(seen.coreMembers, member).toContain(member);
  });
});
