// Over 400 lines on purpose: the demo is one story told in order, each step with its check;
// split, the narrative would be scattered over files.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { maskIdentifier } from "../../lib/core/logging/mask";
import type { EventGridFilter } from "../../lib/eventGridFilter/evaluateEventGridFilter";
import { expandCountrySenderPrefixes } from "../../lib/domain/routing/expandCountry";
import { createLocalEventGridTopic } from "../eventGrid/createLocalEventGridTopic";
import { parseSubscriptions } from "../eventGrid/loadSubscriptions";
import { createJsonLineLogger, createMemoryLogger, type LocalLogger } from "../host/localLogger";
import type { LocalStackOptions } from "../stack/startLocalStack";
import { startLocalStackWithSimulator, type SimulatorStack } from "../simulator/attachWhatsAppSimulator";
import type { SimulatedSend, SimulatedUserView } from "../simulator/createWhatsAppSimulator";
import { createSimulatorClient, requestJson, requestRaw } from "../simulator/simulatorClient";

/** The authentication template the demo sends (the local emulator lists it with an OTP button). */
export const DEMO_AUTH_TEMPLATE = "verification_code";

/** Settings of {@link runDemo}. */
export interface DemoOptions {
  /** A running stack (`npm start`) to use, e.g. `http://127.0.0.1:7071`; the demo starts its own when omitted. */
  url?: string;
  /** Receives every line of the story. */
  write?: (line: string) => void;
  /** Stack logs as JSON lines to stderr (own stack only). */
  verbose?: boolean;
  /** Changes to the demo's own stack (tests use it to break a rule on purpose). */
  stackOptions?: Partial<Omit<LocalStackOptions, "deliveryStatuses">>;
}

/** One expectation of the story. */
export interface DemoCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

/** How the story went. */
export interface DemoResult {
  ok: boolean;
  lines: string[];
  checks: DemoCheck[];
  /** The first check that failed, or the error that stopped the story. */
  failure?: string;
}

/** A contact as `GET /api/contacts…` returns it (the fields the demo reads). */
interface ContactJson {
  contactId: string;
  bsuid: string | null;
  phone: string | null;
  externalId: string | null;
  name: string | null;
  mergedContactIds: string[];
  previousBsuids: string[];
}

interface SendAnswer {
  messageId: string;
  to: string;
  addressedBy: "bsuid" | "phone";
  reason: string;
  contactId: string;
}

interface MessageJson {
  status: string;
  error: { code: string | null; message: string | null } | null;
}

class DemoFailure extends Error {}

