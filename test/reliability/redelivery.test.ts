import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repeatabilityIdFor } from "../../lib/adapters/tableStorage/createSendRecordStore";
import { createAcsMessagesEmulator, type AcsMessagesEmulator } from "../../local/acsEmulator/createAcsMessagesEmulator";
import { SYNTHETIC_CHANNEL_ID, shuffled } from "../../bench/syntheticEvents";
import { generateCorpus, messageIdOf, type Corpus } from "./support/corpus";
import { HELP_ROUTE, createInstances, deliver, writeHelpRoutesFile, type DeliveryReport } from "./support/harness";
import { canonicalSnapshot, type CanonicalSnapshot, type SnapshotFacts } from "./support/snapshot";

/** 10,000 by default; CI may run a bounded subset (see .ci/run). */
const SIZE = Number(process.env.RELIABILITY_EVENTS ?? 10_000);
const INSTANCES = 4;
const CONCURRENCY = 32;

interface Run {
  report: DeliveryReport;
  canonical: CanonicalSnapshot;
  facts: SnapshotFacts;
  emulator: AcsMessagesEmulator;
}

let corpus: Corpus;
let reference: Run;
let redelivered: Run;
const emulators: AcsMessagesEmulator[] = [];

async function run(events: readonly Record<string, unknown>[], instances: number, concurrency: number): Promise<Run> {
  const emulator = await createAcsMessagesEmulator({ channels: [SYNTHETIC_CHANNEL_ID] });
  emulators.push(emulator);
  const deployment = await createInstances({
    instances,
    acsConnectionString: emulator.connectionString,
    routesFile: writeHelpRoutesFile(),
  });
  // Each delivery gets its own copy, as each HTTP delivery is parsed anew.
  const copies = events.map((event) => JSON.parse(JSON.stringify(event)) as unknown);
  const report = await deliver(deployment.all, copies, { concurrency });
  const { canonical, facts } = await canonicalSnapshot(deployment.all[0]!);
  return { report, canonical, facts, emulator };
}

beforeAll(async () => {
  corpus = generateCorpus(SIZE, 20_261_122);
  const inOrder = corpus.events.map((e) => e.event);
  reference = await run(inOrder, 1, 1);
  const threeTimes = shuffled([...inOrder, ...inOrder, ...inOrder], 7);
  redelivered = await run(threeTimes, INSTANCES, CONCURRENCY);
  process.stderr.write(
    `reliability: ${SIZE} events; in order ${reference.report.durationMs} ms; ` +
      `3× shuffled on ${INSTANCES} instances at concurrency ${CONCURRENCY}: ${redelivered.report.deliveries} ` +
      `deliveries in ${redelivered.report.durationMs} ms, ${redelivered.report.retried} retried; ` +
      `${redelivered.facts.liveContacts} contacts (${redelivered.facts.tombstones} merged away; in order ` +
      `${reference.facts.liveContacts}, ${reference.facts.tombstones}), ${redelivered.emulator.sent.length} replies sent\n`,
  );
}, 900_000);

afterAll(async () => {
  await Promise.all(emulators.map((emulator) => emulator.close()));
});

describe(`${SIZE} events, each delivered three times in shuffled order to ${INSTANCES} instances`, () => {
  it("processes every delivery (retrying lost races), rejecting none", () => {
    for (const { report } of [reference, redelivered]) {
      expect(report.undelivered).toEqual([]);
      expect(report.results.rejected ?? 0).toBe(0);
      expect(report.results.processed).toBe(report.deliveries);
    }
    expect(redelivered.report.deliveries).toBe(3 * SIZE);
    expect(redelivered.canonical.rejected).toBe(0);
  });

  it("ends with the same contacts and identity keys as a single in-order delivery", () => {
    expect(Object.keys(redelivered.canonical.contacts).length).toBe(Object.keys(reference.canonical.contacts).length);
    expect(redelivered.canonical.contacts).toEqual(reference.canonical.contacts);
    expect(redelivered.canonical.keys).toEqual(reference.canonical.keys);
  });

  it("ends with the same ledger: messages, current statuses and status histories", () => {
    const inbound = corpus.events.filter((e) => e.kind === "received").length;
    const statuses = corpus.events.length - inbound;
    expect(Object.keys(reference.canonical.history)).toHaveLength(statuses);
    expect(Object.values(reference.canonical.messages).filter((m) => m.direction === "inbound")).toHaveLength(inbound);
    expect(redelivered.canonical.messages).toEqual(reference.canonical.messages);
    expect(redelivered.canonical.history).toEqual(reference.canonical.history);
    expect(redelivered.canonical.routeActions).toEqual(reference.canonical.routeActions);
  });

  it("creates no duplicate contact: no BSUID or phone on two live contacts, no key without a contact", () => {
    for (const { facts } of [reference, redelivered]) {
      expect(facts.duplicates).toEqual([]);
      expect(facts.danglingKeys).toEqual([]);
    }
    // Every person whose phone and BSUID arrived together at least once is one contact holding both.
    const linked = new Set<number>();
    for (const e of corpus.events) {
      const data = e.event.data as Record<string, string>;
      const phone = e.kind === "status" ? data.to : data.from;
      const bsuid = e.kind === "status" ? data.toBSUID : data.fromBSUID;
      if (phone && bsuid) linked.add(e.person);
    }
    for (const person of linked) {
      const { bsuid, phoneDigits } = corpus.persons[person]!.person;
      expect(redelivered.canonical.contacts[`bsuid:${bsuid}`]).toMatchObject({ phone: `+${phoneDigits}` });
    }
  });

  it("sends exactly one reply per inbound message that asked for one, however often it was delivered", () => {
    const wanted = corpus.events
      .filter((e) => e.wantsReply)
      .map((e) => repeatabilityIdFor(`reply:${messageIdOf(e)}:${HELP_ROUTE}`));
    expect(wanted.length).toBeGreaterThan(0);
    for (const { emulator } of [reference, redelivered]) {
      const sent = emulator.sent.map((message) => message.repeatabilityRequestId);
      expect(sent).toHaveLength(wanted.length);
      expect(new Set(sent)).toEqual(new Set(wanted));
    }
  });
});
