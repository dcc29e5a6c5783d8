import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  LOCAL_TOPIC_PATH,
  createLocalEventGridTopic,
  type DeliveryRequest,
  type LocalEventGridTopic,
} from "../../../local/eventGrid/createLocalEventGridTopic";
import { parseSubscriptions } from "../../../local/eventGrid/loadSubscriptions";
import { createLocalHost, type LocalHost } from "../../../local/host/createLocalHost";
import { loadFixtureEvent } from "../../support/fixtures";
import { FOREIGN_REQUESTS, LOOPBACK_HOSTS, sendRawRequest } from "../../support/sendRawRequest";

const KEY = Buffer.from("a local test key that is 32 bytes").toString("base64");

/** Every delivery the topic asked for: must stay empty for every refused publish. */
const delivered: DeliveryRequest[] = [];

let topic: LocalEventGridTopic;
let host: LocalHost;
let ownServer: Server;
/** The topic as the stack serves it (mounted on the host) and on a server of its own (`handleRequest`). */
const servedAt: Record<"on the local host" | "on a server of its own", string> = {
  "on the local host": "",
  "on a server of its own": "",
};

beforeAll(async () => {
  topic = createLocalEventGridTopic({
    subscriptions: parseSubscriptions({ subscriptions: [{ name: "catch-all", function: "onEvent", filter: {} }] }),
    accessKey: KEY,
    deliver: async (request) => {
      delivered.push(request);
      return { status: 202 };
    },
  });
  host = await createLocalHost({
    port: 0,
    registrations: [],
    mounts: [{ path: LOCAL_TOPIC_PATH, description: "the topic", handle: (req, res) => topic.handleRequest(req, res) }],
  });
  ownServer = createServer((req, res) => void topic.handleRequest(req, res));
  ownServer.listen(0, "127.0.0.1");
  await once(ownServer, "listening");
  servedAt["on the local host"] = `${host.url}${LOCAL_TOPIC_PATH}`;
  servedAt["on a server of its own"] =
    `http://127.0.0.1:${(ownServer.address() as AddressInfo).port}${LOCAL_TOPIC_PATH}`;
});

afterAll(async () => {
  await topic.close();
  await host.close();
  ownServer.close();
  ownServer.closeAllConnections();
});

beforeEach(() => {
  delivered.length = 0;
});

const SERVED = ["on the local host", "on a server of its own"] as const;

function publish(url: string, headers: Record<string, string>, body?: string) {
  const port = new URL(url).port;
  return sendRawRequest(url, {
    method: "POST",
    headers: { host: `127.0.0.1:${port}`, "aeg-sas-key": KEY, "content-type": "application/json", ...headers },
    body: body ?? JSON.stringify([loadFixtureEvent("received-text-bsuid-only.json")]),
  });
}

describe("local Event Grid topic: only this machine's tools publish", () => {
  it.each(SERVED.flatMap((served) => FOREIGN_REQUESTS.map((refused) => ({ served, refused }))))(
    "answers $refused.status and delivers nothing when $refused.name, $served",
    async ({ served, refused }) => {
      const url = servedAt[served];
      const response = await publish(url, refused.headers(`127.0.0.1:${new URL(url).port}`));
      await topic.waitForIdle();

      expect(response.status).toBe(refused.status);
      expect(JSON.parse(response.text)).toMatchObject({ error: { code: refused.code } });
      expect(delivered).toEqual([]);
    },
  );

  it("refuses a text/plain publish carrying the key in the query string, which needs no custom header", async () => {
    const url = `${servedAt["on the local host"]}?aeg-sas-key=${encodeURIComponent(KEY)}`;
    const response = await sendRawRequest(url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify([loadFixtureEvent("received-text-bsuid-only.json")]),
    });
    await topic.waitForIdle();

    expect(response.status).toBe(415);
    expect(delivered).toEqual([]);
  });

  it.each(
    SERVED.flatMap((served) =>
      LOOPBACK_HOSTS.map((hostOf) => ({ served, hostOf, label: `${served}, Host ${hostOf("PORT")}` })),
    ),
  )("accepts and delivers a JSON publish when $label", async ({ served, hostOf }) => {
    const url = servedAt[served];
    const response = await publish(url, { host: hostOf(new URL(url).port) });
    await topic.waitForIdle();

    expect(response.status).toBe(200);
    expect(delivered).toHaveLength(1);
  });

  it("accepts EventGridPublisherClient's publishes in both schemas", async () => {
    const grid = loadFixtureEvent("received-text-bsuid-only.json");
    const cloud = loadFixtureEvent("cloudevents-received-text-bsuid-only.json");
    const options = { allowInsecureConnection: true };
    const url = servedAt["on the local host"];

    await new EventGridPublisherClient(url, "EventGrid", new AzureKeyCredential(KEY), options).send([
      {
        id: grid.id as string,
        subject: grid.subject as string,
        eventType: grid.eventType as string,
        dataVersion: grid.dataVersion as string,
        data: grid.data,
      },
    ]);
    await new EventGridPublisherClient(url, "CloudEvent", new AzureKeyCredential(KEY), options).send([
      { id: cloud.id as string, source: cloud.source as string, type: cloud.type as string, data: cloud.data },
    ]);
    await topic.waitForIdle();

    expect(delivered.map((d) => d.events[0]?.id)).toEqual([grid.id, cloud.id]);
  });
});
