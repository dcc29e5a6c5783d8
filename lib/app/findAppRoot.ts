import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The project's root, the one rule for the app (its routes file), the local stack and the scripts:
 * `AzureWebJobsScriptRoot` when the Functions host set it in `env`, else the nearest directory holding `host.json` at
 * or above `start` (from the sources or from `dist/`, whose depths differ, so a fixed number of `..` would be wrong
 * in one of them), else `cwd`.
 */
export function findAppRoot(
  env: Record<string, string | undefined>,
  start: string = __dirname,
  cwd: string = process.cwd(),
): string {
  const scriptRoot = env.AzureWebJobsScriptRoot?.trim();
  if (scriptRoot) return resolve(scriptRoot);
  for (let directory = resolve(start); ; directory = dirname(directory)) {
    if (existsSync(join(directory, "host.json"))) return directory;
    if (dirname(directory) === directory) return resolve(cwd);
  }
}
