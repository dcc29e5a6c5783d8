/**
 * Removes what `tsc` compiled from sources that no longer exist (run by `npm run build`, after `tsc`). The build is
 * incremental and never empties `dist/`, and `tsc` leaves the output of a deleted or renamed source behind; such a file
 * could still be loaded, e.g. a stale `lib/x.js` wins over a new `lib/x/index.js` in `require("./x")`.
 *
 * A compiled file is recognised by its source map naming exactly one TypeScript source (the bundles name hundreds, or
 * have no map). Only files whose source is gone are removed: nothing a current build produced.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Deletes the compiled `.js` (and its `.js.map`) under `outDir` whose single TypeScript source is missing. */
export function pruneBuildOutputs(outDir: string): string[] {
  const removed: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".js.map") && isOrphan(path)) {
        const script = path.slice(0, -".map".length);
        rmSync(script, { force: true });
        rmSync(path, { force: true });
        removed.push(script);
      }
    }
  };
  if (existsSync(outDir)) walk(outDir);
  return removed;
}

function isOrphan(mapFile: string): boolean {
  let sources: unknown;
  try {
    ({ sources } = JSON.parse(readFileSync(mapFile, "utf8")) as { sources?: unknown });
  } catch {
    return false;
  }
  if (!Array.isArray(sources) || sources.length !== 1 || typeof sources[0] !== "string") return false;
  const source = sources[0];
  if (!/\.(c|m)?tsx?$/.test(source)) return false;
  return !existsSync(resolve(dirname(mapFile), source));
}

if (require.main === module) {
  const removed = pruneBuildOutputs(resolve(__dirname, ".."));
  if (removed.length > 0) console.log(`Removed ${removed.length} compiled file(s) whose source no longer exists`);
}
