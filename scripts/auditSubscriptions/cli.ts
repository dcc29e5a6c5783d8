/**
 * `npm run audit:subscriptions`: reads a subscriptions file (or standard input), audits it and prints the report as
 * text or, with `--json`, as JSON. Exit code 0 clean, 1 something goes silent, 2 usage or input error.
 *
 * @packageDocumentation
 */

import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { formatAuditReport } from "./auditReport";
import { auditSubscriptions } from "./auditSubscriptions";

const USAGE = `Usage: npm run audit:subscriptions -- [--json] <file.json | ->

Finds Event Grid subscriptions that stop delivering WhatsApp messages once users hide their phone number (the event
subject then carries a BSUID such as GB.123… instead of 44…), says why, and proposes a BSUID-aware filter checked with
the project's Event Grid filter engine.

Input (a file, or - for standard input):
  az eventgrid system-topic event-subscription list -g <rg> --system-topic-name <topic> -o json
  an ARM template (az group export, or your own), an ARM REST response, infra/eventSubscriptions.json,
  or a routes file (routes.json)

Exit code: 0 nothing goes silent, 1 some senders would go silent, 2 usage or input error.
  --json   print the report as JSON`;

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
};

/** Runs the audit CLI on `argv` (without `node` and the script) and returns the exit code. */
export async function runAuditCli(argv: string[], io: CliIo = processIo): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) {
    io.err(`${file === undefined ? "Name the file to audit." : "Name one file."}\n\n${USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = file === "-" ? await io.readStdin() : await readFile(file, "utf8");
  } catch (error) {
    io.err(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    io.err(`${file} is not valid JSON: ${(error as Error).message}\n`);
    return 2;
  }
  const report = auditSubscriptions(json);
  io.out(
    values.json ? `${JSON.stringify(report, null, 2)}\n` : formatAuditReport(report, file === "-" ? "stdin" : file),
  );
  return report.exitCode;
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
}

if (require.main === module) {
  runAuditCli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 2;
    },
  );
}
