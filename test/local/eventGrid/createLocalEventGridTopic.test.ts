import { mkdtempSync, readFileSync } from "node:fs";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AzureKeyCredential, EventGridPublisherClient, generateSharedAccessSignature } from "@azure/eventgrid";
import { afterEach, describe, expect, it } from "vitest";
import {
  createLocalEventGridTopic,
  type DeliveryRequest,
  type LocalEventGridTopic,
  type LocalEventGridTopicOptions,
  type TopicClock,
} from "../../../local/eventGrid/createLocalEventGridTopic";
import type { AttemptResult } from "../../../local/eventGrid/deliveryPolicy";
import {
  loadSubscriptions,
  parseSubscriptions,
  type LocalSubscription,
} from "../../../local/eventGrid/loadSubscriptions";
import { loadFixtureEvent } from "../../support/fixtures";

const KEY = Buffer.from("a local test key that is 32 bytes").toString("base64");
const projectSubscriptions = loadSubscriptions(join(__dirname, "..", "..", "..", "infra", "eventSubscriptions.json"));

/** A subscription receiving every event, with the given retry policy and schema. */
function catchAll(overrides: Record<string, unknown> = {}): LocalSubscription[] {
  return parseSubscriptions({
    subscriptions: [{ name: "catch-all", function: "onEvent", filter: {}, ...overrides }],
  });
}

/** Records deliveries and answers them with the scripted statuses (the last one repeats). */
function scriptedDelivery(statuses: number[]) {
  const requests: DeliveryRequest[] = [];
  const deliver = async (request: DeliveryRequest): Promise<AttemptResult> => {
    requests.push(request);
    const status = statuses[Math.min(requests.length - 1, statuses.length - 1)] ?? 202;
    return { status, detail: status >= 300 ? `failed with ${status}` : "" };
  };
  return { requests, deliver };
}

/**
 * Timers that fire at once but advance a virtual clock by the requested wait, so retry schedules and time-to-live are
 * exercised without waiting; `waits` lists every requested wait.
 */
