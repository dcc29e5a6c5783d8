import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repeatabilityIdFor } from "../../lib/adapters/tableStorage/createSendRecordStore";
import { createAcsMessagesEmulator, type AcsMessagesEmulator } from "../../local/acsEmulator/createAcsMessagesEmulator";
import { freePort } from "../../local/stack/ports";
import { startLocalStack, type LocalStack } from "../../local/stack/startLocalStack";
import { SYNTHETIC_CHANNEL_ID } from "../../bench/syntheticEvents";
import { uniqueTablePrefix } from "../support/createTestTables";
import { generateCorpus, messageIdOf, type Corpus } from "./support/corpus";
import { HELP_ROUTE, createInstances, deliver, writeHelpRoutesFile } from "./support/harness";
import { startKillableAzurite, type KillableAzurite } from "./support/killableAzurite";
import { captureLocalLogger } from "./support/privacy";
import { canonicalSnapshot, type CanonicalSnapshot } from "./support/snapshot";

const EVENTS = 600;
/**
 * How Azurite is stopped. SIGTERM by default: Azurite's table store saves its data file every 5 s
 * (LokiTableMetadataStore, autosaveInterval 5000) and on shutdown, so after a SIGKILL it comes back without up to 5 s
 * of writes it had acknowledged — a loss durable Table Storage never has and no app can make up for, since those
 * events were answered 202 and Event Grid does not send them again. `RELIABILITY_KILL_SIGNAL=SIGKILL` shows it.
 */
const SIGNAL = (process.env.RELIABILITY_KILL_SIGNAL ?? "SIGTERM") as NodeJS.Signals;

let corpus: Corpus;
let azurite: KillableAzurite;
let stack: LocalStack;
let faulty: CanonicalSnapshot;
let reference: CanonicalSnapshot;
let referenceEmulator: AcsMessagesEmulator;
let downMs = 0;
const deadLetterDir = mkdtempSync(join(tmpdir(), "reliability-deadletter-"));

beforeAll(async () => {
  corpus = generateCorpus(EVENTS, 99, 5);
  const location = mkdtempSync(join(tmpdir(), "reliability-azurite-"));
  const ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
  azurite = await startKillableAzurite(location, ports);
  const prefix = uniqueTablePrefix();
  const routesFile = writeHelpRoutesFile();
  stack = await startLocalStack({
    port: 0,
    azurite: { ports, reuseRunning: true },
    env: {},
    sampleSettingsOnly: true,
    settings: {
      TABLE_NAME_PREFIX: prefix,
      ROUTES_FILE: routesFile,
      FORWARD_QUEUE_CONNECTION_STRING: "",
      ACS_CHANNEL_IDS: SYNTHETIC_CHANNEL_ID,
    },
    deadLetterDir,
    deliveryStatuses: false,
    logger: captureLocalLogger,
  });

  // Publish through the topic in small batches over about 6 s; stop Azurite after 1.5 s and start it again (same ports,
  // same data folder) 8 s later, while the topic keeps delivering and retrying. The outage outlasts the table client's
  // own retries (3, from 0.8 s, exponential), so deliveries fail and the topic has to redeliver them.
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < corpus.events.length; i += 20) batches.push(corpus.events.slice(i, i + 20).map((e) => e.event));
  const publishing = (async () => {
    for (const batch of batches) {
      stack.topic.publish(batch);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const stopped = Date.now();
  await azurite.kill(SIGNAL);
  await new Promise((resolve) => setTimeout(resolve, 8000));
  azurite = await startKillableAzurite(location, ports);
  downMs = Date.now() - stopped;
  await publishing;
  await stack.topic.waitForIdle();

  const faultyDeployment = await createInstances({ prefix, connectionString: azurite.connectionString });
  faulty = (await canonicalSnapshot(faultyDeployment.all[0]!)).canonical;

  referenceEmulator = await createAcsMessagesEmulator({ channels: [SYNTHETIC_CHANNEL_ID] });
  const clean = await createInstances({ acsConnectionString: referenceEmulator.connectionString, routesFile });
  await deliver(
    clean.all,
    corpus.events.map((e) => e.event),
    { concurrency: 1 },
  );
  reference = (await canonicalSnapshot(clean.all[0]!)).canonical;

  const failed = stack.topic.attempts.filter((a) => a.status !== 202).length;
  process.stderr.write(
    `reliability: Azurite stopped with ${SIGNAL} and restarted (${downMs} ms without storage) while ${EVENTS} events ` +
      `were delivered: ${stack.topic.attempts.length} delivery attempts, ${failed} failed and retried, ` +
      `${stack.topic.deadLetters.length} dead-lettered\n`,
  );
}, 600_000);

afterAll(async () => {
  await stack?.close();
  await azurite?.kill("SIGTERM");
  await referenceEmulator?.close();
});

describe("Azurite stopped and restarted in the middle of a run while the local topic keeps redelivering", () => {
  it("actually failed deliveries while storage was down, and the topic retried them", () => {
    expect(downMs).toBeGreaterThan(8000);
    expect(stack.topic.attempts.some((attempt) => attempt.status !== 202)).toBe(true);
  });

  it("processes every event exactly once, or dead-letters it with a reason", () => {
    const deadLettered = new Map(stack.topic.deadLetters.map((d) => [String(d.event.id), d.deadLetterReason]));
    for (const reason of deadLettered.values()) expect(reason).toMatch(/\w+/);
    for (const e of corpus.events) {
      const id = String(e.event.id);
      if (deadLettered.has(id)) continue;
      const messageId = String((e.event.data as { messageId: string }).messageId);
      if (e.kind === "received") expect(faulty.messages[messageId], `message of event ${id}`).toBeDefined();
      else expect(faulty.history[`${messageId}|status|${id}`], `status event ${id}`).toBeDefined();
      const delivered = stack.topic.attempts.filter((a) => a.eventIds.includes(id) && a.status === 202);
      expect(delivered, `successful deliveries of ${id}`).toHaveLength(1);
    }
    expect(stack.topic.deadLetters).toEqual([]);
  });

  it("loses and duplicates nothing: contacts, ledger and route actions equal a clean in-order run", () => {
    expect(faulty.contacts).toEqual(reference.contacts);
    expect(faulty.keys).toEqual(reference.keys);
    expect(faulty.messages).toEqual(reference.messages);
    expect(faulty.history).toEqual(reference.history);
    expect(faulty.routeActions).toEqual(reference.routeActions);
    expect(faulty.rejected).toBe(0);
  });

  it("sends each reply once, although deliveries failed half-way through", () => {
    const wanted = corpus.events
      .filter((e) => e.wantsReply)
      .map((e) => repeatabilityIdFor(`reply:${messageIdOf(e)}:${HELP_ROUTE}`));
    const sent = (stack.emulator?.sent ?? []).map((m) => m.repeatabilityRequestId);
    expect(sent).toHaveLength(wanted.length);
    expect(new Set(sent)).toEqual(new Set(wanted));
  });
});
