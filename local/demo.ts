/**
 * `npm run demo`: a scripted BSUID story against the local stack, printed as it happens, and an end-to-end check (exit
 * code 1 when any step does not happen as expected). Starts its own stack (in-memory Azurite on free ports) unless
 * `--url` names a running one (`npm start`).
 *
 *   node dist/local/demo.js [--url http://127.0.0.1:7071] [--verbose]
 */
import { runDemo } from "./demo/runDemo";

const USAGE = `Usage: npm run demo [-- --url <http://127.0.0.1:7071>] [-- --verbose]

Tells a short story with simulated WhatsApp users against the local stack and checks every step: a phone user, a
username-only user, a CRM contact, replies by BSUID or phone, a refused authentication template, a phone-number change
and relink, legacy vs BSUID-aware Event Grid subscriptions, and the identity map. Exits 1 when a step goes wrong.

  --url <url>   use a running stack (npm start; npm run start:memory for a clean one) instead of starting one
  --verbose     the demo's own stack logs to stderr`;

async function main(argv: string[]): Promise<number> {
  let url: string | undefined;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--url") {
      url = argv[++i];
      if (!url || !/^https?:\/\//.test(url)) {
        console.error(`--url needs the stack's URL, e.g. http://127.0.0.1:7071\n\n${USAGE}`);
        return 2;
      }
    } else if (arg === "--verbose") verbose = true;
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else {
      console.error(`Unknown option ${arg}\n\n${USAGE}`);
      return 2;
    }
  }
  const result = await runDemo({
    ...(url ? { url } : {}),
    verbose,
    write: (line) => void process.stdout.write(`${line}\n`),
  });
  return result.ok ? 0 : 1;
}

void main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
