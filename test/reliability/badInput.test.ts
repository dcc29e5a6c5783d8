import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServices } from "../../lib/app/createAppServices";
import { handleAdvancedMessageReceived } from "../../lib/useCases/events/handleAdvancedMessageReceived";
import { handleDeliveryStatusUpdated } from "../../lib/useCases/events/handleDeliveryStatusUpdated";
import { startLocalStack, type LocalStack } from "../../local/stack/startLocalStack";
import { receivedEvent, shuffled, statusEvent, syntheticPerson, syntheticUuid } from "../../bench/syntheticEvents";
import { uniqueTablePrefix } from "../support/createTestTables";
import { generateCorpus } from "./support/corpus";
import { capturedLogger, createInstances, deliver, handleEvent } from "./support/harness";
import { generateMalformedEvents, type MalformedCase } from "./support/malformed";
import { captureLocalLogger, capturedLines, registerIdentifiers } from "./support/privacy";
import { canonicalSnapshot, type CanonicalSnapshot } from "./support/snapshot";

const MALFORMED = 1200;
const MIB = 1024 * 1024;

type Outcome = { result: string; code?: string; reason?: string };

interface Delivered {
  item: { malformed: MalformedCase } | { valid: Record<string, unknown> };
  outcome?: Outcome;
  error?: unknown;
}

async function rows(services: AppServices, table: "rejectedEvents" | "messages") {
  const list: Record<string, unknown>[] = [];
  for await (const entity of services.tables[table].listEntities()) list.push(entity as Record<string, unknown>);
  return list;
}

