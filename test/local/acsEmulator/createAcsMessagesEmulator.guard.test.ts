import { createCommunicationAccessKeyCredentialPolicy } from "@azure/communication-common";
import { AzureKeyCredential } from "@azure/core-auth";
import { createHttpHeaders, createPipelineRequest, type PipelineRequest } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAcsMessagesClient } from "../../../lib/adapters/acs/createAcsMessagesClient";
import {
  createAcsMessagesEmulator,
  type AcsMessagesEmulator,
} from "../../../local/acsEmulator/createAcsMessagesEmulator";
import { TEST_CHANNEL_ID, TEST_PHONE } from "../../support/acsEmulatorHarness";
import { FOREIGN_REQUESTS, LOOPBACK_HOSTS, sendRawRequest } from "../../support/sendRawRequest";

const SEND_PATH = "/messages/notifications:send?api-version=2024-08-30";
const SEND_BODY = JSON.stringify({
  channelRegistrationId: TEST_CHANNEL_ID,
  to: [TEST_PHONE],
  kind: "text",
  content: "Hi",
});

let emulator: AcsMessagesEmulator;
let port: string;

beforeAll(async () => {
  emulator = await createAcsMessagesEmulator({ channels: [TEST_CHANNEL_ID] });
  port = new URL(emulator.url).port;
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

/**
 * The headers of a send signed by the SDK's own access-key policy for a request addressed to `host`: the signature
 * covers `Host`, so a send to a rebound name is validly signed for that name and only the guard can refuse it.
 */
async function signedHeaders(host: string): Promise<Record<string, string>> {
  const policy = createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(emulator.accessKey));
  let signed: PipelineRequest | undefined;
  const request = createPipelineRequest({ url: `http://${host}${SEND_PATH}`, method: "POST", body: SEND_BODY });
  await policy.sendRequest(request, async (ready) => {
    signed = ready;
    return { request: ready, status: 200, headers: createHttpHeaders() };
  });
  if (signed === undefined) throw new Error("the access-key policy did not sign the request");
  const headers: Record<string, string> = { host, "content-type": "application/json" };
  for (const [name, value] of signed.headers) headers[name.toLowerCase()] = value;
  return headers;
}

describe("ACS Messages emulator: only this machine's tools", () => {
  it.each(FOREIGN_REQUESTS)(
    "answers $status and accepts no send when $name, though the request is validly signed",
    async (refused) => {
      const extra = refused.headers(`127.0.0.1:${port}`);
      const headers = await signedHeaders(extra.host ?? `127.0.0.1:${port}`);
      const response = await sendRawRequest(`${emulator.url}${SEND_PATH}`, {
        method: "POST",
        headers: { ...headers, ...extra },
        body: SEND_BODY,
      });

      expect(response.status).toBe(refused.status);
      expect(JSON.parse(response.text)).toMatchObject({ error: { code: refused.code } });
      expect(response.headers["x-ms-error-code"]).toBe(refused.code);
      expect(emulator.sent).toEqual([]);
    },
  );

  // The access-key policy signs the URL's host in lower case, so the upper-case spelling would fail the signature.
  it.each(
    LOOPBACK_HOSTS.filter((hostOf) => hostOf("1") === hostOf("1").toLowerCase()).map((hostOf) => ({
      hostOf,
      label: hostOf("PORT"),
    })),
  )("accepts a signed JSON send when the Host is $label", async ({ hostOf }) => {
    const host = hostOf(port);
    const response = await sendRawRequest(`${emulator.url}${SEND_PATH}`, {
      method: "POST",
      headers: await signedHeaders(host),
      body: SEND_BODY,
    });

    expect(response.status).toBe(202);
    expect(emulator.sent).toHaveLength(1);
  });

  it("accepts sends and template listings from the app's ACS client", async () => {
    const client = createAcsMessagesClient(
      { kind: "connectionString", connectionString: emulator.connectionString },
      { retryOptions: { maxRetries: 0 } },
    );

    const send = await client.path("/messages/notifications:send").post({
      body: { channelRegistrationId: TEST_CHANNEL_ID, to: [TEST_PHONE], kind: "text", content: "Hi" } as never,
    });
    const templates = await client.path("/messages/channels/{channelId}/templates", TEST_CHANNEL_ID).get();

    expect(send.status).toBe("202");
    expect(templates.status).toBe("200");
    expect(emulator.sent).toHaveLength(1);
  });

  it("refuses a media download when the Host is a rebound name", async () => {
    emulator.addMedia("m-1", Buffer.from("a customer's photo"), "image/jpeg");

    const response = await sendRawRequest(`${emulator.url}/messages/streams/m-1?api-version=2024-08-30`, {
      headers: { host: `attacker.example:${port}` },
    });

    expect(response.status).toBe(421);
    expect(response.text).not.toContain("photo");
  });
});
