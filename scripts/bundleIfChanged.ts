import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { build, version as esbuildVersion, type BuildOptions } from "esbuild";

/** What {@link bundleIfChanged} did. */
export type BundleOutcome = "built" | "up to date";

/** One bundle: esbuild options with a single `outfile`, plus what else its output depends on. */
export interface BundleRequest extends BuildOptions {
  outfile: string;
  /** Folder that input paths are relative to (esbuild's `absWorkingDir`). */
  absWorkingDir: string;
  /**
   * Anything besides the inputs and the options that decides the output, e.g. the code of the plugins and the
   * dependency tree (a lockfile): a change to any of these strings rebuilds.
   */
  fingerprint?: readonly string[];
}

/** Written next to a bundle once it is in place: what it was built from and what was written. */
interface BundleStamp {
  settings: string;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
}

const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

/** The stamp of `outfile`, e.g. `dist/main.js.inputs.json`. */
export const stampPath = (outfile: string): string => `${outfile}.inputs.json`;

/**
 * Writes `contents` to `file` through a temporary file in the same folder and a rename, so a process reading `file`
 * (a running local stack loading the bundle) sees the old file or the new one, never a half-written or missing one.
 * Concurrent writers each rename their own complete file; the last one wins.
 */
export async function writeFileAtomically(file: string, contents: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, contents);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Options without the plugins' functions (their code is part of `fingerprint`) as a comparable string. */
function describeSettings(request: BundleRequest): string {
  const { plugins, fingerprint, ...options } = request;
  return sha256(
    JSON.stringify({
      esbuild: esbuildVersion,
      options,
      plugins: (plugins ?? []).map((plugin) => plugin.name),
      fingerprint: fingerprint ?? [],
    }),
  );
}

/** Hashes the files in `paths` (relative to `root`); undefined when one is missing. */
function hashFiles(root: string, paths: readonly string[]): Record<string, string> | undefined {
  const hashes: Record<string, string> = {};
  for (const path of paths) {
    const file = isAbsolute(path) ? path : join(root, path);
    if (!existsSync(file)) return undefined;
    hashes[path] = sha256(readFileSync(file));
  }
  return hashes;
}

/** True when the stamp of `request` says its outputs were built from the files and settings as they are now. */
function isUpToDate(request: BundleRequest, settings: string): boolean {
  let stamp: BundleStamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath(request.outfile), "utf8")) as BundleStamp;
  } catch {
    return false;
  }
  if (stamp.settings !== settings) return false;
  const same = (recorded: Record<string, string>): boolean => {
    const now = hashFiles(request.absWorkingDir, Object.keys(recorded));
    return now !== undefined && Object.entries(recorded).every(([path, hash]) => now[path] === hash);
  };
  // The outputs are checked too: a concurrent build may have replaced them after this stamp was written.
  return same(stamp.inputs) && same(stamp.outputs);
}

/**
 * Bundles `request` with esbuild unless its stamp shows the same inputs (by content), options and fingerprint built the
 * outputs now in place. Outputs are written atomically ({@link writeFileAtomically}) and the stamp last, so an
 * interrupted build is redone. Inputs are the files esbuild read (its metafile); a file that would newly shadow one of
 * them in module resolution is not noticed unless it changes the fingerprint (dependencies do, through the lockfile).
 */
export async function bundleIfChanged(request: BundleRequest): Promise<BundleOutcome> {
  const settings = describeSettings(request);
  if (isUpToDate(request, settings)) return "up to date";

  const { fingerprint: _fingerprint, ...options } = request;
  // Files changed after this moment (less the coarsest file-time resolution) may have been read before the change.
  const since = Date.now() - 2_000;
  const result = await build({ ...options, write: false, metafile: true });
  if (result.warnings.length > 0) {
    throw new Error(`${request.outfile}: ${result.warnings.length} esbuild warning(s), see above`);
  }
  const outputs: Record<string, string> = {};
  for (const output of result.outputFiles) {
    await writeFileAtomically(output.path, output.contents);
    outputs[relative(request.absWorkingDir, output.path)] = sha256(output.contents);
  }
  // "<stdin>" and other virtual inputs are covered by the options.
  const inputPaths = Object.keys(result.metafile.inputs).filter((path) =>
    existsSync(resolve(request.absWorkingDir, path)),
  );
  const inputs = hashFiles(request.absWorkingDir, inputPaths);
  // An input deleted or edited while bundling leaves no stamp (the hashes now may not be what esbuild read), so the
  // next build bundles again.
  const edited = inputPaths.some(
    (path) => (statSync(resolve(request.absWorkingDir, path), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) > since,
  );
  if (inputs && !edited) {
    await writeFileAtomically(stampPath(request.outfile), JSON.stringify({ settings, inputs, outputs }));
  }
  return "built";
}
