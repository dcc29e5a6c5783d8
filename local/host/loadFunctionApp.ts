import { readFileSync, readdirSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";

/** One binding of a registered function, as `@azure/functions` describes it to the host. */
export interface FunctionBinding {
  type: string;
  direction: "in" | "out";
  route?: string;
  methods?: string[];
  authLevel?: string;
  [key: string]: unknown;
}

/** A function the app registered: its name, bindings and the app's own handler. */
export interface FunctionRegistration {
  name: string;
  bindings: Record<string, FunctionBinding>;
  handler: (...args: unknown[]) => unknown;
  /** The trigger binding's type, e.g. `eventGridTrigger` or `httpTrigger`. */
  triggerType: string;
  trigger: FunctionBinding;
}

const CORE_MODULE = "@azure/functions-core";

/** Expands the `main` entry of package.json (a file or a `dir/*.js` pattern) as the Functions worker does. */
export function resolveEntryFiles(appRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(join(appRoot, "package.json"), "utf8")) as { main?: string };
  if (!pkg.main) throw new Error("package.json has no main entry: the Functions host would find no functions");
  const pattern = resolve(appRoot, pkg.main);
  const name = basename(pattern);
  if (!name.includes("*")) return [pattern];
  const matcher = new RegExp(
    `^${name
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return readdirSync(dirname(pattern))
    .filter((file) => matcher.test(file))
    .sort()
    .map((file) => join(dirname(pattern), file));
}

/**
 * Loads the app's built entry files exactly as the Azure Functions Node worker does: it provides the
 * `@azure/functions-core` module that `@azure/functions` looks for, then requires every entry file and collects what
 * they register. Azure and local runs therefore share one registration path.
 */
export function loadFunctionApp(appRoot: string): FunctionRegistration[] {
  const registrations: FunctionRegistration[] = [];
  const coreApi = {
    version: "local",
    hostVersion: "local",
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerHook: () => ({ dispose: () => undefined }),
    log: () => undefined,
    registerFunction(metadata: { name: string; bindings: Record<string, FunctionBinding> }, handler: never) {
      const trigger = Object.values(metadata.bindings).find((b) => b.type.endsWith("Trigger"));
      if (!trigger) throw new Error(`Function ${metadata.name} has no trigger binding`);
      if (registrations.some((r) => r.name.toLowerCase() === metadata.name.toLowerCase())) {
        throw new Error(`Function ${metadata.name} is registered twice`);
      }
      registrations.push({
        name: metadata.name,
        bindings: metadata.bindings,
        handler,
        triggerType: trigger.type,
        trigger,
      });
      return { dispose: () => undefined };
    },
  };

  const moduleApi = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    _cache: Record<string, { exports: unknown } | undefined>;
  };
  const original = moduleApi._resolveFilename;
  const corePath = join(appRoot, "node_modules", CORE_MODULE, "index.js");
  moduleApi._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === CORE_MODULE ? corePath : original.call(this, request, ...rest);
  };
  const stub = new Module(corePath);
  stub.exports = coreApi;
  stub.loaded = true;
  moduleApi._cache[corePath] = stub;
  try {
    const load = createRequire(join(appRoot, "package.json"));
    for (const file of resolveEntryFiles(appRoot)) load(file);
  } finally {
    moduleApi._resolveFilename = original;
  }
  return registrations;
}
