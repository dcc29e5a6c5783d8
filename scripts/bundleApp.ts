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
 *
 * Bundling starts from the TypeScript sources rather than `tsc`'s CommonJS output: ES `import`s let esbuild pick the
 * packages' ES module builds and drop what the app never calls.
 *
 * Each bundle is rebuilt only when what it was built from changed, and replaced atomically (`bundleIfChanged`): a
 * running local stack or simulator keeps working while another terminal builds.
 */
import type { Plugin } from "esbuild";
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { bundleIfChanged, type BundleRequest } from "./bundleIfChanged";

/** Packages loaded on first use, each bundled on its own into `dist/vendor/<file>`. */
export const DEFERRED_PACKAGES: Readonly<Record<string, string>> = {
  "@azure/identity": "identity.js",
  "@azure/storage-queue": "storage-queue.js",
};

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
} as const;

/** Points the entry's requires of the deferred packages at their own bundles, next to it. */
const deferredPackages: Plugin = {
  name: "deferred-packages",
  setup(builder) {
    const names = Object.keys(DEFERRED_PACKAGES).map((name) => name.replace(/[/]/g, "\\/"));
    builder.onResolve({ filter: new RegExp(`^(${names.join("|")})$`) }, (args) => ({
      path: `./vendor/${DEFERRED_PACKAGES[args.path]!}`,
      external: true,
    }));
  },
};

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
    plugins: [deferredPackages],
    sourcemap: true,
  });
  await Promise.all(
    Object.entries(DEFERRED_PACKAGES).map(([name, file]) =>
      bundle(root, {
        // `require`, not `export *`: the packages' CommonJS builds, since their ES builds call
        // `createRequire(import.meta.url)`, which is empty in CommonJS output.
        stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: "js" },
        outfile: join(dist, "vendor", file),
      }),
    ),
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