/**
 * `npm run demo`: a scripted story against the local stack, printed as it happens, that is also an end-to-end check:
 * a phone user, a username-only user and a CRM contact write in; the business answers each; an authentication
 * template is refused for the username-only user; a user changes number and is relinked; a legacy phone-prefix
 * Event Grid subscription misses a BSUID sender that a BSUID-aware one catches; the identity map closes the story.
 * Every step checks what the app did; the first surprise ends the run with `ok: false`.
 *
 * Identifiers are printed masked (`maskIdentifier`), as the project logs them, although the users are fictitious.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const lines: string[] = [];
  const checks: DemoCheck[] = [];
  const write = (line = "") => {
    lines.push(line);
    options.write?.(line);
  };
  const check = (name: string, ok: boolean, detail?: string) => {
    checks.push({ name, ok, ...(detail ? { detail } : {}) });
    write(`   ${ok ? "✔" : "✘"} ${name}${ok || !detail ? "" : `: ${detail}`}`);
    if (!ok) throw new DemoFailure(`${name}${detail ? `: ${detail}` : ""}`);
  };

  let own: SimulatorStack | undefined;
  let deadLetterDir: string | undefined;
  let restoreConsole: (() => void) | undefined;
  const memory = createMemoryLogger();
  try {
    let baseUrl: string;
    if (options.url) {
      baseUrl = options.url.replace(/\/+$/, "");
    } else {
      deadLetterDir = mkdtempSync(join(tmpdir(), "acs-demo-deadletter-"));
      const logger: LocalLogger = options.verbose
        ? createJsonLineLogger({ write: (line) => void process.stderr.write(`${line}\n`), minLevel: "info" })
        : memory;
      const overrides = options.stackOptions ?? {};
      // The functions run in this process and some app components log straight to the console: keep the story clean.
      restoreConsole = captureConsole(logger);
      own = await startLocalStackWithSimulator({
        port: 0,
        inMemory: true,
        azurite: { ports: { blob: 0, queue: 0, table: 0 }, reuseRunning: false },
        env: {},
        sampleSettingsOnly: true,
        deadLetterDir,
        logger,
        ...overrides,
        // The refusal must not depend on the template listing: name the template as the setting allows.
        settings: { AUTHENTICATION_TEMPLATES: DEMO_AUTH_TEMPLATE, ...overrides.settings },
        simulator: {
          seed: 2026,
          deliveryStatuses: [
            { status: "Sent", afterMs: 5 },
            { status: "Delivered", afterMs: 10 },
            { status: "Read", afterMs: 15 },
          ],
        },
      });
      baseUrl = own.stack.urls.host;
    }
    await tellStory(baseUrl, options.url === undefined, write, check);
    write("");
    write(`All ${checks.length} checks passed.`);
    return { ok: true, lines, checks };
  } catch (error) {
    const failure = error instanceof DemoFailure ? error.message : `the story stopped: ${(error as Error).message}`;
    write("");
    write(`DEMO FAILED: ${failure}`);
    if (own && !options.verbose) {
      const problems = memory.records.filter((record) => record.level === "warn" || record.level === "error");
      for (const record of problems.slice(-10)) write(`  log: ${record.level} ${record.message}`);
      write("  (run with --verbose for the stack's logs)");
    }
    return { ok: false, lines, checks, failure };
  } finally {
    await own?.close();
    restoreConsole?.();
    if (deadLetterDir) rmSync(deadLetterDir, { recursive: true, force: true });
  }
}

async function tellStory(
  baseUrl: string,
  ownStack: boolean,
  write: (line?: string) => void,
  check: (name: string, ok: boolean, detail?: string) => void,
): Promise<void> {
  const sim = createSimulatorClient(baseUrl);
  const api = `${baseUrl}/api`;
  const writeAll = (lines: string[]) => lines.forEach((line) => write(line));
  const run = randomUUID().slice(0, 8);
  const info = await sim.info();
  const channel = info.channels[0];
  if (!channel) throw new DemoFailure("the simulator has no business number");
  const mask = (value: string | null | undefined) => (value === "" ? '""' : maskIdentifier(value));
  const getContact = (query: string) => requestJson<ContactJson>("GET", `${api}/contacts${query}`);
  const byBsuid = (bsuid: string) => getContact(`?bsuid=${encodeURIComponent(bsuid)}`);
  const bsuidOf = (user: SimulatedUserView) => user.bsuids[channel.portfolio] ?? "";
  const sent: { label: string; send: SimulatedSend }[] = [];
  const say = async (user: SimulatedUserView, label: string, text: string) => {
    const send = await sim.send(user.id, { type: "text", text }, { wait: true });
    sent.push({ label, send });
    const data = send.event.data as { from: string; fromBSUID: string };
    const subjectSender = String(send.event.subject).split("/")[2] ?? "";
    write(
      `   ACS event: from ${mask(data.from)}, fromBSUID ${mask(data.fromBSUID)}; the subject names ` +
        `${subjectSender === data.fromBSUID ? `the BSUID (${mask(subjectSender)})` : `the phone (${mask(subjectSender)})`}`,
    );
    return send;
  };

  write("WhatsApp usernames and BSUIDs: a local demo (fictitious users; phone numbers and BSUIDs are shown masked)");
  write(
    `Stack: ${ownStack ? "started for this demo (in-memory Azurite)" : baseUrl}; business number ${channel.channelId}, ` +
      `portfolio "${channel.portfolio}"`,
  );

  // The cast. Fixed numbers on the demo's own stack (the same story every run); made-up ones on a shared stack.
  const phone = (fixed: string) => (ownStack ? { phone: fixed } : { country: "GB" });
  const alice = await sim.createUser({ name: "Alice", ...phone("+447700900101") });
  const bob = await sim.createUser({
    name: "Bob",
    username: "bob.builds",
    inContactBook: false,
    ...phone("+447700900202"),
  });
  const carol = await sim.createUser({
    name: "Carol",
    username: "carol_k",
    inContactBook: true,
    ...phone("+447700900303"),
  });

  // 1. A user without a username.
  write("");
  write("1. Alice writes. She has no WhatsApp username, so every business sees her number.");
  const aliceHello = await say(alice, "Alice", "Hi, is my order shipped?");
  check(
    "the event carries her phone and her BSUID",
    aliceHello.phoneShown && aliceHello.visibility.rule === "no-username",
  );
  const aliceContact = await byBsuid(bsuidOf(alice));
  write(
    `   App: contact ${aliceContact.contactId} with phone ${mask(aliceContact.phone)} and BSUID ${mask(aliceContact.bsuid)}`,
  );
  check("the app keys her on the BSUID and keeps the phone as an alias", aliceContact.phone === alice.phone);

  // 2. A username user writing to this number for the first time.
  write("");
  write("2. Bob writes for the first time. He has a username and is not in the business's Contact Book.");
  const bobHello = await say(bob, "Bob", "Hello! I saw your ad, do you deliver to Leeds?");
  write(`   Why: ${bobHello.visibility.reason}`);
  check("the event has an empty from and the BSUID in the subject", !bobHello.phoneShown);
  const bobContact = await byBsuid(bsuidOf(bob));
  write(`   App: contact ${bobContact.contactId}, BSUID ${mask(bobContact.bsuid)}, phone ${mask(bobContact.phone)}`);
  check("the first contact is not lost: a contact known by BSUID only", bobContact.phone === null);

  // 3. A CRM contact who later writes.
  write("");
  write("3. Carol is in the CRM export. The business imports it (the contacts:import code path).");
  const externalId = ownStack ? "CRM-1001" : `CRM-${run}`;
  const csv = `phone,externalId,name\n${carol.phone},${externalId},Carol K.\n`;
  const report = await sim.importContacts(csv);
  write(`   Import: ${report.created} created, ${report.updated} updated, ${report.problems.length} rejected`);
  const imported = await getContact(`?phone=${encodeURIComponent(carol.phone)}`);
  write(
    `   App: contact ${imported.contactId}, phone ${mask(imported.phone)}, no BSUID yet, external ID ${imported.externalId}`,
  );
  check("the import created a phone-only contact", imported.bsuid === null && imported.externalId === externalId);
  write("   Carol writes. She has a username, but the Contact Book holds her, so her number is shown.");
  const carolHello = await say(carol, "Carol", "Can I move my delivery to Friday?");
  check(
    "the event carries her phone and her BSUID",
    carolHello.phoneShown && carolHello.visibility.rule === "contact-book",
  );
  const carolContact = await byBsuid(bsuidOf(carol));
  write(`   App: BSUID ${mask(carolContact.bsuid)} attached to contact ${carolContact.contactId}`);
  check(
    "the BSUID joined the imported contact: same contactId, no duplicate",
    carolContact.contactId === imported.contactId && carolContact.externalId === externalId,
  );

  // 4. Replies.
  write("");
  write("4. The business replies to each (POST /api/messages; the app picks the address).");
  await sim.failNextDelivery(bob.id);
  const replies: { who: string; answer: SendAnswer; expected: string }[] = [];
  for (const [who, contact, text, expected] of [
    ["Alice", aliceContact, "Yes, it ships today.", "read"],
    ["Bob", bobContact, "We do! Want a quote?", "failed"],
    ["Carol", carolContact, "Friday it is.", "read"],
  ] as const) {
    const answer = await sendMessage(api, contact.contactId, { kind: "text", text }, `demo-${run}-${who}-reply`);
    replies.push({ who, answer, expected });
  }
  await sim.waitForIdle();
  const events = await sim.events(500);
  for (const { who, answer, expected } of replies) {
    const message = await requestJson<MessageJson>("GET", `${api}/messages/${encodeURIComponent(answer.messageId)}`);
    const statusEvent = lastStatusEvent(events, answer.messageId);
    const failure = message.error ? ` (${message.error.code} ${message.error.message})` : "";
    write(
      `   ${who.padEnd(5)} → ${answer.addressedBy} ${mask(answer.to)} — "${answer.reason}" → ${message.status}${failure}` +
        (statusEvent ? `; status event to ${mask(statusEvent.to)}, toBSUID ${mask(statusEvent.toBSUID)}` : ""),
    );
    check(
      `the reply to ${who} went to the BSUID and ended ${expected}`,
      answer.addressedBy === "bsuid" && message.status === expected,
      `addressed by ${answer.addressedBy}, status ${message.status}`,
    );
  }
  write("   (Bob's delivery failure was asked of the simulator: failNextDeliveryTo(Bob).)");

  // 5. An authentication template.
  write("");
  write(`5. A one-time code: the authentication template ${DEMO_AUTH_TEMPLATE} (WhatsApp refuses those for BSUIDs).`);
  const otp = {
    kind: "template",
    name: DEMO_AUTH_TEMPLATE,
    language: "en_US",
    values: [{ kind: "text", name: "code", text: "482913" }],
    bindings: { kind: "whatsApp", body: [{ refValue: "code" }] },
  };
  const carolOtp = await sendMessage(api, carolContact.contactId, otp, `demo-${run}-carol-otp`);
  await sim.waitForIdle();
  const carolOtpMessage = await requestJson<MessageJson>(
    "GET",
    `${api}/messages/${encodeURIComponent(carolOtp.messageId)}`,
  );
  const carolOtpStatus = lastStatusEvent(await sim.events(500), carolOtp.messageId);
  write(
    `   Carol → ${carolOtp.addressedBy} ${mask(carolOtp.to)} — "${carolOtp.reason}" → ${carolOtpMessage.status}` +
      (carolOtpStatus ? `; status event to ${mask(carolOtpStatus.to)}, toBSUID ${mask(carolOtpStatus.toBSUID)}` : ""),
  );
  check(
    "Carol's code went to her phone",
    carolOtp.addressedBy === "phone" && carolOtpMessage.status === "read",
    `addressed by ${carolOtp.addressedBy}, status ${carolOtpMessage.status}`,
  );
  const bobOtp = await requestRaw(
    "POST",
    `${api}/messages`,
    { recipient: { contactId: bobContact.contactId }, message: otp },
    "application/json",
    { "Idempotency-Key": `demo-${run}-bob-otp` },
  );
  const bobError = (bobOtp.json as { error?: { code?: string; message?: string } } | undefined)?.error;
  write(`   Bob   → ${bobOtp.status} ${bobError?.code ?? ""}: ${bobError?.message ?? JSON.stringify(bobOtp.json)}`);
  check(
    "Bob's code is refused before anything is sent (422 authentication_template_needs_phone)",
    bobOtp.status === 422 && bobError?.code === "authentication_template_needs_phone",
    `got ${bobOtp.status} ${bobError?.code ?? ""}`,
  );

  // 6. A phone-number change.
  write("");
  const change = await sim.changeNumber(alice.id, ownStack ? "+447700900199" : undefined);
  const newBsuid = change.bsuids.find((b) => b.portfolio === channel.portfolio);
  if (!newBsuid) throw new DemoFailure("the number change issued no BSUID for the business's portfolio");
  write(
    `6. Alice changes her number (${mask(change.previousPhone)} → ${mask(change.user.phone)}). WhatsApp issues a new ` +
      `BSUID (${mask(newBsuid.previous)} → ${mask(newBsuid.current)}); ACS publishes no event saying so.`,
  );
  await say(change.user, "Alice (new number)", "New number, same Alice. Any news on my order?");
  const stranger = await byBsuid(newBsuid.current);
  write(`   App: contact ${stranger.contactId}: nothing links the new number and BSUID to her yet`);
  check("the new identifiers first land on a separate contact", stranger.contactId !== aliceContact.contactId);
  const relink = await requestJson<{
    contact: ContactJson;
    previousBsuid: string | null;
    mergedContactId: string | null;
  }>("POST", `${api}/contacts/${aliceContact.contactId}/relink`, { bsuid: newBsuid.current });
  write(
    `   Relink (POST /api/contacts/${aliceContact.contactId}/relink): contactId ${relink.contact.contactId} kept, ` +
      `previous BSUID ${mask(relink.previousBsuid)}, folded in ${relink.mergedContactId ?? "nothing"}`,
  );
  check(
    "the relink kept Alice's contactId and folded the new contact in",
    relink.contact.contactId === aliceContact.contactId && relink.mergedContactId === stranger.contactId,
  );
  check(
    "her old BSUID is kept as a previous one, the new one is current",
    relink.contact.bsuid === newBsuid.current &&
      relink.contact.previousBsuids.includes(newBsuid.previous) &&
      !relink.contact.previousBsuids.includes(newBsuid.current),
  );
  const afterRelink = await byBsuid(newBsuid.current);
  const folded = await getContact(`/${stranger.contactId}`);
  write(
    `   Lookup by the new BSUID → ${afterRelink.contactId}; the folded ID ${stranger.contactId} → ${folded.contactId}`,
  );
  check(
    "her new BSUID, her new phone and the folded ID all resolve to her",
    afterRelink.contactId === aliceContact.contactId &&
      folded.contactId === aliceContact.contactId &&
      afterRelink.phone === change.user.phone,
  );

  // 7. Event Grid subscriptions.
  write("");
  write("7. Two Event Grid subscriptions meant to catch every UK sender, over the messages above");
  write("   (a local topic routing them with the project's filter engine):");
  const gb = expandCountrySenderPrefixes("GB");
  const legacy: EventGridFilter = {
    includedEventTypes: ["Microsoft.Communication.AdvancedMessageReceived"],
    subjectBeginsWith: `advancedMessage/sender/${gb.phonePrefix}`,
  };
  const aware: EventGridFilter = {
    includedEventTypes: ["Microsoft.Communication.AdvancedMessageReceived"],
    advancedFilters: [{ operatorType: "StringBeginsWith", key: "subject", values: gb.subjectPrefixes }],
  };
  const delivered = await routeThroughTopic(
    sent.map((entry) => entry.send.event),
    { "uk-senders-legacy": legacy, "uk-senders-bsuid-aware": aware },
  );
  const legacyIds = delivered.get("uk-senders-legacy") ?? new Set<string>();
  const awareIds = delivered.get("uk-senders-bsuid-aware") ?? new Set<string>();
  write(`   legacy:      subjectBeginsWith "${legacy.subjectBeginsWith}" → ${legacyIds.size} of ${sent.length}`);
  write(
    `   BSUID-aware: subject StringBeginsWith ${gb.subjectPrefixes.map((p) => `"${p}"`).join(", ")} → ${awareIds.size} of ${sent.length}`,
  );
  writeAll(
    table(
      ["message from", "subject sender", "legacy", "BSUID-aware"],
      sent.map(({ label, send }) => [
        label,
        mask(String(send.event.subject).split("/")[2]),
        legacyIds.has(String(send.event.id)) ? "delivered" : "MISSED",
        awareIds.has(String(send.event.id)) ? "delivered" : "MISSED",
      ]),
    ),
  );
  const bobEventId = String(bobHello.event.id);
  check(
    "the legacy phone-prefix subscription misses Bob; the BSUID-aware one delivers every message",
    !legacyIds.has(bobEventId) && legacyIds.size === sent.length - 1 && awareIds.size === sent.length,
    `legacy ${legacyIds.size}, BSUID-aware ${awareIds.size} of ${sent.length}`,
  );

  // 8. The identity map.
  write("");
  write("8. The identity map (GET /api/contacts/{contactId}):");
  const rows: string[][] = [];
  for (const [who, contactId] of [
    ["Alice", aliceContact.contactId],
    ["Bob", bobContact.contactId],
    ["Carol", carolContact.contactId],
  ] as const) {
    const contact = await getContact(`/${contactId}`);
    rows.push([
      contact.contactId,
      who,
      mask(contact.bsuid),
      mask(contact.phone),
      contact.externalId ?? "—",
      `previous BSUIDs: ${contact.previousBsuids.map(mask).join(", ") || "none"}; merged: ${contact.mergedContactIds.length}`,
    ]);
  }
  writeAll(table(["contactId", "user", "BSUID", "phone", "external ID", "history"], rows));
  check("three people, three contacts", new Set(rows.map((row) => row[0])).size === 3);
}

/**
 * Sends what the console receives to `logger` until the returned function is called (the app's process-level logger
 * writes JSON lines with `console.info`).
 */
