import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startApp, type AppServices } from "../../../lib/app/createAppServices";
import { TransientError } from "../../../lib/core/errors";
import {
  handleAdvancedMessageReceived,
  type EventOutcome,
} from "../../../lib/useCases/events/handleAdvancedMessageReceived";
import { decodeForwardMessage, type ForwardMessage } from "../../../lib/domain/routing/ForwardQueue";
import {
  createAcsMessagesEmulator,
  type AcsMessagesEmulator,
} from "../../../local/acsEmulator/createAcsMessagesEmulator";
import { toCloudEvent } from "../../support/eventCorpus";
import {
  azuriteConnectionString,
  azuriteStorageConnectionString,
  uniqueTablePrefix,
} from "../../support/createTestTables";
import { createTestLogger } from "../../support/createTestLogger";
import { loadFixtureEvent } from "../../support/fixtures";

const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/**
 * A fixture event received `ageMs` ago. Sends carry the app's clock in Repeatability-First-Sent, which ACS (and the
 * emulator) only accept near the real time, so the tests move the message instead of the clock.
 */
function receivedAgo(fixture: string, ageMs = 60_000): Record<string, unknown> {
  const event = structuredClone(loadFixtureEvent(fixture));
  (event.data as Record<string, unknown>).receivedTimestamp = new Date(Date.now() - ageMs).toISOString();
  return event;
}
const TWO_DAYS = 2 * 24 * 60 * 60 * 1000;

let emulator: AcsMessagesEmulator;

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({
    channels: [CHANNEL],
    templates: [{ name: "opt_out_confirmation", language: "en", category: "UTILITY" }],
  });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

interface Setup {
  services: AppServices;
  queueName: string;
  queue: QueueClient;
  prefix: string;
}

async function setUp(routes: unknown[], options: { queueConnection?: string } = {}): Promise<Setup> {
  const file = join(mkdtempSync(join(tmpdir(), "routes-")), "routes.json");
  writeFileSync(file, JSON.stringify({ routes }));
  const prefix = uniqueTablePrefix();
  const queueName = `fwd-${prefix.toLowerCase()}`;
  const env = {
    TABLE_STORAGE_CONNECTION_STRING: azuriteConnectionString(),
    TABLE_NAME_PREFIX: prefix,
    ACS_CONNECTION_STRING: emulator.connectionString,
    ACS_CHANNEL_IDS: CHANNEL,
    ROUTES_FILE: file,
    FORWARD_QUEUE_CONNECTION_STRING: options.queueConnection ?? azuriteStorageConnectionString(),
    FORWARD_QUEUE_NAME: queueName,
  };
  const services = await startApp(
    { env },
    { acsOptions: { retryOptions: { maxRetries: 0 } }, forwardQueueOptions: { retryOptions: { maxTries: 1 } } },
  );
  return { services, queueName, prefix, queue: new QueueClient(azuriteStorageConnectionString(), queueName) };
}

async function forwarded(queue: QueueClient): Promise<ForwardMessage[]> {
  if (!(await queue.exists())) return [];
  const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
  return receivedMessageItems.map((item) => decodeForwardMessage(item.messageText));
}

function processed(outcome: EventOutcome): Extract<EventOutcome, { result: "processed" }> {
  if (outcome.result !== "processed") throw new Error(`expected processed, got ${outcome.result}`);
  return outcome;
}

const forwardAll = { name: "crm", actions: [{ type: "forward" }] };
const thanks = { name: "thanks", actions: [{ type: "reply", message: { kind: "text", text: "Thanks, we got it." } }] };