describe(`${MALFORMED} generated malformed events mixed with valid ones, straight into the handlers`, () => {
  let services: AppServices;
  let malformed: MalformedCase[];
  let delivered: Delivered[];
  let withBadInput: CanonicalSnapshot;
  let validOnly: CanonicalSnapshot;
  const bigMessages: Record<string, unknown>[] = [];

  beforeAll(async () => {
    malformed = generateMalformedEvents(MALFORMED, 4242);
    const valid = generateCorpus(400, 77, 7).events.map((e) => e.event);
    // Three valid messages with 1 MB of text (Event Grid's largest event): stored, with a bounded summary.
    for (let i = 0; i < 3; i++) {
      const person = syntheticPerson(9_000 + i, 7);
      registerIdentifiers(person.bsuid, person.phoneDigits);
      bigMessages.push(
        receivedEvent({
          eventId: syntheticUuid(0xf7, i),
          messageId: syntheticUuid(0xf8, i),
          at: new Date(Date.now() - 30 * 60_000).toISOString(),
          ...person,
          content: `${i} ${"y".repeat(1_000_000)}`,
        }),
      );
    }
    const items: Delivered["item"][] = shuffled(
      [...malformed.map((m) => ({ malformed: m })), ...[...valid, ...bigMessages].map((v) => ({ valid: v }))],
      5,
    );
    const deployment = await createInstances();
    services = deployment.all[0]!;
    delivered = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < items.length) {
          const item = items[next++]!;
          const entry: Delivered = { item };
          try {
            if ("valid" in item) entry.outcome = (await handleEvent(services, item.valid)) as Outcome;
            else if (item.malformed.target === "deliveryStatusUpdated") {
              entry.outcome = await handleDeliveryStatusUpdated(services, item.malformed.raw, capturedLogger);
            } else {
              entry.outcome = await handleAdvancedMessageReceived(services, item.malformed.raw, capturedLogger);
            }
          } catch (error) {
            entry.error = error;
          }
          delivered.push(entry);
        }
      }),
    );
    withBadInput = (await canonicalSnapshot(services)).canonical;
    const clean = await createInstances();
    await deliver(clean.all, valid, { concurrency: 1 });
    validOnly = (await canonicalSnapshot(clean.all[0]!)).canonical;
  }, 600_000);

  it("generates at least 1,000 malformed events across every category", () => {
    expect(malformed.length).toBeGreaterThanOrEqual(1000);
    const categories = new Set(malformed.map((m) => m.category));
    expect(categories.size).toBeGreaterThanOrEqual(40);
  });

  it("never throws: every event is acknowledged (no crash, nothing for Event Grid to retry forever)", () => {
    const thrown = delivered.filter((d) => d.error !== undefined);
    expect(thrown.map((d) => String((d.error as Error)?.message ?? d.error))).toEqual([]);
    expect(delivered).toHaveLength(malformed.length + 400 + bigMessages.length);
  });

  it("rejects what cannot be processed, keeps (flagged) what can, and ignores (and logs) event types not its own", () => {
    const wrong: string[] = [];
    const resultOf = { rejected: "rejected", accepted: "processed", ignored: "ignored" } as const;
    for (const d of delivered) {
      if (!("malformed" in d.item) || !d.outcome) continue;
      const { category, expect: expected } = d.item.malformed;
      if (d.outcome.result !== resultOf[expected]) wrong.push(`${category}: ${d.outcome.result}`);
      if (d.outcome.result === "processed") {
        const warnings = d.outcome as { message?: { warnings: unknown[] }; update?: { warnings: unknown[] } };
        const flagged = warnings.message?.warnings ?? warnings.update?.warnings ?? [];
        if (flagged.length === 0) wrong.push(`${category}: processed without a warning`);
      }
      if (d.outcome.result === "rejected") {
        expect(d.outcome.code).toMatch(/^[a-z_]+$/);
        expect(d.outcome.reason?.length).toBeGreaterThan(10);
      }
    }
    expect(wrong).toEqual([]);
    const ignored = delivered.filter((d) => d.outcome?.result === "ignored").length;
    const logged = capturedLines.filter((line) => line.includes("event type not handled by this function")).length;
    expect(logged).toBeGreaterThanOrEqual(ignored);
  });

  it("records every rejection in the rejected-events table with its reason and the whole raw event", async () => {
    const rejected = delivered.filter((d) => d.outcome?.result === "rejected");
    // The table keeps one row per distinct raw event and function (a redelivery is the same row).
    const distinct = new Set(
      rejected.map((d) => {
        const item = d.item as { malformed: MalformedCase };
        const raw = item.malformed.raw;
        return `${item.malformed.target}\n${typeof raw === "string" ? raw : JSON.stringify(raw)}`;
      }),
    );
    const first = (await rows(services, "rejectedEvents")).filter((row) => typeof row.reason === "string");
    expect(first).toHaveLength(distinct.size);
    for (const row of first) {
      expect(row.code).toMatch(/^[a-z_]+$/);
      expect(String(row.reason).length).toBeGreaterThan(10);
      expect(row.functionName).toMatch(/^(advancedMessageReceived|deliveryStatusUpdated)$/);
    }
    // The events over 1 MiB are kept whole, spread over several rows.
    const oversized = first.filter((row) => Number(row.rawLength) > MIB);
    expect(oversized.length).toBeGreaterThan(0);
    for (const row of oversized) {
      const stored = await services.rejections.get(String(row.partitionKey), String(row.rowKey));
      expect(stored?.rawEvent.length).toBe(Number(row.rawLength));
    }
  });

  it("processes the valid events exactly as without the bad input", () => {
    const valid = delivered.filter((d) => "valid" in d.item);
    expect(valid.every((d) => d.outcome?.result === "processed")).toBe(true);
    const bigIds = new Set(bigMessages.map((e) => String((e.data as { messageId: string }).messageId)));
    // The malformed events that were kept have people and message IDs of their own (a separate synthetic series).
    const keptIds = new Set(
      delivered.flatMap((d) => {
        const outcome = d.outcome as { message?: { messageId: string }; update?: { messageId: string } } | undefined;
        return "malformed" in d.item && d.outcome?.result === "processed"
          ? [outcome?.message?.messageId ?? outcome?.update?.messageId ?? ""]
          : [];
      }),
    );
    expect(keptIds.size).toBeGreaterThan(100);
    const ledger = Object.fromEntries(
      Object.entries(withBadInput.messages).filter(([id]) => !bigIds.has(id) && !keptIds.has(id)),
    );
    expect(ledger).toEqual(validOnly.messages);
    const history = Object.fromEntries(
      Object.entries(withBadInput.history).filter(([key]) => !keptIds.has(key.slice(0, key.indexOf("|")))),
    );
    expect(history).toEqual(validOnly.history);
    // The contacts of the valid events, as without the bad input (the 1 MB messages and kept malformed events add
    // contacts of their own).
    for (const [name, contact] of Object.entries(validOnly.contacts))
      expect(withBadInput.contacts[name]).toEqual(contact);
    expect(Object.keys(withBadInput.contacts).length).toBeGreaterThan(
      Object.keys(validOnly.contacts).length + bigMessages.length,
    );
    for (const id of bigIds) expect(String(withBadInput.messages[id]?.summary).length).toBeLessThanOrEqual(1000);
  });
});

