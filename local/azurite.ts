/**
 * `npm run azurite`: this project's Azurite (blob, queue, table) on the default ports 10000-10002 with data in
 * `.azurite/`, for Azure Functions Core Tools (`func start`, whose `UseDevelopmentStorage=true` means those ports),
 * until Ctrl-C. It records itself in `.azurite/`, so `npm start` uses it rather than start a second Azurite on the
 * same data, and tells it apart from any other Azurite (another project's, one in memory).
 */
import { findAppRoot } from "../lib/app/findAppRoot";
import { AZURITE_DEFAULT_PORTS, startLocalAzurite } from "./stack/startLocalAzurite";

async function main(): Promise<number> {
  const azurite = await startLocalAzurite({
    appRoot: findAppRoot({}, __dirname),
    ports: AZURITE_DEFAULT_PORTS,
    exactPorts: true,
    startedBy: "npm run azurite",
  });
  for (const notice of azurite.notices) process.stdout.write(`Note: ${notice}\n`);
  if (!azurite.started) {
    if (azurite.tableEndpoint.includes(`:${AZURITE_DEFAULT_PORTS.table}/`)) return 0;
    console.error(
      "It does not serve the default ports, which Core Tools uses: stop the command that started it first.",
    );
    return 1;
  }
  process.stdout.write(
    `Azurite: blob ${azurite.blobEndpoint} | queue ${azurite.queueEndpoint} | table ${azurite.tableEndpoint} | ` +
      "data in .azurite/ | Ctrl-C to stop\n",
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await azurite.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Error: Azurite could not start: ${(error as Error).message}`);
    process.exit(1);
  },
);
