/**
 * `npm run simulator -- <command>`: drives the WhatsApp user simulator of a running local stack (`npm start`) over
 * HTTP. See local/simulator/README.md.
 */
import { readFile } from "node:fs/promises";
import { maskIdentifier } from "../../lib/core/logging/mask";
import type { SimulatedSend, SimulatedUserView } from "./createWhatsAppSimulator";
import { SIMULATED_MESSAGE_TYPES, type SimulatedMessage } from "./messageTypes";
import { HttpApiError, createSimulatorClient } from "./simulatorClient";

const USAGE = `Usage: npm run simulator -- [--url <host url>] [--json] <command> [arguments]

Drives the simulated WhatsApp users of a running local stack (npm start). BSUIDs are printed in full, as the app's API
needs them (the simulator makes them up; they identify no one); phone numbers, which may be typed in with --phone, are
masked. --json prints the API's full answer instead.

Commands:
  list                                  the users, their BSUIDs, whether each business number sees their phone, and how
                                        to look a user's contact up in the app
  show <userId>                         one user
  create-user [--country GB] [--phone +447700900123] [--name Alice]
              [--username [handle] | --no-username] [--contact-book | --no-contact-book] [--no-read]
  send <userId> <type> [text...]        types: ${SIMULATED_MESSAGE_TYPES.join(", ")}; prints the message ID and
                                        the API calls that show the message and the contact
              [--channel <id>] [--caption <c>] [--file-name <f>] [--emoji <e>] [--reply-to <messageId>]
              [--id <button or row id>] [--title <t>] [--description <d>] [--payload <p>] [--message-type <t>]
  change-number <userId> [<phone>]      a new number (and so new BSUIDs); a made-up one when omitted
  contact-book <userId> on|off [--portfolio <p>]
  fail-next-delivery <userId> [--code 131026] [--message "Message Undeliverable."]
  clock [advance <31d|12h|90m> | set <ISO time> | reset]
  events [--limit 20]                   the events the simulator published
  import-contacts <file.csv> [--country GB] [--scope <scope>]   a CRM export into the identity map
  info                                  channels, clock, routes

Options:
  --url <url>   the local host (default: SIMULATOR_URL, else http://127.0.0.1:$PORT, else http://127.0.0.1:7071)
  --json        print the full JSON answers (unmasked)

Examples:
  npm run simulator -- create-user --country GB --username --no-contact-book
  npm run simulator -- send u1 text "Hello, is my order shipped?"
  npm run simulator -- clock advance 31d
  npm run simulator -- change-number u1 +447700900456`;

const VALUE_OPTIONS = new Set([
  "url",
  "country",
  "phone",
  "name",
  "channel",
  "caption",
  "file-name",
  "emoji",
  "reply-to",
  "id",
  "title",
  "description",
  "payload",
  "message-type",
  "portfolio",
  "code",
  "message",
  "limit",
  "scope",
]);
const FLAG_OPTIONS = new Set(["json", "help", "no-username", "contact-book", "no-contact-book", "no-read", "no-wait"]);

/** Parsed command line: positionals and options (`--username` takes a value only when one follows). */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | true>;
}

/** Parses the CLI's arguments; throws a usage error for unknown options or missing values. */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h") {
      options.set("help", true);
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === "username") {
      const next = argv[i + 1];
      if (inline !== undefined) options.set(name, inline);
      else if (next !== undefined && !next.startsWith("--")) options.set(name, argv[++i]!);
      else options.set(name, true);
    } else if (VALUE_OPTIONS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else if (FLAG_OPTIONS.has(name)) {
      options.set(name, true);
    } else {
      throw new UsageError(`Unknown option --${name}`);
    }
  }
  return { positionals, options };
}

class UsageError extends Error {}

function defaultUrl(env: NodeJS.ProcessEnv): string {
  if (env.SIMULATOR_URL) return env.SIMULATOR_URL;
  return `http://127.0.0.1:${env.PORT?.trim() || "7071"}`;
}

