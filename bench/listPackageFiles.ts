import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ignore from "ignore";

/** One file of the deployment package. */
export interface PackageFile {
  /** Relative to the app root, with `/` separators. */
  path: string;
  bytes: number;
}

/**
 * The files a deployment would upload: every file under `appRoot` that `.funcignore` lets through, read with gitignore
 * rules as Core Tools and azd read it. Ignored directories are not walked (gitignore cannot re-include a file inside
 * one), which also keeps `node_modules` out of the walk.
 */
export function listPackageFiles(appRoot: string): PackageFile[] {
  const rules = ignore().add(readFileSync(join(appRoot, ".funcignore"), "utf8"));
  const files: PackageFile[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(appRoot, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!rules.ignores(`${path}/`)) walk(path);
      } else if (entry.isFile() && !rules.ignores(path)) {
        files.push({ path, bytes: statSync(join(appRoot, path)).size });
      }
    }
  };
  walk("");
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