describe("bad input over HTTP: the Event Grid webhook and the API of the local host", () => {
  let stack: LocalStack;
  let services: AppServices;
  const webhook = (functionName: string) => `${stack.urls.eventGridWebhook}?functionName=${functionName}`;
  const notify = (functionName: string, body: string, eventType = "Notification") =>
    fetch(webhook(functionName), {
      method: "POST",
      headers: { "aeg-event-type": eventType, "content-type": "application/json" },
      body,
    });

  beforeAll(async () => {
    const prefix = uniqueTablePrefix();
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      azurite: { ports: { blob: 0, queue: 0, table: 0 }, reuseRunning: false },
      env: {},
      sampleSettingsOnly: true,
      settings: { TABLE_NAME_PREFIX: prefix, FORWARD_QUEUE_CONNECTION_STRING: "" },
      deadLetterDir: mkdtempSync(join(tmpdir(), "reliability-deadletter-")),
      deliveryStatuses: false,
      logger: captureLocalLogger,
    });
    services = (await createInstances({ prefix, connectionString: stack.settings.TABLE_STORAGE_CONNECTION_STRING! }))
      .all[0]!;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  const person = syntheticPerson(9_500, 7);
  registerIdentifiers(person.bsuid, person.phoneDigits);
  const valid = (n: number, content = "hello") =>
    receivedEvent({
      eventId: syntheticUuid(0xf9, n),
      messageId: syntheticUuid(0xfa, n),
      at: new Date(Date.now() - 60_000).toISOString(),
      ...person,
      content,
    });

  it("answers broken JSON, deep nesting and wrong headers without crashing, then still processes events", async () => {
    const text = JSON.stringify([valid(1)]);
    const broken = [text.slice(0, 40), `${text}]`, "{", "", "\u0000\u0001", "[".repeat(100_000) + "]".repeat(100_000)];
    for (const body of broken) {
      const response = await notify("advancedMessageReceived", body);
      await response.arrayBuffer();
      expect(response.status, JSON.stringify(body.slice(0, 20))).toBeGreaterThanOrEqual(400);
    }
    const noType = await notify("advancedMessageReceived", text, "Nonsense");
    expect(noType.status).toBe(400);
    const accepted = await notify("advancedMessageReceived", JSON.stringify([valid(2)]));
    expect(accepted.status).toBe(202);
    const health = await fetch(`${stack.urls.api}/health`);
    expect(health.status).toBe(200);
  });

  it("acknowledges (202) a batch of malformed events and records each with its reason", async () => {
    const before = (await rows(services, "rejectedEvents")).length;
    const batch = generateMalformedEvents(120, 99)
      .filter((m) => m.expect === "rejected" && m.target === "advancedMessageReceived" && typeof m.raw === "object")
      .map((m) => m.raw);
    const response = await notify("advancedMessageReceived", JSON.stringify(batch));
    expect(response.status).toBe(202);
    const after = (await rows(services, "rejectedEvents")).filter((row) => typeof row.reason === "string");
    expect(after.length - before).toBeGreaterThanOrEqual(batch.length - 5);
  });

  it("stores a 1 MB message, keeps one over the limit cut and flagged, and ignores a status sent to the message function", async () => {
    const big = valid(3, "z".repeat(1_000_000));
    expect((await notify("advancedMessageReceived", JSON.stringify([big]))).status).toBe(202);
    const stored = await fetch(`${stack.urls.api}/messages/${(big.data as { messageId: string }).messageId}`);
    expect(stored.status).toBe(200);
    expect(((await stored.json()) as { summary: string }).summary.length).toBeLessThanOrEqual(1000);

    const tooBig = valid(4, "z".repeat(MIB + 10));
    expect((await notify("advancedMessageReceived", JSON.stringify([tooBig]))).status).toBe(202);
    const kept = await fetch(`${stack.urls.api}/messages/${(tooBig.data as { messageId: string }).messageId}`);
    expect(kept.status).toBe(200);
    const keptJson = (await kept.json()) as { warnings: { code: string; field: string }[] };
    expect(keptJson.warnings).toContainEqual(
      expect.objectContaining({ code: "field_too_long", field: "data.content" }),
    );

    const status = statusEvent({
      eventId: syntheticUuid(0xfb, 1),
      messageId: syntheticUuid(0xfc, 1),
      status: "Read",
      at: new Date().toISOString(),
      bsuid: person.bsuid,
    });
    expect((await notify("advancedMessageReceived", JSON.stringify([status]))).status).toBe(202);
  });

  const contactId = "c_0123456789abcdef0123456789abcdef";
  const badRequests: [string, string, RequestInit?][] = [
    ["no query", "contacts"],
    ["both bsuid and phone", "contacts?bsuid=US.123&phone=14255551234"],
    ["empty BSUID", "contacts?bsuid=US."],
    ["lower-case BSUID", "contacts?bsuid=us.13491208655302741918"],
    ["injected BSUID", `contacts?bsuid=${encodeURIComponent("US.1' OR '1'='1")}`],
    ["script BSUID", `contacts?bsuid=${encodeURIComponent("<script>alert(1)</script>")}`],
    ["oversized BSUID", `contacts?bsuid=US.${"7".repeat(129)}`],
    ["letters for a phone", "contacts?phone=abc"],
    ["a lone plus", `contacts?phone=${encodeURIComponent("+")}`],
    ["41 digits", `contacts?phone=${"4".repeat(41)}`],
    ["unknown country", "contacts?phone=4255551234&country=XX"],
    ["bad scope", `contacts?bsuid=US.123&scope=${encodeURIComponent("bad scope!")}`],
    ["bad contact ID", "contacts/not-a-contact"],
    ["contact ID with a wrong digit", "contacts/c_0123456789abcdef0123456789abcdeg"],
    ["injected message ID", `messages/${encodeURIComponent("a'--")}`],
    ["oversized message ID", `messages/${"m".repeat(513)}`],
    ["relink, broken JSON", `contacts/${contactId}/relink`, { method: "POST", body: "{broken" }],
    ["relink, empty body", `contacts/${contactId}/relink`, { method: "POST", body: "" }],
    ["relink, array body", `contacts/${contactId}/relink`, { method: "POST", body: "[]" }],
    ["relink, number BSUID", `contacts/${contactId}/relink`, { method: "POST", body: '{"bsuid":42}' }],
    ["relink, bad BSUID", `contacts/${contactId}/relink`, { method: "POST", body: '{"bsuid":"US."}' }],
    ["relink, bad contact ID", "contacts/nope/relink", { method: "POST", body: '{"bsuid":"US.123"}' }],
    ["send, broken JSON", "messages", { method: "POST", body: "{broken" }],
    ["send, null body", "messages", { method: "POST", body: "null" }],
    ["send, empty object", "messages", { method: "POST", body: "{}" }],
    [
      "send, bad BSUID",
      "messages",
      { method: "POST", body: JSON.stringify({ recipient: { bsuid: "bad" }, message: { kind: "text", text: "hi" } }) },
    ],
    [
      "send, two recipients",
      "messages",
      {
        method: "POST",
        body: JSON.stringify({
          recipient: { bsuid: "US.123", phone: "14255551234" },
          message: { kind: "text", text: "hi" },
        }),
      },
    ],
    [
      "send, bad phone",
      "messages",
      { method: "POST", body: JSON.stringify({ recipient: { phone: "abc" }, message: { kind: "text", text: "hi" } }) },
    ],
    [
      "send, unknown message kind",
      "messages",
      { method: "POST", body: JSON.stringify({ recipient: { bsuid: "US.123" }, message: { kind: "hologram" } }) },
    ],
    [
      "send, bad channel",
      "messages",
      {
        method: "POST",
        body: JSON.stringify({
          recipient: { bsuid: "US.123" },
          channelId: "not-a-guid",
          message: { kind: "text", text: "hi" },
        }),
      },
    ],
    [
      "send, bad idempotency key",
      "messages",
      {
        method: "POST",
        headers: { "idempotency-key": "has space" },
        body: JSON.stringify({ recipient: { bsuid: "US.123" }, message: { kind: "text", text: "hi" } }),
      },
    ],
    ["send, 60 KB of garbage", "messages", { method: "POST", body: "x".repeat(60 * 1024) }],
  ];

  it.each(badRequests)("answers 400 with an error code to a malformed API request: %s", async (_name, path, init) => {
    const response = await fetch(`${stack.urls.api}/${path}`, {
      ...init,
      headers: { "content-type": "application/json", ...(init?.headers as Record<string, string> | undefined) },
    });
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    expect(response.status).toBe(400);
    expect(body.error?.code).toMatch(/^[a-z_]+$/);
    expect(String(body.error?.message).length).toBeGreaterThan(5);
  });

  it("answers 413 to a body over MAX_REQUEST_BODY_BYTES before parsing it: 1 MB of garbage", async () => {
    const response = await fetch(`${stack.urls.api}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(MIB),
    });
    const body = (await response.json()) as { error?: { code?: unknown } };
    expect(response.status).toBe(413);
    expect(body.error?.code).toBe("payload_too_large");
  });

  it("is still healthy after all of it", async () => {
    expect((await fetch(`${stack.urls.api}/health`)).status).toBe(200);
  });
});
