import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { createCachedIdentityStore } from "../../lib/adapters/tableStorage/createCachedIdentityStore";
import { createIdentityStore } from "../../lib/adapters/tableStorage/createIdentityStore";
import { createMessageLedger } from "../../lib/adapters/tableStorage/createMessageLedger";
import { createRejectedEventStore } from "../../lib/adapters/tableStorage/createRejectedEventStore";
import { createSendRecordStore } from "../../lib/adapters/tableStorage/createSendRecordStore";
import { silentLogger } from "../../lib/core/logging/createLogger";
import type { ChannelId } from "../../lib/core/values/ChannelId";
import { parseScope } from "../../lib/core/values/identifiers";
import {
  handleAdvancedMessageReceived,
  type ReceivedEventPorts,
} from "../../lib/useCases/events/handleAdvancedMessageReceived";
import { handleDeliveryStatusUpdated } from "../../lib/useCases/events/handleDeliveryStatusUpdated";
import { sendMessageApi } from "../../lib/useCases/http/sendMessageApi";
import { createTemplateCatalog } from "../../lib/useCases/messaging/createTemplateCatalog";
import type { SendingPorts } from "../../lib/useCases/messaging/sendDeps";
import { createTestLogger } from "../support/createTestLogger";
import { createTestTables } from "../support/createTestTables";
import { createFakeSender } from "../support/fakeProvider/createFakeSender";
import { parseFakeEvent, type FakeProviderEvent } from "../support/fakeProvider/parseFakeEvent";

/**
 * The provider seam: the use cases run unchanged with a made-up provider whose events and sends look nothing like ACS's.
 * The provider is two functions (an inbound parser and a sender) in `test/support/fakeProvider/`; nothing in
 * `lib/useCases` or `lib/domain` knows it exists.
 */
const CHANNEL = "0b6f1b7e-5c1d-4b8a-9f2e-3d4c5b6a7f80" as ChannelId;
const SCOPE = parseScope("default");
const BSUID = "GB.44900000000000000001";
const PHONE = "+447700900888";

type Ports = ReceivedEventPorts & SendingPorts;

describe("the use cases with a second, fake provider", () => {
  let ports: Ports;
  let sender: ReturnType<typeof createFakeSender>;

  beforeEach(async () => {
    const tables = await createTestTables();
    sender = createFakeSender();
    ports = {
      config: {
        defaultScope: SCOPE,
        scopeByChannel: new Map(),
        messaging: { channelIds: [CHANNEL], addressPreference: "bsuid", bsuidSendsEnabled: true },
      },
      identityStore: createCachedIdentityStore(createIdentityStore(tables)),
      ledger: createMessageLedger(tables.messages),
      rejections: createRejectedEventStore(tables.rejectedEvents),
      sends: createSendRecordStore(tables.sends),
      channel: {
        sender,
        templates: createTemplateCatalog({ configured: new Set(["login_code"]), logger: silentLogger }),
      },
      clock: () => new Date(),
      inbound: parseFakeEvent,
    };
  });

  function fakeEvent(kind: FakeProviderEvent["kind"], extra: Partial<FakeProviderEvent> = {}): FakeProviderEvent {
    return {
      provider: "fake",
      deliveryId: randomUUID(),
      kind,
      line: CHANNEL,
      person: { scopedId: BSUID, phone: PHONE },
      ref: randomUUID(),
      body: "hello from elsewhere",
      when: new Date(Date.now() - 60_000).toISOString(),
      ...extra,
    };
  }

  async function send(body: unknown) {
    const request = {
      params: {},
      query: new URLSearchParams(),
      headers: { get: () => null },
      json: async () => body,
    };
    return sendMessageApi(ports, request, createTestLogger());
  }

  it("stores its inbound message once, under one contact with BSUID and phone, when it is delivered twice", async () => {
    const event = fakeEvent("message");
    const first = await handleAdvancedMessageReceived(ports, event, createTestLogger());
    const again = await handleAdvancedMessageReceived(ports, event, createTestLogger());
    expect(first).toMatchObject({ result: "processed", duplicate: false, contact: { bsuid: BSUID, phone: PHONE } });
    expect(again).toMatchObject({ result: "processed", duplicate: true });
    expect(await ports.identityStore.listContacts(SCOPE)).toHaveLength(1);
    expect(await ports.ledger.getMessage(event.ref as never)).toMatchObject({ direction: "inbound" });
  });

  it("records a rejection with the provider's own reason when its event cannot be processed", async () => {
    const outcome = await handleAdvancedMessageReceived(
      ports,
      fakeEvent("message", { person: {} }),
      createTestLogger(),
    );
    expect(outcome).toMatchObject({ result: "rejected", code: "no_sender" });
  });

  it("sends through its own sender by the same rules, and records the delivery status it reports", async () => {
    await handleAdvancedMessageReceived(ports, fakeEvent("message"), createTestLogger());
    const sent = await send({ recipient: { bsuid: BSUID }, message: { kind: "text", text: "We got it" } });
    expect(sent).toMatchObject({ status: 202, body: { addressedBy: "bsuid", to: BSUID } });
    expect(sender.sent.map((request) => request.to)).toEqual([BSUID]);

    // Authentication codes go to the confirmed phone, whoever the provider is.
    const code = await send({
      recipient: { bsuid: BSUID },
      message: { kind: "template", name: "login_code", language: "en" },
    });
    expect(code).toMatchObject({ status: 202, body: { addressedBy: "phone", to: PHONE } });

    const messageId = (sent.body as { messageId: string }).messageId;
    const status = await handleDeliveryStatusUpdated(
      ports,
      fakeEvent("receipt", { ref: messageId, state: "delivered" }),
      createTestLogger(),
    );
    expect(status).toMatchObject({ result: "processed", status: "delivered" });
    expect(await ports.ledger.getMessage(messageId as never)).toMatchObject({
      direction: "outbound",
      status: "delivered",
    });
  });

  it.each([
    ["refused with a reason", "refuse", 502, "acs_refused"],
    ["throttled", "throttle", 429, "acs_throttled"],
    ["of unknown outcome", "unknown", 502, "acs_unavailable"],
  ] as const)(
    "answers a send the provider reports %s as the API does for ACS",
    async (_label, outcome, status, code) => {
      await handleAdvancedMessageReceived(ports, fakeEvent("message"), createTestLogger());
      sender.next.push(outcome);
      const answer = await send({ recipient: { bsuid: BSUID }, message: { kind: "text", text: "Hi" } });
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({ error: { code } });
    },
  );
});
