import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { isSupportedCountry, type CountryCode } from "libphonenumber-js";
import { startApp, type AppServices } from "../lib/app/createAppServices";
import { loadConfig } from "../lib/app/loadConfig";
import { importContacts, parseContactsCsv } from "../lib/useCases/identity/importContacts";
import { silentLogger } from "../lib/core/logging/createLogger";
import { parseScope } from "../lib/core/values/identifiers";
import { findAppRoot } from "../lib/app/findAppRoot";
import { findRunningStacks, stackStateDir } from "../local/stack/stackState";
import { chooseImportSettings } from "./chooseImportSettings";

const USAGE = `Usage: npm run contacts:import -- <file.csv> [--scope <scope>] [--country <ISO code>]

Loads phone-only contacts from a CRM export: a CSV with a header row holding a phone column (phone, mobile, msisdn,
whatsapp), and optionally an external ID (externalId, id, crm_id) and a name. Numbers in international form (+44…) need
nothing else; national numbers need --country. Bad rows are reported with their line numbers; good rows still load.
Settings are read as npm start reads them: local.settings.json, else local.settings.sample.json, with environment
variables winning. While a local stack runs (npm start, also in memory), contacts go to its tables. To import into
another store, e.g. the deployed app's, set TABLE_STORAGE_CONNECTION_STRING or TABLE_STORAGE_ENDPOINT (with az login)
and TABLE_NAME_PREFIX in the environment. With several local stacks running, PORT picks one.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { scope: { type: "string" }, country: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const file = positionals[0];
  if (values.help || !file) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const country = values.country?.toUpperCase();
  if (country && !isSupportedCountry(country)) {
    console.error(`--country must be an ISO 3166 alpha-2 code such as GB; got "${values.country}"`);
    return 2;
  }
  const appRoot = findAppRoot(process.env, __dirname);
  const { settings, target } = chooseImportSettings({
    appRoot,
    env: process.env,
    stacks: findRunningStacks(stackStateDir(appRoot)),
  });
  console.log(`Importing into ${target}`);
  const config = loadConfig(settings);
  const scope = values.scope ? parseScope(values.scope, "--scope") : config.defaultScope;
  let services: AppServices;
  try {
    services = await startApp({ config });
  } catch (error) {
    const message = (error as Error).message;
    const hint = /ECONNREFUSED/.test(message)
      ? " Is the local stack (npm start) or Azurite (npm run azurite) running?"
      : "";
    throw new Error(`Could not reach the tables of ${target}: ${message}.${hint}`);
  }

  const { rows, problems } = parseContactsCsv(await readFile(file, "utf8"), country as CountryCode | undefined);
  const report = await importContacts({ store: services.identityStore, logger: silentLogger }, scope, rows);
  const allProblems = [...problems, ...report.problems].sort((a, b) => a.line - b.line);
  console.log(
    `Imported ${file} into scope "${scope}": ${report.created} created, ${report.updated} updated, ` +
      `${report.unchanged} unchanged, ${allProblems.length} rejected.`,
  );
  for (const problem of allProblems) console.log(`  line ${problem.line}: ${problem.reason}`);
  return allProblems.length > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  },
);