describe("handleAdvancedMessageReceived: subject cross-check", () => {
  const cases: { when: string; change: (event: Record<string, unknown>) => void; mismatch: RegExp | undefined }[] = [
    { when: "subject and data agree on a BSUID sender", change: () => undefined, mismatch: undefined },
    {
      when: "the subject names another BSUID",
      change: (e) => (e.subject = `advancedMessage/sender/US.99999999999/recipient/${CHANNEL}`),
      mismatch: /^subject sender BSUID US\.\*\*\*\*999 differs from data BSUID US\.\*\*\*\*918$/,
    },
    {
      when: "the subject names a phone the data does not carry",
      change: (e) => (e.subject = `advancedMessage/sender/14255550000/recipient/${CHANNEL}`),
      mismatch: /^subject sender is phone \+14\*+000 but data carries no phone number$/,
    },
    {
      when: "the subject names another channel",
      change: (e) =>
        (e.subject = "advancedMessage/sender/US.13491208655302741918/recipient/11111111-1111-1111-1111-111111111111"),
      mismatch: /^subject recipient channel 11111111-1111-1111-1111-111111111111 differs from data channel/,
    },
    {
      when: "the subject is not an ACS subject",
      change: (e) => (e.subject = "something/else"),
      mismatch: /^subject is not an ACS Advanced Messaging subject/,
    },
  ];

  it.each(cases)("uses the data and logs each masked disagreement when $when", async ({ change, mismatch }) => {
    const { services } = await setUp([]);
    const event = structuredClone(loadFixtureEvent("received-text-bsuid-only.json"));
    change(event);
    const logger = createTestLogger();
    const outcome = processed(await handleAdvancedMessageReceived(services, event, logger));
    expect(outcome.contact.bsuid).toBe("US.13491208655302741918");
    const logged = logger.lines.filter((line) => line.includes("event subject disagrees with its data"));
    if (mismatch === undefined) {
      expect(outcome.subjectMismatches).toEqual([]);
      expect(logged).toEqual([]);
    } else {
      expect(outcome.subjectMismatches).toEqual([expect.stringMatching(mismatch)]);
      expect(logged).toHaveLength(1);
    }
    const all = logger.lines.join("\n");
    expect(all).not.toContain("13491208655302741918");
    expect(all).not.toContain("99999999999");
    expect(all).not.toContain("14255550000");
  });
});

describe("handleAdvancedMessageReceived: forward routes", () => {
  const fixtures: { fixture: string; bsuid: string | null; phone: string | null }[] = [
    { fixture: "received-text-phone-and-bsuid.json", bsuid: "US.13491208655302741918", phone: "+14255551234" },
    { fixture: "received-text-bsuid-only.json", bsuid: "US.13491208655302741918", phone: null },
    { fixture: "received-text-phone-only-legacy.json", bsuid: null, phone: "+447700900123" },
    { fixture: "received-image.json", bsuid: "GB.88213456712094", phone: null },
  ];

  it.each(fixtures)("puts one message on the queue with contact, identifiers and content for $fixture", async (c) => {
    const { services, queue } = await setUp([forwardAll]);
    const event = loadFixtureEvent(c.fixture);
    const data = event.data as Record<string, unknown>;
    const outcome = processed(await handleAdvancedMessageReceived(services, event, createTestLogger()));
    expect(outcome.routes.outcomes).toEqual([{ route: "crm", action: "forward", result: "forwarded" }]);
    const [message, ...more] = await forwarded(queue);
    expect(more).toEqual([]);
    expect(message).toMatchObject({
      schemaVersion: 1,
      dedupeKey: `${String(data.messageId)}:crm`,
      route: "crm",
      messageId: data.messageId,
      contactId: outcome.contact.contactId,
      bsuid: c.bsuid,
      phone: c.phone,
      sender: { bsuid: c.bsuid, phone: c.phone },
      channelId: CHANNEL,
      messageType: data.messageType,
      content: data.content ?? null,
    });
  });

  it("does not enqueue again when Event Grid redelivers the event", async () => {
    const { services, queue } = await setUp([forwardAll]);
    const event = loadFixtureEvent("received-text-bsuid-only.json");
    await handleAdvancedMessageReceived(services, event, createTestLogger());
    const again = processed(await handleAdvancedMessageReceived(services, event, createTestLogger()));
    expect(again.duplicate).toBe(true);
    expect(again.routes.outcomes).toEqual([{ route: "crm", action: "forward", result: "skipped" }]);
    expect(await forwarded(queue)).toHaveLength(1);
  });

  it("enqueues a copy with the same dedupeKey when the record of the forward was lost (at least once)", async () => {
    const { services, queue } = await setUp([forwardAll]);
    const event = loadFixtureEvent("received-text-bsuid-only.json");
    await handleAdvancedMessageReceived(services, event, createTestLogger());
    // A crash between enqueueing and recording looks like this to the next delivery.
    await services.tables.routeActions.deleteEntity("0a1b2c3d-0000-4000-8000-000000000002", "crm|forward");
    await handleAdvancedMessageReceived(services, event, createTestLogger());
    const messages = await forwarded(queue);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual(messages[1]);
  });

  it("runs the routes on a redelivery of a message stored before routing ran", async () => {
    const withoutRoutes = await setUp([]);
    const event = loadFixtureEvent("received-text-bsuid-only.json");
    await handleAdvancedMessageReceived(withoutRoutes.services, event, createTestLogger());
    const withRoutes = { ...withoutRoutes.services, routing: (await setUp([forwardAll])).services.routing };
    const queue = new QueueClient(azuriteStorageConnectionString(), withRoutes.routing.forwardQueue!.queueName);
    const outcome = processed(await handleAdvancedMessageReceived(withRoutes, event, createTestLogger()));
    expect(outcome.duplicate).toBe(true);
    expect(await forwarded(queue)).toHaveLength(1);
  });

  it("throws so Event Grid redelivers when the queue is unreachable, after storing the message", async () => {
    const unreachable =
      "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;";
    const { services } = await setUp([forwardAll], { queueConnection: unreachable });
    const event = loadFixtureEvent("received-text-bsuid-only.json");
    await expect(handleAdvancedMessageReceived(services, event, createTestLogger())).rejects.toBeInstanceOf(
      TransientError,
    );
    const stored = await services.ledger.getMessage((event.data as { messageId: never }).messageId);
    expect(stored?.direction).toBe("inbound");
  });
});