/** Runs one CLI command; returns the exit code. `write` receives each output line. */
export async function runSimulatorCli(
  argv: readonly string[],
  write: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { positionals, options } = parsed;
  const [command, ...args] = positionals;
  if (options.has("help") || command === undefined || command === "help") {
    write(USAGE);
    return command === undefined && !options.has("help") ? 2 : 0;
  }
  const text = (name: string) => {
    const value = options.get(name);
    return typeof value === "string" ? value : undefined;
  };
  const client = createSimulatorClient(text("url") ?? defaultUrl(env));
  const json = options.has("json");
  const print = (value: unknown, human: () => void) => (json ? write(JSON.stringify(value, null, 2)) : human());
  const need = (value: string | undefined, what: string): string => {
    if (value === undefined) throw new UsageError(`${command} needs ${what}`);
    return value;
  };

  try {
    switch (command) {
      case "info": {
        const info = await client.info();
        print(info, () => {
          write(
            `Simulator at ${client.baseUrl}/simulator; clock ${info.clock.now}${describeOffset(info.clock.offsetMs)}`,
          );
          for (const channel of info.channels) {
            write(`  business number ${channel.channelId} (portfolio ${channel.portfolio})`);
          }
          write(`  ${info.users} user(s); message types: ${info.messageTypes.join(", ")}`);
        });
        return 0;
      }
      case "list": {
        const users = await client.listUsers();
        print(users, () => {
          if (users.length === 0) write("No simulated users yet: npm run simulator -- create-user --help");
          for (const user of users) writeUser(user, write);
          if (users.length > 0) writeLookupHint(client.baseUrl, write);
        });
        return 0;
      }
      case "show": {
        const user = await client.getUser(need(args[0], "a user ID"));
        print(user, () => {
          writeUser(user, write);
          writeLookupHint(client.baseUrl, write);
        });
        return 0;
      }
      case "create-user": {
        const username = options.get("username");
        if (username !== undefined && options.has("no-username")) {
          throw new UsageError("Give --username or --no-username, not both");
        }
        const user = await client.createUser({
          ...(text("country") ? { country: text("country") } : {}),
          ...(text("phone") ? { phone: text("phone") } : {}),
          ...(text("name") ? { name: text("name") } : {}),
          ...(username === undefined ? {} : { username }),
          ...(options.has("contact-book") ? { inContactBook: true } : {}),
          ...(options.has("no-contact-book") ? { inContactBook: false } : {}),
          ...(options.has("no-read") ? { readsMessages: false } : {}),
        });
        print(user, () => {
          write(`Created ${user.id}:`);
          writeUser(user, write);
        });
        return 0;
      }
      case "send": {
        const userId = need(args[0], "a user ID");
        const type = need(args[1], `a message type (${SIMULATED_MESSAGE_TYPES.join(", ")})`);
        const body = args.slice(2).join(" ");
        const message: Record<string, string> = { type };
        if (body !== "") message.text = body;
        const fields: [string, keyof SimulatedMessage | "channelId"][] = [
          ["channel", "channelId"],
          ["caption", "caption"],
          ["file-name", "fileName"],
          ["emoji", "emoji"],
          ["reply-to", "replyTo"],
          ["id", "id"],
          ["title", "title"],
          ["description", "description"],
          ["payload", "payload"],
          ["message-type", "messageType"],
        ];
        for (const [option, field] of fields) {
          const value = text(option);
          if (value !== undefined) message[field] = value;
        }
        const sent = await client.send(userId, message as unknown as SimulatedMessage, {
          wait: !options.has("no-wait"),
        });
        // The contact lives in the scope of the business number's portfolio, which the lookup has to name.
        const portfolio = json
          ? undefined
          : (await client.info()).channels.find((channel) => channel.channelId === sent.channelId)?.portfolio;
        print(sent, () => writeSend(sent, { baseUrl: client.baseUrl, portfolio }, write));
        return 0;
      }
      case "change-number": {
        const change = await client.changeNumber(need(args[0], "a user ID"), args[1]);
        print(change, () => {
          write(
            `${change.user.id} changed number: ${maskIdentifier(change.previousPhone)} → ${maskIdentifier(change.user.phone)}`,
          );
          for (const bsuid of change.bsuids) {
            write(
              `  portfolio ${bsuid.portfolio}: BSUID ${bsuid.previous} → ${bsuid.current} (the old one is invalid now)`,
            );
          }
          write("  The new number has no interaction history: a username user's phone is hidden again.");
        });
        return 0;
      }
      case "contact-book": {
        const userId = need(args[0], "a user ID");
        const state = need(args[1], "on or off");
        if (state !== "on" && state !== "off") throw new UsageError("contact-book takes on or off");
        const user = await client.setInContactBook(userId, state === "on", text("portfolio"));
        print(user, () => writeUser(user, write));
        return 0;
      }
      case "fail-next-delivery": {
        const userId = need(args[0], "a user ID");
        const user = await client.failNextDelivery(userId, {
          ...(text("code") ? { channelCode: text("code") } : {}),
          ...(text("message") ? { channelMessage: text("message") } : {}),
        });
        print(user, () =>
          write(`The next message the business sends to ${user.id} fails (${user.pendingDeliveryFailures} queued).`),
        );
        return 0;
      }
      case "clock": {
        const [action, value] = args;
        const change =
          action === undefined
            ? undefined
            : action === "advance"
              ? { advance: need(value, "a duration such as 31d") }
              : action === "set"
                ? { set: need(value, "an ISO time") }
                : action === "reset"
                  ? { reset: true }
                  : undefined;
        if (action !== undefined && change === undefined) throw new UsageError("clock takes advance, set or reset");
        const clock = await client.clock(change);
        print(clock, () => write(`Simulator clock: ${clock.now}${describeOffset(clock.offsetMs)}`));
        return 0;
      }
      case "events": {
        const limit = Number(text("limit") ?? "20");
        const events = await client.events(Number.isInteger(limit) && limit > 0 ? limit : 20);
        print(events, () => {
          for (const event of events) write(describeEvent(event));
        });
        return 0;
      }
      case "import-contacts": {
        const file = need(args[0], "a CSV file");
        const report = await client.importContacts(await readFile(file, "utf8"), {
          ...(text("country") ? { country: text("country") } : {}),
          ...(text("scope") ? { scope: text("scope") } : {}),
        });
        print(report, () => {
          write(
            `Imported ${file} into scope "${report.scope}": ${report.created} created, ${report.updated} updated, ` +
              `${report.unchanged} unchanged, ${report.problems.length} rejected.`,
          );
          for (const problem of report.problems) write(`  line ${problem.line}: ${problem.reason}`);
        });
        return report.problems.length > 0 ? 1 : 0;
      }
      case "types":
        write(SIMULATED_MESSAGE_TYPES.join("\n"));
        return 0;
      default:
        throw new UsageError(`Unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof HttpApiError) {
      write(`Error: ${error.message}`);
      return 1;
    }
    write(`Error: ${(error as Error).message}`);
    return 1;
  }
}

function describeOffset(offsetMs: number): string {
  if (offsetMs === 0) return " (real time)";
  const days = offsetMs / 86_400_000;
  return ` (${days >= 0 ? "+" : ""}${Number.isInteger(days) ? days : days.toFixed(2)} days from real time)`;
}

function writeUser(user: SimulatedUserView, write: (line: string) => void): void {
  const label = user.name ? ` (${user.name})` : "";
  write(
    `${user.id}${label}: ${user.country} ${maskIdentifier(user.phone)}, ` +
      `${user.username ? `username @${user.username}` : "no username"}` +
      `${user.inContactBook.length > 0 ? `, in the Contact Book of ${user.inContactBook.join(", ")}` : ""}`,
  );
  for (const [portfolio, bsuid] of Object.entries(user.bsuids)) {
    const previous = user.previousBsuids[portfolio]?.length ?? 0;
    write(`  BSUID in portfolio ${portfolio}: ${bsuid}${previous ? ` (${previous} earlier, invalidated)` : ""}`);
  }
  for (const [channelId, visibility] of Object.entries(user.phoneVisibility)) {
    write(`  business number ${channelId}: phone ${visibility.visible ? "shown" : "HIDDEN"} (${visibility.reason})`);
  }
}

/** The command that looks a contact up by BSUID in the app's API on the same local host. */
export function contactLookupCommand(baseUrl: string, bsuid: string, portfolio: string | undefined): string {
  const query = new URLSearchParams({ bsuid, ...(portfolio ? { scope: portfolio } : {}) });
  return `curl "${baseUrl}/api/contacts?${query.toString()}"`;
}

function writeLookupHint(baseUrl: string, write: (line: string) => void): void {
  write(`Look a user's contact up in the app: ${contactLookupCommand(baseUrl, "<BSUID>", "<portfolio>")}`);
}

function writeSend(
  sent: SimulatedSend,
  api: { baseUrl: string; portfolio: string | undefined },
  write: (line: string) => void,
): void {
  const data = sent.event.data as Record<string, unknown>;
  const bsuid = String(data.fromBSUID);
  write(
    `${sent.userId} sent ${sent.messageType} to ${sent.channelId}: from ${data.from ? maskIdentifier(String(data.from)) : '""'}, ` +
      `fromBSUID ${bsuid}`,
  );
  write(`  phone ${sent.phoneShown ? "shown" : "hidden"}: ${sent.visibility.reason}`);
  write(`  subject ${maskSubject(String(sent.event.subject))}`);
  write(`  message ID ${sent.messageId}: curl ${api.baseUrl}/api/messages/${sent.messageId}`);
  write(`  contact: ${contactLookupCommand(api.baseUrl, bsuid, api.portfolio)}`);
}

function describeEvent(event: Record<string, unknown>): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const type = String(event.eventType ?? "").replace("Microsoft.Communication.AdvancedMessage", "");
  if (type === "Received") {
    return `${String(event.eventTime)} Received ${String(data.messageType)} ${maskSubject(String(event.subject))}`;
  }
  return (
    `${String(event.eventTime)} ${type} ${String(data.status)} to ${data.to ? maskIdentifier(String(data.to)) : '""'}` +
    ` toBSUID ${typeof data.toBSUID === "string" && data.toBSUID ? data.toBSUID : "(none)"} message ${String(data.messageId)}`
  );
}

/** The subject with its sender segment masked when it is a phone number (a BSUID is the simulator's own, shown). */
export function maskSubject(subject: string): string {
  return subject.replace(/^(advancedMessage\/sender\/)(\d+)(?=\/|$)/, (_, head: string, phone: string) => {
    return `${head}${maskIdentifier(phone)}`;
  });
}

if (require.main === module) {
  void runSimulatorCli(process.argv.slice(2), (line) => void process.stdout.write(`${line}\n`)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