function virtualClock(): TopicClock & { waits: number[] } {
  let now = Date.parse("2026-11-20T10:00:00Z");
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    setTimeout(callback, ms) {
      waits.push(ms);
      return setTimeout(() => {
        now += ms;
        callback();
      }, 0);
    },
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

const open: { topic: LocalEventGridTopic; server?: Server }[] = [];

afterEach(async () => {
  for (const { topic, server } of open.splice(0)) {
    await topic.close();
    if (server) {
      server.close();
      server.closeAllConnections();
    }
  }
});

function startTopic(options: Partial<LocalEventGridTopicOptions> & Pick<LocalEventGridTopicOptions, "deliver">) {
  const topic = createLocalEventGridTopic({
    subscriptions: projectSubscriptions,
    accessKey: KEY,
    timeScale: 1000,
    ...options,
  });
  open.push({ topic });
  return topic;
}

/** Serves the topic over HTTP; returns its `/api/events` URL. */
async function serve(topic: LocalEventGridTopic): Promise<string> {
  let url = "";
  const server = createServer((req, res) => void topic.handleRequest(req, res));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`;
  const entry = open.find((o) => o.topic === topic);
  if (entry) entry.server = server;
  return url;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("local Event Grid topic: publishing", () => {
  it("answers 401 Unauthorized without a key and with a wrong key, as Event Grid does", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    const url = await serve(startTopic({ deliver }));
    const event = loadFixtureEvent("received-text-bsuid-only.json");
    const missing = await post(url, [event]);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: "Unauthorized" } });
    expect((await post(url, [event], { "aeg-sas-key": "not-the-key" })).status).toBe(401);
    expect(requests).toEqual([]);
  });

  it("accepts events from the real EventGridPublisherClient with an AzureKeyCredential", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    const topic = startTopic({ deliver });
    const url = await serve(topic);
    const fixture = loadFixtureEvent("received-text-bsuid-only.json");
    // The local topic speaks plain HTTP on 127.0.0.1, which the SDK only allows when told so.
    const client = new EventGridPublisherClient(url, "EventGrid", new AzureKeyCredential(KEY), {
      allowInsecureConnection: true,
    });
    await client.send([
      {
        id: fixture.id as string,
        subject: fixture.subject as string,
        eventType: fixture.eventType as string,
        dataVersion: fixture.dataVersion as string,
        eventTime: new Date(fixture.eventTime as string),
        topic: fixture.topic as string,
        data: fixture.data,
      },
    ]);
    await topic.waitForIdle();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.functionName).toBe("advancedMessageReceived");
    expect(requests[0]?.events[0]).toMatchObject({ id: fixture.id, data: fixture.data, metadataVersion: "1" });
  });

  it("accepts CloudEvents from EventGridPublisherClient when the client uses the CloudEvent schema", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    const topic = startTopic({ deliver });
    const url = await serve(topic);
    const fixture = loadFixtureEvent("cloudevents-received-text-bsuid-only.json");
    const client = new EventGridPublisherClient(url, "CloudEvent", new AzureKeyCredential(KEY), {
      allowInsecureConnection: true,
    });
    await client.send([
      {
        id: fixture.id as string,
        source: fixture.source as string,
        type: fixture.type as string,
        subject: fixture.subject as string,
        data: fixture.data,
      },
    ]);
    await topic.waitForIdle();
    expect(requests.map((r) => r.functionName)).toEqual(["advancedMessageReceived"]);
    expect(requests[0]?.events[0]).toMatchObject({ specversion: "1.0", id: fixture.id, data: fixture.data });
  });

  it("accepts a SAS token made by generateSharedAccessSignature for the topic's URL", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    let url = "";
    const topic = startTopic({ deliver, topicUrl: () => url });
    url = await serve(topic);
    const signature = await generateSharedAccessSignature(
      url,
      new AzureKeyCredential(KEY),
      new Date(Date.now() + 60_000),
    );
    const response = await post(url, [loadFixtureEvent("status-read.json")], { "aeg-sas-token": signature });
    expect(response.status).toBe(200);
    await topic.waitForIdle();
    expect(requests.map((r) => r.functionName)).toEqual(["deliveryStatusUpdated"]);
  });

  it("answers 400 naming the problems when events lack required fields", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    const url = await serve(startTopic({ deliver }));
    const response = await post(url, [{ id: "1", subject: "s", data: {} }], { "aeg-sas-key": KEY });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain("event 0 lacks eventType, eventTime");
    expect((await post(url, "not json", { "aeg-sas-key": KEY })).status).toBe(400);
    expect((await post(url, { id: "not-an-array" }, { "aeg-sas-key": KEY })).status).toBe(400);
    expect(requests).toEqual([]);
  });

  it("answers 413 when the request is larger than 1 MB", async () => {
    const { deliver } = scriptedDelivery([202]);
    const url = await serve(startTopic({ deliver }));
    const big = { ...loadFixtureEvent("received-text-bsuid-only.json"), data: { text: "x".repeat(1024 * 1024) } };
    expect((await post(url, [big], { "aeg-sas-key": KEY })).status).toBe(413);
  });
});

describe("local Event Grid topic: filtering with the project's subscriptions", () => {
  it("delivers a BSUID-sender message only to advancedMessageReceived", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    const topic = startTopic({ deliver });
    const receipt = topic.publish([loadFixtureEvent("received-text-bsuid-only.json")]);
    await topic.waitForIdle();
    expect(receipt.routes.map((r) => r.functionName)).toEqual(["advancedMessageReceived"]);
    expect(requests.map((r) => [r.subscription.name, r.functionName])).toEqual([
      ["advanced-message-received", "advancedMessageReceived"],
    ]);
  });

  it("delivers a delivery status event only to deliveryStatusUpdated", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    const topic = startTopic({ deliver });
    topic.publish([loadFixtureEvent("status-delivered-to-bsuid.json")]);
    await topic.waitForIdle();
    expect(requests.map((r) => r.functionName)).toEqual(["deliveryStatusUpdated"]);
  });

  it("delivers nothing when no subscription's filter lets the event through", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    const topic = startTopic({ deliver });
    // A received message whose subject does not begin with advancedMessage/sender/ fails subjectBeginsWith.
    const event = { ...loadFixtureEvent("received-text-bsuid-only.json"), subject: "advancedMessage/other/US.1" };
    const receipt = topic.publish([event]);
    await topic.waitForIdle();
    expect(receipt.routes).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("delivers each event of a publish separately when the subscription does not batch", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    const topic = startTopic({ deliver });
    topic.publish([loadFixtureEvent("status-read.json"), loadFixtureEvent("status-failed.json")]);
    await topic.waitForIdle();
    expect(requests.map((r) => r.events.length)).toEqual([1, 1]);
  });

  it("converts Event Grid schema events to CloudEvents when the subscription delivers CloudEventSchemaV1_0", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    const topic = startTopic({ deliver, subscriptions: catchAll({ eventDeliverySchema: "CloudEventSchemaV1_0" }) });
    const fixture = loadFixtureEvent("received-text-bsuid-only.json");
    topic.publish([fixture]);
    await topic.waitForIdle();
    expect(requests[0]?.schema).toBe("CloudEventSchemaV1_0");
    expect(requests[0]?.events[0]).toMatchObject({
      specversion: "1.0",
      id: fixture.id,
      source: fixture.topic,
      type: fixture.eventType,
      subject: fixture.subject,
      data: fixture.data,
    });
  });

  it("routes a published event only after the delay when it is published with delayMs", async () => {
    const { deliver, requests } = scriptedDelivery([202]);
    const topic = startTopic({ deliver });
    const receipt = topic.publish([loadFixtureEvent("status-read.json")], { delayMs: 20 });
    expect(receipt.routes).toEqual([]);
    expect(requests).toEqual([]);
    await topic.waitForIdle();
    expect(requests).toHaveLength(1);
  });
});

describe("local Event Grid topic: retries and dead-lettering", () => {
  it("retries on Event Grid's schedule, compressed by the time scale, until the function answers 2xx", async () => {
    const { deliver, requests } = scriptedDelivery([500, 503, 202]);
    const clock = virtualClock();
    const topic = startTopic({ deliver, clock, timeScale: 10, subscriptions: catchAll() });
    topic.publish([loadFixtureEvent("status-read.json")]);
    await topic.waitForIdle();
    expect(requests.map((r) => r.deliveryCount)).toEqual([0, 1, 2]);
    // 10 s after the first failure, then 30 s (503 asks for at least 30 s), each divided by 10.
    expect(clock.waits).toEqual([1_000, 3_000]);
    expect(topic.attempts.map((a) => a.outcome)).toEqual(["InternalServerError", "ServiceUnavailable", "Success"]);
    expect(topic.deadLetters).toEqual([]);
  });

  it("waits at least five minutes before retrying when the function answers 404", async () => {
    const { deliver } = scriptedDelivery([404, 202]);
    const clock = virtualClock();
    const topic = startTopic({ deliver, clock, timeScale: 1, subscriptions: catchAll() });
    topic.publish([loadFixtureEvent("status-read.json")]);
    await topic.waitForIdle();
    expect(clock.waits).toEqual([5 * 60_000]);
  });

  it("dead-letters to the folder with Event Grid's fields after maxDeliveryAttempts failures", async () => {
    const { deliver, requests } = scriptedDelivery([500]);
    const deadLetterDir = mkdtempSync(join(tmpdir(), "deadletter-"));
    const topic = startTopic({
      deliver,
      deadLetterDir,
      subscriptions: catchAll({ retryPolicy: { maxDeliveryAttempts: 3, eventTimeToLiveInMinutes: 1440 } }),
    });
    const fixture = loadFixtureEvent("status-read.json");
    topic.publish([fixture]);
    await topic.waitForIdle();
    expect(requests).toHaveLength(3);
    const [letter] = topic.deadLetters;
    expect(letter?.file).toMatch(
      /[/\\]LOCAL[/\\]CATCH-ALL[/\\]\d{4}[/\\]\d{2}[/\\]\d{2}[/\\]\d{2}[/\\][0-9a-f-]+\.json$/,
    );
    const written = JSON.parse(readFileSync(letter?.file ?? "", "utf8")) as Record<string, unknown>[];
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      id: fixture.id,
      data: fixture.data,
      deadLetterReason: "MaxDeliveryAttemptsExceeded",
      deliveryAttempts: 3,
      lastDeliveryOutcome: "InternalServerError",
      lastHttpStatusCode: 500,
    });
    expect(Date.parse(String(written[0]?.publishTime))).not.toBeNaN();
  });

  it("dead-letters at once, without retrying, when the function answers 400", async () => {
    const { deliver, requests } = scriptedDelivery([400]);
    const topic = startTopic({ deliver, subscriptions: catchAll() });
    topic.publish([loadFixtureEvent("status-read.json")]);
    await topic.waitForIdle();
    expect(requests).toHaveLength(1);
    expect(topic.deadLetters).toMatchObject([
      { deadLetterReason: "UndeliverableDueToHttpBadRequest", deliveryAttempts: 1, lastDeliveryOutcome: "BadRequest" },
    ]);
    expect(topic.deadLetters[0]?.file).toBeUndefined();
  });

  it("dead-letters at once when the function answers 413", async () => {
    const { deliver, requests } = scriptedDelivery([413]);
    const topic = startTopic({ deliver, subscriptions: catchAll() });
    topic.publish([loadFixtureEvent("status-read.json")]);
    await topic.waitForIdle();
    expect(requests).toHaveLength(1);
    expect(topic.deadLetters[0]?.deadLetterReason).toBe("UndeliverableDueToHttpRequestEntityTooLarge");
  });

  it("dead-letters with TimeToLiveExceeded when the next retry would come after the event's time to live", async () => {
    const { deliver, requests } = scriptedDelivery([500]);
    const clock = virtualClock();
    const topic = startTopic({
      deliver,
      clock,
      timeScale: 1,
      subscriptions: catchAll({ retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1 } }),
    });
    topic.publish([loadFixtureEvent("status-read.json")]);
    await topic.waitForIdle();
    // Attempts at 0 s, 10 s and 40 s; the next would be at 100 s, past the 60 s time to live.
    expect(requests).toHaveLength(3);
    expect(topic.deadLetters[0]).toMatchObject({ deadLetterReason: "TimeToLiveExceeded", deliveryAttempts: 3 });
  });

  it("counts an attempt without a response as failed and dead-letters it with outcome Failed", async () => {
    const topic = startTopic({
      deliver: async () => ({ status: 0, detail: "ECONNREFUSED" }),
      subscriptions: catchAll({ retryPolicy: { maxDeliveryAttempts: 2, eventTimeToLiveInMinutes: 1440 } }),
    });
    topic.publish([loadFixtureEvent("status-read.json")]);
    await topic.waitForIdle();
    expect(topic.deadLetters[0]).toMatchObject({
      deadLetterReason: "MaxDeliveryAttemptsExceeded",
      lastDeliveryOutcome: "Failed",
      deliveryAttempts: 2,
    });
  });

  it("cancels scheduled retries when closed, so waitForIdle resolves", async () => {
    const { deliver, requests } = scriptedDelivery([500]);
    const topic = startTopic({ deliver, timeScale: 1, subscriptions: catchAll() });
    topic.publish([loadFixtureEvent("status-read.json")]);
    while (requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const idle = topic.waitForIdle();
    await topic.close();
    await idle;
    expect(requests).toHaveLength(1);
    expect(() => topic.publish([loadFixtureEvent("status-read.json")])).toThrow(/closed/);
  });
});
