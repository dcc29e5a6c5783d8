import { mkdtempSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createLocalEventGridTopic,
  type DeliveryRequest,
  type LocalEventGridTopic,
} from "../../../local/eventGrid/createLocalEventGridTopic";
import { loadSubscriptions } from "../../../local/eventGrid/loadSubscriptions";

const KEY = Buffer.from("a local test key that is 32 bytes").toString("base64");
const RECEIVED = "Microsoft.Communication.AdvancedMessageReceived";

const open: { topic: LocalEventGridTopic; server: Server }[] = [];

afterEach(async () => {
  for (const { topic, server } of open.splice(0)) {
    await topic.close();
    server.close();
    server.closeAllConnections();
  }
});

/**
 * Starts a topic whose one subscription is read from a subscriptions file holding `filterJson` as written, and serves
 * it over HTTP; returns the URL and the deliveries made.
 */
async function topicWithFilter(filterJson: string) {
  const file = join(mkdtempSync(join(tmpdir(), "topic-numbers-")), "eventSubscriptions.json");
  writeFileSync(file, `{ "subscriptions": [{ "name": "numbers", "function": "onEvent", "filter": ${filterJson} }] }`);
  const requests: DeliveryRequest[] = [];
  const topic = createLocalEventGridTopic({
    subscriptions: loadSubscriptions(file),
    accessKey: KEY,
    timeScale: 1000,
    deliver: async (request) => {
      requests.push(request);
      return { status: 200 };
    },
  });
  const server = createServer((req, res) => void topic.handleRequest(req, res));
  open.push({ topic, server });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { topic, requests, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events` };
}

const eventGridBody = (data: string) =>
  `[{"id":"e1","eventType":"${RECEIVED}","subject":"s","eventTime":"2026-06-01T10:00:00Z","data":${data}}]`;

interface TopicCase {
  when: string;
  filter: string;
  body: string;
  contentType?: string;
  delivered: boolean;
}

const cases: TopicCase[] = [
  {
    when: "the filter is NumberGreaterThan 0.1 and the raw body holds 0.10000000000000001",
    filter: '{ "advancedFilters": [{ "operatorType": "NumberGreaterThan", "key": "data.n", "value": 0.1 }] }',
    body: eventGridBody('{ "n": 0.10000000000000001 }'),
    delivered: true,
  },
  {
    when: "the subscriptions file lists 9007199254740993 under NumberIn and the body holds 9007199254740992",
    filter: '{ "advancedFilters": [{ "operatorType": "NumberIn", "key": "data.n", "values": [9007199254740993] }] }',
    body: eventGridBody('{ "n": 9007199254740992 }'),
    delivered: false,
  },
  {
    when: "a CloudEvent's top-level extension attribute holds 0.10000000000000001 under NumberGreaterThan 0.1",
    filter: '{ "advancedFilters": [{ "operatorType": "NumberGreaterThan", "key": "comexamplevalue", "value": 0.1 }] }',
    body: `{"specversion":"1.0","id":"c1","source":"/s","type":"${RECEIVED}","comexamplevalue":0.10000000000000001,"data":{}}`,
    contentType: "application/cloudevents+json; charset=utf-8",
    delivered: true,
  },
  {
    when: 'array filtering is on, the filter is StringIn ["7"] and the array holds the number 7',
    filter:
      '{ "enableAdvancedFilteringOnArrays": true, "advancedFilters": [{ "operatorType": "StringIn", "key": "data.tags", "values": ["7"] }] }',
    body: eventGridBody('{ "tags": [7, "eight"] }'),
    delivered: false,
  },
];

describe("local Event Grid topic: Number filters and array types as Event Grid evaluates them", () => {
  it.each(
    cases.map((entry) => ({
      ...entry,
      name: `${entry.delivered ? "delivers" : "does not deliver"} when ${entry.when}`,
    })),
  )("$name", async ({ filter, body, contentType, delivered }) => {
    const { topic, requests, url } = await topicWithFilter(filter);
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": contentType ?? "application/json", "aeg-sas-key": KEY },
      body,
    });
    expect(response.status).toBe(200);
    await topic.waitForIdle();
    expect(requests.length).toBe(delivered ? 1 : 0);
  });
});