describe("handleAdvancedMessageReceived: route semantics", () => {
  const uk = { name: "uk", senderCountries: ["GB"], actions: [{ type: "forward" }] };
  const ukStop = { ...uk, stopProcessing: true };
  const images = {
    name: "images",
    filter: { advancedFilters: [{ operatorType: "StringIn", key: "data.messageType", values: ["image"] }] },
    actions: [{ type: "forward" }],
  };
  const cases: { when: string; routes: unknown[]; fixture: string; schema?: "cloud"; matched: string[] }[] = [
    {
      when: "two routes match a GB image",
      routes: [uk, images],
      fixture: "received-image.json",
      matched: ["uk", "images"],
    },
    {
      when: "the first match stops processing",
      routes: [ukStop, images],
      fixture: "received-image.json",
      matched: ["uk"],
    },
    {
      when: "a stopping route does not match",
      routes: [{ ...images, stopProcessing: true }, uk],
      fixture: "received-text-bsuid-only.json",
      matched: [],
    },
    { when: "a GB user writes by BSUID", routes: [uk], fixture: "received-image.json", matched: ["uk"] },
    {
      when: "a GB user writes with the phone visible",
      routes: [uk],
      fixture: "received-text-phone-only-legacy.json",
      matched: ["uk"],
    },
    { when: "a US user writes", routes: [uk], fixture: "received-text-phone-and-bsuid.json", matched: [] },
    {
      when: "the event is a CloudEvent",
      routes: [uk, images],
      fixture: "received-image.json",
      schema: "cloud",
      matched: ["uk", "images"],
    },
  ];

  it.each(cases)("runs exactly the routes $matched when $when", async ({ routes, fixture, schema, matched }) => {
    const { services, queue } = await setUp(routes);
    const base = loadFixtureEvent(fixture);
    const event = schema === "cloud" ? toCloudEvent(base) : base;
    const outcome = processed(await handleAdvancedMessageReceived(services, event, createTestLogger()));
    expect(outcome.routes.matched).toEqual(matched);
    const messages = await forwarded(queue);
    expect(messages.map((message) => message.route).sort()).toEqual([...matched].sort());
    expect(new Set(messages.map((message) => message.dedupeKey)).size).toBe(matched.length);
  });
});

