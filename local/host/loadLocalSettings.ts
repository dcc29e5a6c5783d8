import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The app settings a local run uses, and where they came from. */
export interface LocalSettings {
  /** Setting name → value, as the worker's environment would hold them. */
  values: Record<string, string>;
  /** The file the values were read from (`local.settings.json`, else `local.settings.sample.json`), if any. */
  source: string | undefined;
  /** Names whose file value was ignored because the process environment already defines them (as Core Tools does). */
  fromEnvironment: string[];
}

/**
 * Reads the app settings the way Azure Functions Core Tools does: the `Values` of `local.settings.json` when present
 * (else the committed `local.settings.sample.json` defaults), with any variable already set in `env` taking precedence
 * over the file ("Skipping 'X' from local settings as it's already defined in current environment variables").
 * `sampleOnly` ignores `local.settings.json` (tests must not pick up a developer's real settings).
 */
export function loadLocalSettings(
  appRoot: string,
  env: Record<string, string | undefined> = process.env,
  options: { sampleOnly?: boolean } = {},
): LocalSettings {
  let source: string | undefined;
  let values: Record<string, string> = {};
  const files = options.sampleOnly
    ? ["local.settings.sample.json"]
    : ["local.settings.json", "local.settings.sample.json"];
  for (const name of files) {
    const file = join(appRoot, name);
    if (!existsSync(file)) continue;
    values = readValues(file);
    source = file;
    break;
  }
  const fromEnvironment: string[] = [];
  for (const name of Object.keys(values)) {
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== "") {
      values[name] = fromEnv;
      fromEnvironment.push(name);
    }
  }
  return { values, source, fromEnvironment };
}

function readValues(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const values = (parsed as { Values?: unknown } | null)?.Values;
  if (values === undefined) return {};
  if (values === null || typeof values !== "object" || Array.isArray(values)) {
    throw new Error(`${file}: "Values" must be an object of setting names to strings`);
  }
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    if (typeof value === "object") throw new Error(`${file}: Values.${name} must be a string, number or boolean`);
    result[name] = String(value);
  }
  return result;
}
