/**
 * Builds the deployment package's code from the TypeScript sources (run by `npm run build`, after `tsc` has
 * type-checked them):
 *
 * - `dist/main.js`: every function and all it needs, in one file, so the worker loads one script instead of resolving
 *   and compiling a few hundred files (cold start).
 * - `dist/vendor/identity.js` and `dist/vendor/storage-queue.js`: `@azure/identity` (with MSAL) and
 *   `@azure/storage-queue` (with its XML stack) are half of the code but needed only by some deployments, and only once
 *   the first event arrives (managed-identity tokens, a forward queue). The app `require`s them where they are first
 *   used; in `dist/main.js` those requires point here, so loading the entry no longer compiles them.
 * - `dist/vendor/send-validators.js`: the send bodies' validators generated from `schemas/` (about 80 KB), which only
 *   a send needs; `lib/domain/messaging/outboundMessage.ts` requires them on first use the same way.
 *
 * Bundling starts from the TypeScript sources rather than `tsc`'s CommonJS output: ES `import`s let esbuild pick the
 * packages' ES module builds and drop what the app never calls.
 *
 * Each bundle is rebuilt only when what it was built from changed, and replaced atomically (`bundleIfChanged`): a
 * running local stack or simulator keeps working while another terminal builds.
 */
import type { Plugin } from "esbuild";
import { readFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { bundleIfChanged, type BundleRequest } from "./bundleIfChanged";

/** Packages loaded on first use, each bundled on its own into `dist/vendor/<file>`. */
export const DEFERRED_PACKAGES: Readonly<Record<string, string>> = {
  "@azure/identity": "identity.js",
  "@azure/storage-queue": "storage-queue.js",
  jose: "jose.js",
};

/**
 * Modules of the app loaded on first use (keyed by their path from the project root), each bundled on its own into
 * `dist/vendor/<file>`.
 */
export const DEFERRED_MODULES: Readonly<Record<string, string>> = {
  "lib/schemaValidation/compiledSendValidators.ts": "send-validators.js",
};

/** Every bundle in `dist/vendor/`, named by the package or module it holds. */
export const DEFERRED_BUNDLES: Readonly<Record<string, string>> = { ...DEFERRED_PACKAGES, ...DEFERRED_MODULES };

const common = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
} as const;

/** Points the entry's requires of the deferred packages and modules at their own bundles, next to it. */
function deferredBundles(root: string): Plugin {
  return {
    name: "deferred-bundles",
    setup(builder) {
      const names = Object.keys(DEFERRED_PACKAGES).map((name) => name.replace(/[/]/g, "\\/"));
      builder.onResolve({ filter: new RegExp(`^(${names.join("|")})$`) }, (args) => ({
        path: `./vendor/${DEFERRED_PACKAGES[args.path]!}`,
        external: true,
      }));
      // An app module the entry imports statically becomes a stand-in whose exports load the module's own bundle
      // when first read; the importer reads them at call time (e.g. `compiledSendValidators.outboundMessage`).
      const baseNames = Object.keys(DEFERRED_MODULES).map((path) => basename(path, ".ts"));
      builder.onResolve({ filter: new RegExp(`/(${baseNames.join("|")})$`) }, (args) => {
        const fromRoot = relative(root, join(args.resolveDir, `${args.path}.ts`)).replace(/\\/g, "/");
        return DEFERRED_MODULES[fromRoot] ? { path: fromRoot, namespace: "deferred-module" } : undefined;
      });
      builder.onLoad({ filter: /.*/, namespace: "deferred-module" }, (args) => ({
        contents: deferredStandIn(args.path, readFileSync(join(root, args.path), "utf8")),
        loader: "js",
      }));
      builder.onResolve({ filter: /^\.\/vendor\//, namespace: "deferred-module" }, (args) => ({
        path: args.path,
        external: true,
      }));
    },
  };
}

/** A CommonJS module whose exports (those `source` declares) require the module's own bundle on first read. */
function deferredStandIn(path: string, source: string): string {
  const names = [...source.matchAll(/^export (?:const|function) (\w+)/gm)].map((match) => match[1]!);
  if (names.length === 0) throw new Error(`${path}: no exports found to defer`);
  const bundle = JSON.stringify(`./vendor/${DEFERRED_MODULES[path]!}`);
  const getters = names.map((name) => `  get ${name}() { return load().${name}; },`);
  return [
    `let loaded;`,
    `const load = () => (loaded ??= require(${bundle}));`,
    `module.exports = {`,
    ...getters,
    `};`,
  ].join("\n");
}

/**
 * Builds one bundle unless it is up to date, failing on any warning: an ignored one (`import.meta` in CommonJS) is a
 * crash at run time. Besides its inputs, a bundle depends on this file's code (options, plugin) and the dependency tree.
 */
async function bundle(root: string, options: Omit<BundleRequest, "absWorkingDir">): Promise<void> {
  const lockfile = join(root, "package-lock.json");
  const outcome = await bundleIfChanged({
    ...common,
    ...options,
    absWorkingDir: root,
    fingerprint: [readFileSync(__filename, "utf8"), readFileSync(lockfile, "utf8")],
  });
  // Progress goes to stderr: a tool run through npm (audit --json) must print only its own output on stdout.
  if (outcome === "up to date") console.error(`${relative(root, options.outfile)}: up to date`);
}

async function main(): Promise<void> {
  const root = resolve(__dirname, "..", "..");
  const dist = join(root, "dist");
  await bundle(root, {
    entryPoints: [join(root, "functions", "index.ts")],
    outfile: join(dist, "main.js"),
    // Provided by the Functions worker at run time.
    external: ["@azure/functions-core"],
    plugins: [deferredBundles(root)],
    sourcemap: true,
  });
  await Promise.all([
    ...Object.entries(DEFERRED_PACKAGES).map(([name, file]) =>
      bundle(root, {
        // `require`, not `export *`: the packages' CommonJS builds, since their ES builds call
        // `createRequire(import.meta.url)`, which is empty in CommonJS output.
        stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: "js" },
        outfile: join(dist, "vendor", file),
      }),
    ),
    ...Object.entries(DEFERRED_MODULES).map(([path, file]) =>
      bundle(root, { entryPoints: [join(root, path)], outfile: join(dist, "vendor", file) }),
    ),
  ]);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
