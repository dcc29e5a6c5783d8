import { readFileSync, readdirSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { basename, dirname, join, resolve, sep } from "node:path";

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

/**
 * The `@azure/functions` releases this loader is known to work with. It stands in for the worker's
 * `@azure/functions-core` module and so relies on how `@azure/functions` uses it: the module name it requires, the
 * members it calls (`registerFunction`, `registerHook`, `setProgrammingModel`, `log`), the `{ name, bindings }`
 * metadata `registerFunction` receives, and the app's own handler passed alongside (the local host calls it with
 * `HttpRequest` / `InvocationContext`). `test/local/host/loadFunctionApp.test.ts` checks all of that against the
 * installed package; widen the range only after it passes with the new release.
 */
export const SUPPORTED_AZURE_FUNCTIONS = ">=4.16.5 <5.0.0";

/** The module the Functions worker provides and `@azure/functions` requires to register functions. */
export const FUNCTIONS_CORE_MODULE = "@azure/functions-core";

/** Expands the `main` entry of package.json (a file or a `dir/*.js` pattern) as the Functions worker does. */
function resolveEntryFiles(appRoot: string): string[] {
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

interface CoreApiStub {
  version: string;
  hostVersion: string;
  /** Where `registerFunction` puts registrations; set only while {@link loadFunctionApp} loads entry files. */
  collector:
    ((metadata: { name: string; bindings: Record<string, FunctionBinding> }, handler: never) => void) | undefined;
  [member: string]: unknown;
}

/**
 * The one `@azure/functions-core` stand-in of this process. `@azure/functions` caches the module it first finds, so a
 * second load of the app (a restarted local stack) must reach the same object; it lives on `globalThis` so that a
 * second copy of this file (source and built) shares it too.
 */
function coreApiStub(): CoreApiStub {
  const key = Symbol.for("acs-advanced-messaging-functions.local.functionsCore");
  const store = globalThis as unknown as Record<symbol, CoreApiStub | undefined>;
  const existing = store[key];
  if (existing) return existing;
  const stub: CoreApiStub = {
    version: "local",
    hostVersion: "local",
    collector: undefined,
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerHook: () => ({ dispose: () => undefined }),
    log: () => undefined,
    registerFunction(metadata: { name: string; bindings: Record<string, FunctionBinding> }, handler: never) {
      if (!stub.collector) throw new Error(`Function ${metadata.name} registered outside loadFunctionApp`);
      stub.collector(metadata, handler);
      return { dispose: () => undefined };
    },
  };
  store[key] = stub;
  return stub;
}

/** Options of {@link loadFunctionApp}. */
export interface LoadFunctionAppOptions {
  /**
   * Forget the app's own modules (everything under `appRoot` outside `node_modules`) before loading, so a second load
   * in the same process registers the functions again and starts from fresh module state (settings are read anew).
   */
  fresh?: boolean;
}

/**
 * Loads the app's built entry files exactly as the Azure Functions Node worker does: it provides the
 * `@azure/functions-core` module that `@azure/functions` looks for, then requires every entry file and collects what
 * they register. Azure and local runs therefore share one registration path.
 *
 * Throws when the entry files register nothing: a host would serve no functions, and it is also what happens when
 * `@azure/functions` was already loaded in "test mode" (without the core module) earlier in the same process.
 */
export function loadFunctionApp(appRoot: string, options: LoadFunctionAppOptions = {}): FunctionRegistration[] {
  const registrations: FunctionRegistration[] = [];
  const coreApi = coreApiStub();
  const collect = (metadata: { name: string; bindings: Record<string, FunctionBinding> }, handler: never) => {
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
  };

  const moduleApi = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    _cache: Record<string, { exports: unknown } | undefined>;
  };
  const root = resolve(appRoot);
  if (options.fresh) {
    for (const file of Object.keys(moduleApi._cache)) {
      if (file.startsWith(root + sep) && !file.includes(`${sep}node_modules${sep}`)) delete moduleApi._cache[file];
    }
  }
  const original = moduleApi._resolveFilename;
  const corePath = join(root, "node_modules", FUNCTIONS_CORE_MODULE, "index.js");
  moduleApi._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === FUNCTIONS_CORE_MODULE ? corePath : original.call(this, request, ...rest);
  };
  const stub = new Module(corePath);
  stub.exports = coreApi;
  stub.loaded = true;
  moduleApi._cache[corePath] = stub;
  coreApi.collector = collect;
  try {
    const load = createRequire(join(root, "package.json"));
    for (const file of resolveEntryFiles(root)) load(file);
  } finally {
    coreApi.collector = undefined;
    moduleApi._resolveFilename = original;
  }
  if (registrations.length === 0) {
    throw new Error(
      `The app in ${root} registered no functions. Build it first (npm run build); if "@azure/functions" was already ` +
        "loaded in test mode in this process, load the app in a fresh process.",
    );
  }
  return registrations;
}