/* eslint-disable no-console -- replaces the console methods for a while; logs nothing itself */
function captureConsole(logger: LocalLogger): () => void {
  const methods = ["log", "info", "debug", "warn", "error"] as const;
  const saved = methods.map((name) => [name, console[name]] as const);
  for (const name of methods) {
    const level = name === "log" ? "info" : name;
    console[name] = (...args: unknown[]) =>
      logger.log(level, args.map((arg) => (typeof arg === "string" ? arg : inspect(arg))).join(" "));
  }
  return () => {
    for (const [name, original] of saved) console[name] = original;
  };
}
/* eslint-enable no-console */

/** `POST /api/messages`; a refusal ends the story with the API's error. */
async function sendMessage(api: string, contactId: string, message: unknown, key: string): Promise<SendAnswer> {
  return requestJson<SendAnswer>("POST", `${api}/messages`, { recipient: { contactId }, message }, "application/json", {
    "Idempotency-Key": key,
  });
}

/** `data.to` and `data.toBSUID` of the latest status event the simulator published for a message. */
function lastStatusEvent(
  events: Record<string, unknown>[],
  messageId: string,
): { to: string; toBSUID: string | undefined } | undefined {
  const matching = events.filter(
    (event) =>
      event.eventType === "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated" &&
      (event.data as { messageId?: unknown } | undefined)?.messageId === messageId,
  );
  const data = matching.at(-1)?.data as { to?: string; toBSUID?: string } | undefined;
  return data ? { to: data.to ?? "", toBSUID: data.toBSUID } : undefined;
}

/** Publishes events to a local topic with one subscription per filter; returns the event IDs each delivered. */
async function routeThroughTopic(
  events: Record<string, unknown>[],
  filters: Record<string, EventGridFilter>,
): Promise<Map<string, Set<string>>> {
  const delivered = new Map<string, Set<string>>();
  const topic = createLocalEventGridTopic({
    subscriptions: parseSubscriptions(
      {
        subscriptions: Object.entries(filters).map(([name, filter]) => ({ name, function: name, filter })),
      },
      "demo subscriptions",
    ),
    accessKey: "demo",
    deliver: async (request) => {
      const ids = delivered.get(request.subscription.name) ?? new Set<string>();
      for (const event of request.events) ids.add(String(event.id));
      delivered.set(request.subscription.name, ids);
      return { status: 200 };
    },
  });
  try {
    topic.publish(events);
    await topic.waitForIdle();
  } finally {
    await topic.close();
  }
  return delivered;
}

/** Rows as aligned text columns, indented for the story. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? "").length)));
  const line = (cells: string[]) =>
    `   ${cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join("  ")
      .trimEnd()}`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
}
