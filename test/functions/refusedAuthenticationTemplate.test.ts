import { randomUUID } from "node:crypto";
import { HttpRequest } from "@azure/functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { advancedMessageReceived } from "../../functions/advancedMessageReceived";
import { getMessageHandler } from "../../functions/messages";
import { sendMessageHandler } from "../../functions/sendMessage";
import { getAppServices, resetAppServices } from "../../lib/app/createAppServices";
import { handleDeliveryStatusUpdated } from "../../lib/useCases/events/handleDeliveryStatusUpdated";
import { createAcsMessagesEmulator, type AcsMessagesEmulator } from "../../local/acsEmulator/createAcsMessagesEmulator";
import { createTestLogger } from "../support/createTestLogger";
import { createInvocationContext, loadFixtureEvent } from "../support/fixtures";
import { useFunctionServices } from "../support/useFunctionServices";

const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const PHONE_DIGITS = "14255551234";
const BSUID = "US.13491208655302741918";
const OTHER_BSUID = "GB.88213456712094";
/**
 * Listed by ACS with only a body, so nothing tells the app it is an authentication template: ACS accepts it for a
 * BSUID, and WhatsApp's refusal (131062) only comes back later, as a `Failed` delivery status.
 */
const template = {
  kind: "template",
  name: "sign_in_code",
  language: "en_US",
  values: [{ kind: "text", name: "code", text: "482913" }],
  bindings: { kind: "whatsApp", body: [{ refValue: "code" }] },
};

let emulator: AcsMessagesEmulator;

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({
    channels: [CHANNEL],
    templates: [{ name: "sign_in_code", language: "en_US", content: [{ type: "BODY", text: "Your code is {{1}}" }] }],
  });
});
afterAll(async () => {
  await emulator.close();
  for (const name of ["ACS_CONNECTION_STRING", "ACS_CHANNEL_IDS"]) delete process.env[name];
  resetAppServices();
});

async function ingestFrom(sender: { phoneDigits?: string; bsuid: string }): Promise<void> {
  const event = loadFixtureEvent("received-text-bsuid-only.json");
  Object.assign(event.data as Record<string, unknown>, {
    from: sender.phoneDigits ?? "",
    fromBSUID: sender.bsuid,
    to: CHANNEL,
    messageId: randomUUID(),
    receivedTimestamp: new Date(Date.now() - 60_000).toISOString(),
  });
  event.id = randomUUID();
  await advancedMessageReceived(event, createInvocationContext("advancedMessageReceived"));
}

async function sendTemplateTo(bsuid: string): Promise<string> {
  const request = new HttpRequest({
    method: "POST",
    url: "http://localhost:7071/api/messages",
    headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
    body: { string: JSON.stringify({ recipient: { bsuid }, message: template }) },
  });
  const response = (await sendMessageHandler(request, createInvocationContext("sendMessage"))) as {
    status: number;
    jsonBody: { messageId: string; addressedBy: string };
  };
  expect(response.status).toBe(202);
  expect(response.jsonBody.addressedBy).toBe("bsuid");
  return response.jsonBody.messageId;
}

/** WhatsApp's refusal as ACS reports it: a `Failed` status with channel code 131062. The event is returned for reuse. */
function refusal(messageId: string, bsuid: string): Record<string, unknown> {
  const event = loadFixtureEvent("status-failed.json");
  Object.assign(event.data as Record<string, unknown>, {
    messageId,
    status: "Failed",
    from: CHANNEL,
    to: "",
    toBSUID: bsuid,
    receivedTimestamp: new Date().toISOString(),
    error: { channelCode: "131062", channelMessage: "Business account sent an authentication template to a BSUID." },
  });
  event.id = randomUUID();
  return event;
}

async function messageJson(messageId: string): Promise<Record<string, unknown>> {
  const request = new HttpRequest({
    method: "GET",
    url: `http://localhost:7071/api/messages/${messageId}`,
    params: { messageId },
  });
  const response = (await getMessageHandler(request, createInvocationContext("getMessage"))) as {
    status: number;
    jsonBody: Record<string, unknown>;
  };
  expect(response.status).toBe(200);
  return response.jsonBody;
}

