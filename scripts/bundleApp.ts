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
 */
import { build, type BuildOptions, type Plugin } from "esbuild";
import { join, resolve } from "node:path";

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

/** Builds one bundle, failing on any warning: an ignored one (`import.meta` in CommonJS) is a crash at run time. */
async function bundle(options: BuildOptions): Promise<void> {
  const result = await build({ ...common, ...options });
  if (result.warnings.length > 0) {
    throw new Error(`${options.outfile ?? "bundle"}: ${result.warnings.length} esbuild warning(s), see above`);
  }
}

async function main(): Promise<void> {
  const root = resolve(__dirname, "..", "..");
  const dist = join(root, "dist");
  await bundle({
    entryPoints: [join(root, "functions", "index.ts")],
    outfile: join(dist, "main.js"),
    // Provided by the Functions worker at run time.
    external: ["@azure/functions-core"],
    plugins: [deferredPackages],
    sourcemap: true,
  });
  await Promise.all(
    Object.entries(DEFERRED_PACKAGES).map(([name, file]) =>
      bundle({
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
