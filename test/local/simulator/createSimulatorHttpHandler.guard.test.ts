import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalHost, type LocalHost } from "../../../local/host/createLocalHost";
import {
  SIMULATOR_BODY_TYPES,
  SIMULATOR_PATH,
  createSimulatorHttpHandler,
} from "../../../local/simulator/createSimulatorHttpHandler";
import { FOREIGN_REQUESTS, LOOPBACK_HOSTS, sendRawRequest } from "../../support/sendRawRequest";
import { createTestSimulator } from "./support";

const { simulator, published } = createTestSimulator({ deliveryStatuses: false });
/** CSV texts the CRM import was handed. */
const imported: string[] = [];
const handle = createSimulatorHttpHandler({
  simulator,
  importContacts: async (csv) => {
    imported.push(csv);
    return { scope: "brand-a", created: 1, updated: 0, unchanged: 0, problems: [] };
  },
});

let host: LocalHost;
let ownServer: Server;
let userId: string;
/** The simulator as the stack serves it (mounted on the host) and on a server of its own. */
const servedAt: Record<"on the local host" | "on a server of its own", string> = {
  "on the local host": "",
  "on a server of its own": "",
};
const SERVED = ["on the local host", "on a server of its own"] as const;

beforeAll(async () => {
  host = await createLocalHost({
    port: 0,
    registrations: [],
    mounts: [
      { path: SIMULATOR_PATH, prefix: true, description: "the simulator", bodyTypes: SIMULATOR_BODY_TYPES, handle },
    ],
  });
  ownServer = createServer((req, res) => void handle(req, res));
  ownServer.listen(0, "127.0.0.1");
  await once(ownServer, "listening");
  servedAt["on the local host"] = host.url;
  servedAt["on a server of its own"] = `http://127.0.0.1:${(ownServer.address() as AddressInfo).port}`;
  userId = simulator.createUser({ country: "GB" }).id;
});

afterAll(async () => {
  await host.close();
  ownServer.close();
  ownServer.closeAllConnections();
});

/** A write the simulator's API takes, and how to count what it did. */
interface Target {
  name: string;
  path: () => string;
  contentType: string;
  body: string;
  status: number;
  effects: () => number;
}

const TARGETS: readonly Target[] = [
  {
    name: "creating a user",
    path: () => "/simulator/users",
    contentType: "application/json",
    body: JSON.stringify({ country: "US" }),
    status: 201,
    effects: () => simulator.listUsers().length,
  },
  {
    name: "a user sending a message",
    path: () => `/simulator/users/${userId}/messages`,
    contentType: "application/json",
    body: JSON.stringify({ type: "text", text: "Hello" }),
    status: 202,
    effects: () => published.length,
  },
  {
    name: "a CRM import (CSV)",
    path: () => "/simulator/crm/import",
    contentType: "text/csv",
    body: "phone,name\n+447700900123,Ann\n",
    status: 200,
    effects: () => imported.length,
  },
];

function send(
  served: (typeof SERVED)[number],
  target: Target,
  headers: (loopbackHost: string) => Record<string, string>,
) {
  const url = `${servedAt[served]}${target.path()}`;
  const loopbackHost = `127.0.0.1:${new URL(url).port}`;
  return sendRawRequest(url, {
    method: "POST",
    headers: { host: loopbackHost, "content-type": target.contentType, ...headers(loopbackHost) },
    body: target.body,
  });
}

describe("WhatsApp simulator HTTP API: only this machine's tools", () => {
  it.each(
    SERVED.flatMap((served) =>
      TARGETS.flatMap((target) => FOREIGN_REQUESTS.map((refused) => ({ served, target, refused }))),
    ).map((c) => ({ ...c, label: `${c.target.name} ${c.served}: ${c.refused.name}` })),
  )("answers $refused.status and changes nothing for $label", async ({ served, target, refused }) => {
    const before = target.effects();

    const response = await send(served, target, refused.headers);

    expect(response.status).toBe(refused.status);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: refused.code } });
    expect(target.effects()).toBe(before);
  });

  it.each(
    SERVED.flatMap((served) =>
      TARGETS.flatMap((target) =>
        LOOPBACK_HOSTS.map((hostOf) => ({
          served,
          target,
          hostOf,
          label: `${target.name} ${served}, Host ${hostOf("PORT")}`,
        })),
      ),
    ),
  )("does what is asked for $label", async ({ served, target, hostOf }) => {
    const before = target.effects();

    const response = await send(served, target, (loopbackHost) => ({
      host: hostOf(loopbackHost.slice(loopbackHost.lastIndexOf(":") + 1)),
    }));

    expect(response.status).toBe(target.status);
    expect(target.effects()).toBe(before + 1);
  });

  it("answers 415 when the CRM import's CSV is sent as text/plain", async () => {
    const response = await sendRawRequest(`${servedAt["on the local host"]}/simulator/crm/import`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "phone\n+447700900123\n",
    });

    expect(response.status).toBe(415);
    expect(imported.filter((csv) => csv.startsWith("phone\n"))).toEqual([]);
  });
});