describe("an authentication template WhatsApp refuses for a BSUID after ACS accepted it (Failed, 131062)", () => {
  useFunctionServices();
  beforeEach(() => {
    emulator.reset();
    process.env.ACS_CONNECTION_STRING = emulator.connectionString;
    process.env.ACS_CHANNEL_IDS = CHANNEL;
    resetAppServices();
  });

  it("sends it once to the contact's confirmed phone and records why on the failed message", async () => {
    await ingestFrom({ phoneDigits: PHONE_DIGITS, bsuid: BSUID });
    const failedId = await sendTemplateTo(BSUID);
    const app = await getAppServices();

    const outcome = await handleDeliveryStatusUpdated(app, refusal(failedId, BSUID), createTestLogger());
    expect(outcome).toMatchObject({ result: "processed", status: "failed", followUp: { action: "resent_to_phone" } });
    const resent = emulator.sent.filter((sent) => sent.to.replace(/^\+/, "") === PHONE_DIGITS);
    expect(resent).toHaveLength(1);
    expect(resent[0]?.body).toMatchObject({ kind: "template", template: { name: "sign_in_code" } });

    const failed = await messageJson(failedId);
    expect(failed).toMatchObject({
      status: "failed",
      error: { code: "131062" },
      followUp: { action: "resent_to_phone", messageId: resent[0]?.messageId },
    });
    expect(await messageJson(resent[0]!.messageId)).toMatchObject({ direction: "outbound", addressedBy: "phone" });

    // Event Grid redelivers the same status, and another instance sees it too: still one send to the phone.
    const redelivered = await handleDeliveryStatusUpdated(app, refusal(failedId, BSUID), createTestLogger());
    expect(redelivered).toMatchObject({ followUp: { action: "resent_to_phone", messageId: resent[0]?.messageId } });
    expect(emulator.sent.filter((sent) => sent.to.replace(/^\+/, "") === PHONE_DIGITS)).toHaveLength(1);
  });

  it("remembers the template, so the next send of it goes to the phone straight away", async () => {
    await ingestFrom({ phoneDigits: PHONE_DIGITS, bsuid: BSUID });
    const failedId = await sendTemplateTo(BSUID);
    await handleDeliveryStatusUpdated(await getAppServices(), refusal(failedId, BSUID), createTestLogger());

    const request = new HttpRequest({
      method: "POST",
      url: "http://localhost:7071/api/messages",
      headers: { "content-type": "application/json" },
      body: { string: JSON.stringify({ recipient: { bsuid: BSUID }, message: template }) },
    });
    const response = (await sendMessageHandler(request, createInvocationContext("sendMessage"))) as {
      status: number;
      jsonBody: { addressedBy: string };
    };
    expect(response.status).toBe(202);
    expect(response.jsonBody.addressedBy).toBe("phone");
  });

  it("records that the user must share their number when the contact has no phone, and sends nothing", async () => {
    await ingestFrom({ bsuid: OTHER_BSUID });
    const failedId = await sendTemplateTo(OTHER_BSUID);
    const sentBefore = emulator.sent.length;

    const outcome = await handleDeliveryStatusUpdated(
      await getAppServices(),
      refusal(failedId, OTHER_BSUID),
      createTestLogger(),
    );
    expect(outcome).toMatchObject({ result: "processed", followUp: { action: "needs_phone" } });
    expect(emulator.sent).toHaveLength(sentBefore);
    const failed = await messageJson(failedId);
    expect(failed.followUp).toMatchObject({ action: "needs_phone" });
    expect(String((failed.followUp as { reason: string }).reason)).toContain("share their number");
  });

  it("does nothing more for a Failed status with another code", async () => {
    await ingestFrom({ phoneDigits: PHONE_DIGITS, bsuid: BSUID });
    const failedId = await sendTemplateTo(BSUID);
    const event = refusal(failedId, BSUID);
    (event.data as { error: { channelCode: string } }).error.channelCode = "131026";
    const outcome = await handleDeliveryStatusUpdated(await getAppServices(), event, createTestLogger());
    expect(outcome).toMatchObject({ result: "processed", status: "failed" });
    expect(outcome).not.toHaveProperty("followUp");
    expect(emulator.sent).toHaveLength(1);
  });
});
