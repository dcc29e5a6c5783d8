import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFunctionsWebhookDelivery } from "../../../local/eventGrid/createFunctionsWebhookDelivery";
import { createLocalEventGridTopic } from "../../../local/eventGrid/createLocalEventGridTopic";
import { parseSubscriptions } from "../../../local/eventGrid/loadSubscriptions";
import { createLocalHost, type LocalHost } from "../../../local/host/createLocalHost";
import { freePort } from "../../../local/stack/ports";
import type { FunctionBinding, FunctionRegistration } from "../../../local/host/loadFunctionApp";
import { loadFixtureEvent } from "../../support/fixtures";

const trigger: FunctionBinding = { type: "eventGridTrigger", direction: "in" };
let calls = 0;
const flaky: FunctionRegistration = {
  name: "flaky",
  bindings: { eventGridTrigger: trigger },
  triggerType: "eventGridTrigger",
  trigger,
  handler: () => {
    calls += 1;
    if (calls === 1) throw new Error("storage unavailable");
  },
};

let host: LocalHost;

beforeAll(async () => {
  host = await createLocalHost({ port: 0, registrations: [flaky] });
});

afterAll(async () => {
  await host.close();
});

function subscription(fn: string, schema = "EventGridSchema") {
  const [parsed] = parseSubscriptions({
    subscriptions: [{ name: "to-function", function: fn, eventDeliverySchema: schema, filter: {} }],
  });
  if (!parsed) throw new Error("no subscription");
  return parsed;
}

describe("createFunctionsWebhookDelivery", () => {
  it("redelivers over HTTP through the host's Event Grid endpoint when the function throws once", async () => {
    const webhook = createFunctionsWebhookDelivery({ hostUrl: host.url });
    const topic = createLocalEventGridTopic({
      subscriptions: [subscription("flaky")],
      deliver: webhook.deliver,
      accessKey: "a2V5",
      timeScale: 1000,
    });
    topic.publish([loadFixtureEvent("status-read.json")]);
    await topic.waitForIdle();
    await topic.close();
    expect(calls).toBe(2);
    expect(topic.attempts.map((a) => a.status)).toEqual([500, 202]);
  });

  it("sends the headers Event Grid sends, with a zero-based delivery count", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      res.writeHead(202);
      res.end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const webhook = createFunctionsWebhookDelivery({
        hostUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      });
      const result = await webhook.deliver({
        subscription: subscription("flaky"),
        functionName: "flaky",
        events: [loadFixtureEvent("status-read.json")],
        schema: "EventGridSchema",
        deliveryCount: 0,
      });
      expect(result.status).toBe(202);
      expect(seen[0]).toMatchObject({
        "aeg-event-type": "Notification",
        "aeg-subscription-name": "TO-FUNCTION",
        "aeg-delivery-count": "0",
        "aeg-data-version": "1.0",
        "aeg-metadata-version": "1",
      });
    } finally {
      server.close();
    }
  });

  it("reports status 0 with the cause when nothing listens", async () => {
    const webhook = createFunctionsWebhookDelivery({ hostUrl: `http://127.0.0.1:${await freePort()}` });
    const result = await webhook.deliver({
      subscription: subscription("flaky"),
      functionName: "flaky",
      events: [loadFixtureEvent("status-read.json")],
      schema: "EventGridSchema",
      deliveryCount: 0,
    });
    expect(result).toMatchObject({ status: 0, detail: "ECONNREFUSED" });
  });

  it("validates a subscription with the handshake when its function is an Event Grid trigger", async () => {
    const webhook = createFunctionsWebhookDelivery({ hostUrl: host.url });
    await expect(webhook.validate(subscription("flaky"))).resolves.toBeUndefined();
    await expect(webhook.validate(subscription("flaky", "CloudEventSchemaV1_0"))).resolves.toBeUndefined();
  });

  it("refuses a subscription whose function does not exist, as Azure refuses to create it", async () => {
    const webhook = createFunctionsWebhookDelivery({ hostUrl: host.url });
    await expect(webhook.validate(subscription("missingFunction"))).rejects.toThrow(
      /"to-function" cannot deliver to function "missingFunction".*404 cannot find function/,
    );
  });
});