describe("handleAdvancedMessageReceived: reply routes", () => {
  it("replies once to the BSUID with the route name as purpose, also when the event is redelivered", async () => {
    const { services } = await setUp([thanks]);
    const event = receivedAgo("received-text-bsuid-only.json");
    const first = processed(await handleAdvancedMessageReceived(services, event, createTestLogger()));
    const second = processed(await handleAdvancedMessageReceived(services, event, createTestLogger()));
    expect(first.routes.outcomes).toEqual([{ route: "thanks", action: "reply", result: "replied" }]);
    expect(second.routes.outcomes).toEqual([{ route: "thanks", action: "reply", result: "skipped" }]);
    expect(emulator.sent.map((sent) => [sent.to, sent.kind])).toEqual([["US.13491208655302741918", "text"]]);
    expect(await services.sends.get("reply:0a1b2c3d-0000-4000-8000-000000000002:thanks")).toMatchObject({
      outcome: { to: "US.13491208655302741918", addressedBy: "bsuid" },
    });
  });

  it("records a refused reply and does not throw when the window has closed by the time the event arrives", async () => {
    const { services } = await setUp([thanks, forwardAll]);
    const event = receivedAgo("received-text-bsuid-only.json", TWO_DAYS);
    const logger = createTestLogger();
    const outcome = processed(await handleAdvancedMessageReceived(services, event, logger));
    expect(outcome.routes.outcomes).toEqual([
      { route: "thanks", action: "reply", result: "refused", code: "outside_customer_service_window" },
      { route: "crm", action: "forward", result: "forwarded" },
    ]);
    expect(emulator.sent).toEqual([]);
    expect(logger.lines.some((line) => line.includes("route action refused; recorded and not retried"))).toBe(true);
    const row = await services.tables.routeActions.getEntity<{ result: string; code: string }>(
      "0a1b2c3d-0000-4000-8000-000000000002",
      "thanks|reply",
    );
    expect(row).toMatchObject({ result: "refused", code: "outside_customer_service_window" });
    // The redelivery does not try again.
    const again = processed(await handleAdvancedMessageReceived(services, event, createTestLogger()));
    expect(again.routes.outcomes[0]).toEqual({ route: "thanks", action: "reply", result: "skipped" });
  });

  it("throws when ACS fails transiently, forwards anyway, and replies once on the redelivery", async () => {
    const { services, queue } = await setUp([{ name: "both", actions: [thanks.actions[0], { type: "forward" }] }]);
    const event = receivedAgo("received-text-bsuid-only.json");
    emulator.failNext({ status: 503 });
    const logger = createTestLogger();
    await expect(handleAdvancedMessageReceived(services, event, logger)).rejects.toBeInstanceOf(TransientError);
    expect(logger.lines.some((line) => line.includes("route action failed; the event will be redelivered"))).toBe(true);
    expect(await forwarded(queue)).toHaveLength(1);
    const again = processed(await handleAdvancedMessageReceived(services, event, createTestLogger()));
    expect(again.routes.outcomes).toEqual([
      { route: "both", action: "reply", result: "replied" },
      { route: "both", action: "forward", result: "skipped" },
    ]);
    expect(emulator.sent).toHaveLength(1);
  });

  it("replies with an approved template when the route's reply is a template", async () => {
    const { services } = await setUp([
      {
        name: "opt-out",
        actions: [{ type: "reply", message: { kind: "template", name: "opt_out_confirmation", language: "en" } }],
      },
    ]);
    await handleAdvancedMessageReceived(services, receivedAgo("received-image.json"), createTestLogger());
    expect(emulator.sent.map((sent) => [sent.to, sent.kind])).toEqual([["GB.88213456712094", "template"]]);
  });

  it("never logs a full phone number or BSUID while routing", async () => {
    const { services } = await setUp([thanks, forwardAll]);
    const logger = createTestLogger();
    await handleAdvancedMessageReceived(services, receivedAgo("received-text-phone-and-bsuid.json"), logger);
    const logged = logger.lines.join("\n");
    expect(logged).toContain("routes evaluated");
    expect(logged).not.toContain("14255551234");
    expect(logged).not.toContain("13491208655302741918");
  });
});
