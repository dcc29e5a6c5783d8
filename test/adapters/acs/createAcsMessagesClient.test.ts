import createClient from "@azure-rest/communication-messages";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../lib/core/errors";
import { createAcsMessagesClient } from "../../../lib/adapters/acs/createAcsMessagesClient";
import { createMessageSender } from "../../../lib/adapters/acs/createMessageSender";
import { UpstreamError } from "../../../lib/domain/messaging/sendErrors";
import {
  createAcsMessagesEmulator,
  type AcsMessagesEmulator,
} from "../../../local/acsEmulator/createAcsMessagesEmulator";
import { createFakeTokenCredential } from "../../support/acsFakeTokenCredential";
import { repeatability, TEST_CHANNEL_ID, TEST_PHONE } from "../../support/acsEmulatorHarness";
import { loadAcsTestTls } from "../../support/acsTls";

const TOKEN = "emulator-test-token";
const tls = loadAcsTestTls();
const text = { kind: "text", text: "Hi" } as const;

let plain: AcsMessagesEmulator;
let secure: AcsMessagesEmulator;

beforeAll(async () => {
  plain = await createAcsMessagesEmulator({ channels: [TEST_CHANNEL_ID] });
  secure = await createAcsMessagesEmulator({ channels: [TEST_CHANNEL_ID], https: tls, bearerToken: TOKEN });
});

afterAll(async () => {
  await Promise.all([plain.close(), secure.close()]);
});

beforeEach(() => {
  plain.reset();
  secure.reset();
});

describe("createAcsMessagesClient", () => {
  it("signs requests with HMAC-SHA256 over x-ms-date, host and x-ms-content-sha256 when given a connection string", async () => {
    const client = createAcsMessagesClient({ kind: "connectionString", connectionString: plain.connectionString });

    await createMessageSender(client).send({
      channelId: TEST_CHANNEL_ID,
      to: TEST_PHONE,
      message: text,
      ...repeatability(),
    });

    const headers = plain.sent[0]?.headers;
    expect(headers?.authorization).toMatch(
      /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=\S+$/,
    );
    expect(headers?.["x-ms-content-sha256"]).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Date.parse(String(headers?.["x-ms-date"]))).not.toBeNaN();
  });

  it("surfaces 401 as UpstreamError when the connection string's access key is wrong", async () => {
    const wrongKey = randomBytes(32).toString("base64");
    const client = createAcsMessagesClient(
      { kind: "connectionString", connectionString: `endpoint=${plain.url}/;accesskey=${wrongKey}` },
      { retryOptions: { maxRetries: 0 } },
    );

    const error = await createMessageSender(client)
      .send({ channelId: TEST_CHANNEL_ID, to: TEST_PHONE, message: text, ...repeatability() })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 401, acsErrorCode: "Denied", permanent: true });
    expect((error as Error).message).toContain("signature does not match");
    expect(plain.sent).toHaveLength(0);
  });

  it("throws the duplicate policy error on the first request when the unpatched 2.0.0 client gets a TokenCredential", async () => {
    const unpatched = createClient(secure.url, createFakeTokenCredential(TOKEN), {
      tlsOptions: { ca: tls.cert },
      retryOptions: { maxRetries: 0 },
    });

    await expect(
      unpatched.path("/messages/notifications:send").post({
        body: { channelRegistrationId: TEST_CHANNEL_ID, to: [TEST_PHONE], kind: "text", content: "Hi" },
      }),
    ).rejects.toThrow("Duplicate policy names not allowed in pipeline");
    expect(secure.requests).toHaveLength(0);
  });

  it("sends one bearer token over HTTPS when created with a TokenCredential", async () => {
    const credential = createFakeTokenCredential(TOKEN);
    const client = createAcsMessagesClient(
      { kind: "endpoint", endpoint: secure.url, credential },
      { tlsOptions: { ca: tls.cert }, retryOptions: { maxRetries: 0 } },
    );

    const result = await createMessageSender(client).send({
      channelId: TEST_CHANNEL_ID,
      to: TEST_PHONE,
      message: text,
      ...repeatability(),
    });

    expect(result.ok).toBe(true);
    expect(secure.sent[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // createCommunicationAuthPolicy asks for this exact scope (with the double slash) for every ACS SDK.
    expect(credential.requestedScopes).toEqual([["https://communication.azure.com//.default"]]);
  });

  it("surfaces 401 as UpstreamError when the bearer token is not accepted", async () => {
    const client = createAcsMessagesClient(
      { kind: "endpoint", endpoint: secure.url, credential: createFakeTokenCredential("some-other-token") },
      { tlsOptions: { ca: tls.cert }, retryOptions: { maxRetries: 0 } },
    );

    const error = await createMessageSender(client)
      .send({ channelId: TEST_CHANNEL_ID, to: TEST_PHONE, message: text, ...repeatability() })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 401 });
  });

  it("authenticates with HMAC over HTTPS when the emulator serves TLS", async () => {
    const client = createAcsMessagesClient(
      { kind: "connectionString", connectionString: secure.connectionString },
      { tlsOptions: { ca: tls.cert } },
    );

    const result = await createMessageSender(client).send({
      channelId: TEST_CHANNEL_ID,
      to: TEST_PHONE,
      message: text,
      ...repeatability(),
    });

    expect(result.ok).toBe(true);
  });

  it("refuses a plain-HTTP endpoint when the host is not loopback", () => {
    expect(() =>
      createAcsMessagesClient({
        kind: "connectionString",
        connectionString: "endpoint=http://my-resource.communication.azure.com/;accesskey=a2V5",
      }),
    ).toThrow(ConfigurationError);
  });

  it("refuses a TokenCredential when the endpoint is plain HTTP", () => {
    expect(() =>
      createAcsMessagesClient({ kind: "endpoint", endpoint: plain.url, credential: createFakeTokenCredential(TOKEN) }),
    ).toThrow(/token credentials need an https/);
  });

  it("does not reveal the access key when the connection string is malformed", () => {
    const secret = "c2VjcmV0LWtleS1kby1ub3QtbG9n";
    let message = "";
    try {
      createAcsMessagesClient({ kind: "connectionString", connectionString: `accesskey=${secret}` });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain("connection string");
    expect(message).not.toContain(secret);
  });
});
