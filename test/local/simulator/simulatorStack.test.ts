import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryLogger } from "../../../local/host/localLogger";
import { startLocalStackWithSimulator, type SimulatorStack } from "../../../local/simulator/attachWhatsAppSimulator";
import { runSimulatorCli } from "../../../local/simulator/cli";
import type { SimulatedSend, SimulatedUserView } from "../../../local/simulator/createWhatsAppSimulator";
import { uniqueTablePrefix } from "../../support/createTestTables";
import { CHANNEL_A, CHANNEL_B } from "./support";

let local: SimulatorStack;
let host: string;

beforeAll(async () => {
  local = await startLocalStackWithSimulator({
    port: 0,
    inMemory: true,
    azurite: { ports: { blob: 0, queue: 0, table: 0 }, reuseRunning: false },
    env: { ACS_CHANNEL_IDS: `${CHANNEL_A},${CHANNEL_B}` },
    sampleSettingsOnly: true,
    settings: { TABLE_NAME_PREFIX: uniqueTablePrefix() },
    deadLetterDir: mkdtempSync(join(tmpdir(), "simulator-deadletter-")),
    logger: createMemoryLogger(),
    simulator: {
      deliveryStatuses: [
        { status: "Sent", afterMs: 5 },
        { status: "Delivered", afterMs: 10 },
        { status: "Read", afterMs: 15 },
      ],
    },
  });
  host = local.stack.urls.host;
});

afterAll(async () => {
  await local?.close();
});

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${host}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : {
          headers: { "content-type": typeof body === "string" ? "text/csv" : "application/json" },
          body: typeof body === "string" ? body : JSON.stringify(body),
        }),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as T };
}

async function createUser(input: Record<string, unknown>): Promise<SimulatedUserView> {
  const created = await call<SimulatedUserView>("POST", "/simulator/users", input);
  expect(created.status).toBe(201);
  return created.json;
}

async function userSends(id: string, message: Record<string, unknown>): Promise<SimulatedSend> {
  const sent = await call<SimulatedSend>("POST", `/simulator/users/${id}/messages?wait=true`, message);
  expect(sent.status).toBe(202);
  return sent.json;
}

async function reply(bsuid: string, text: string): Promise<{ messageId: string; addressedBy: string }> {
  const sent = await call<{ messageId: string; addressedBy: string }>("POST", "/api/messages", {
    recipient: { bsuid },
    channelId: CHANNEL_A,
    message: { kind: "text", text },
  });
  expect(sent.status).toBe(202);
  await call("POST", "/simulator/wait-for-idle");
  return sent.json;
}

describe("the simulator on a local stack", () => {
  it("serves its API at /simulator next to the app's routes when attached", async () => {
    const info = await call<{ channels: { channelId: string; portfolio: string }[] }>("GET", "/simulator");
    expect(info.status).toBe(200);
    expect(info.json.channels.map((c) => [c.channelId, c.portfolio])).toEqual([
      [CHANNEL_A, "default"],
      [CHANNEL_B, "default"],
    ]);
    expect((await call("GET", "/api/health")).status).toBe(200);
    expect((await call("GET", "/simulator/nothing-here")).status).toBe(404);
    expect((await call("DELETE", "/simulator/users")).status).toBe(405);
  });

  it("refuses a mount that an app route would match, or a path already mounted", () => {
    const handle = () => undefined;
    expect(() => local.stack.host.addMount({ path: "/api/contacts", description: "x", handle })).toThrow(
      /function findContact has the route/,
    );
    expect(() => local.stack.host.addMount({ path: "/api", prefix: true, description: "x", handle })).toThrow(
      /has the route/,
    );
    expect(() => local.stack.host.addMount({ path: "/simulator", prefix: true, description: "x", handle })).toThrow(
      /The WhatsApp user simulator is there/,
    );
  });

  it("stores a BSUID-only contact when a username user created over HTTP writes for the first time", async () => {
    const user = await createUser({ country: "GB", username: true, inContactBook: false });
    const sent = await userSends(user.id, { type: "text", text: "Hello from an ad" });
    expect(sent.phoneShown).toBe(false);

    const contact = await call<{ bsuid: string; phone: string | null }>(
      "GET",
      `/api/contacts?bsuid=${encodeURIComponent(user.bsuids.default!)}`,
    );
    expect(contact.status).toBe(200);
    expect(contact.json).toMatchObject({ bsuid: user.bsuids.default, phone: null });
  });

  it("reads the reply and reveals the phone on that number only, when the app replies and the user writes again", async () => {
    const user = await createUser({ country: "GB", username: "ana" });
    const bsuid = user.bsuids.default!;
    await userSends(user.id, { type: "text", text: "first" });
    const answer = await reply(bsuid, "Thanks for writing");
    expect(answer.addressedBy).toBe("bsuid");

    const message = await call<{ status: string; history: unknown[] }>("GET", `/api/messages/${answer.messageId}`);
    expect(message.json.status).toBe("read");
    const statuses = local.simulator.events.filter(
      (e) => (e.data as { messageId?: string }).messageId === answer.messageId,
    );
    expect(statuses.map((e) => (e.data as { status: string }).status)).toEqual(["Sent", "Delivered", "Read"]);
    expect(statuses.every((e) => (e.data as { to: string; toBSUID: string }).to === "")).toBe(true);
    expect(statuses.every((e) => (e.data as { toBSUID: string }).toBSUID === bsuid)).toBe(true);

    const again = await userSends(user.id, { type: "image", caption: "photo", channelId: CHANNEL_A });
    expect(again.phoneShown).toBe(true);
    const contact = await call<{ phone: string | null }>("GET", `/api/contacts?bsuid=${encodeURIComponent(bsuid)}`);
    expect(contact.json.phone).toBe(user.phone);
    const elsewhere = await userSends(user.id, { type: "sticker", channelId: CHANNEL_B });
    expect(elsewhere.phoneShown).toBe(false);
  });

  it("records a failed delivery with WhatsApp's error when a failure was asked for over HTTP", async () => {
    const user = await createUser({ country: "GB" });
    await userSends(user.id, { type: "text", text: "hi" });
    expect((await call("POST", `/simulator/users/${user.id}/fail-next-delivery`, {})).status).toBe(200);
    const answer = await reply(user.bsuids.default!, "This one will not arrive");
    const message = await call<{ status: string; error: { code: string } }>("GET", `/api/messages/${answer.messageId}`);
    expect(message.json).toMatchObject({ status: "failed", error: { code: "131026" } });
  });

  it("fails the app's send to the old BSUID after a number change, until the contact is relinked", async () => {
    const user = await createUser({ country: "GB" });
    const oldBsuid = user.bsuids.default!;
    await userSends(user.id, { type: "text", text: "hi" });
    const change = await call<{ bsuids: { current: string }[] }>(
      "POST",
      `/simulator/users/${user.id}/change-number`,
      {},
    );
    expect(change.status).toBe(200);
    const newBsuid = change.json.bsuids[0]!.current;

    const stale = await reply(oldBsuid, "Still there?");
    expect((await call<{ status: string }>("GET", `/api/messages/${stale.messageId}`)).json.status).toBe("failed");

    const original = await call<{ contactId: string }>("GET", `/api/contacts?bsuid=${encodeURIComponent(oldBsuid)}`);
    const relink = await call<{ contact: { contactId: string; bsuid: string } }>(
      "POST",
      `/api/contacts/${original.json.contactId}/relink`,
      { bsuid: newBsuid },
    );
    expect(relink.json.contact).toMatchObject({ contactId: original.json.contactId, bsuid: newBsuid });
    await userSends(user.id, { type: "text", text: "new number" });
    const fresh = await reply(newBsuid, "Got your new number");
    expect((await call<{ status: string }>("GET", `/api/messages/${fresh.messageId}`)).json.status).toBe("read");
  });

  it("imports a CRM export into the identity map when posted to /simulator/crm/import", async () => {
    const report = await call<{ created: number; problems: { line: number }[] }>(
      "POST",
      "/simulator/crm/import?country=GB",
      "phone,externalId,name\n07700 900777,CRM-77,Zoe\nnot-a-phone,CRM-78,Bad\n",
    );
    expect(report.status).toBe(200);
    expect(report.json.created).toBe(1);
    expect(report.json.problems.map((p) => p.line)).toEqual([3]);
    const contact = await call<{ externalId: string; bsuid: string | null }>(
      "GET",
      `/api/contacts?phone=${encodeURIComponent("+447700900777")}`,
    );
    expect(contact.json).toMatchObject({ externalId: "CRM-77", bsuid: null });
  });

  it("moves the clock and reports it when asked over HTTP", async () => {
    const moved = await call<{ offsetMs: number }>("POST", "/simulator/clock", { advance: "31d" });
    expect(moved.json.offsetMs).toBe(31 * 86_400_000);
    expect((await call("POST", "/simulator/clock", { advance: "soon" })).status).toBe(400);
    const reset = await call<{ offsetMs: number }>("POST", "/simulator/clock", { reset: true });
    expect(reset.json.offsetMs).toBe(0);
  });
});

describe("npm run simulator (the CLI) against the stack", () => {
  async function cli(...args: string[]): Promise<{ code: number; output: string }> {
    const lines: string[] = [];
    const code = await runSimulatorCli(["--url", host, ...args], (line) => lines.push(line), {});
    return { code, output: lines.join("\n") };
  }

  it("creates a username user outside the Contact Book and sends a message whose phone is hidden", async () => {
    const created = await cli("create-user", "--country", "GB", "--username", "--no-contact-book", "--json");
    expect(created.code).toBe(0);
    const user = JSON.parse(created.output) as SimulatedUserView;
    expect(user.username).toBe(`user_${user.id}`);

    const sent = await cli("send", user.id, "text", "hello", "there");
    expect(sent.code).toBe(0);
    expect(sent.output).toContain("phone hidden");
    expect(sent.output).toContain(`subject advancedMessage/sender/${user.bsuids.default}/recipient/`);
    expect(sent.output).not.toContain(user.phone);

    const listed = await cli("list");
    expect(listed.output).toContain(`${user.id}: GB +44`);
    expect(listed.output).toContain(`BSUID in portfolio default: ${user.bsuids.default}`);
    expect(listed.output).toContain(`Look a user's contact up in the app: curl "${host}/api/contacts?bsuid=`);
    expect(listed.output).toContain("phone shown (username, but a message on this business number");
    expect(listed.output).not.toContain(user.phone);
  });

  it("prints the message ID and the API calls that show the message and the contact, which answer", async () => {
    const user = JSON.parse((await cli("create-user", "--country", "GB", "--json")).output) as SimulatedUserView;
    const sent = await cli("send", user.id, "text", "where is my order?");
    const messageCall = /message ID (\S+): curl (\S+)/.exec(sent.output);
    const contactCall = /contact: curl "(\S+)"/.exec(sent.output);
    expect(messageCall, sent.output).not.toBeNull();
    expect(contactCall, sent.output).not.toBeNull();
    expect(contactCall![1]).toBe(`${host}/api/contacts?bsuid=${user.bsuids.default}&scope=default`);

    const message = await fetch(messageCall![2]!);
    expect(message.status).toBe(200);
    expect(await message.json()).toMatchObject({ messageId: messageCall![1], direction: "inbound" });
    const contact = await fetch(contactCall![1]!);
    expect(contact.status).toBe(200);
    expect(await contact.json()).toMatchObject({ bsuid: user.bsuids.default, phone: user.phone });
  });

  it("sends every message type by name, and changes a number", async () => {
    const user = JSON.parse(
      (await cli("create-user", "--phone", "+447700900555", "--json")).output,
    ) as SimulatedUserView;
    for (const type of ["image", "document", "video", "audio", "sticker", "reaction", "button-reply", "list-reply"]) {
      expect((await cli("send", user.id, type)).code, type).toBe(0);
    }
    expect((await cli("send", user.id, "template-button", "--title", "Yes", "--payload", "ok")).code).toBe(0);
    expect((await cli("send", user.id, "unknown", "--message-type", "poll_vote")).code).toBe(0);
    const changed = await cli("change-number", user.id, "+447700900556");
    expect(changed.output).toContain("+44*******555 → +44*******556");
    const after = JSON.parse((await cli("show", user.id, "--json")).output) as SimulatedUserView;
    expect(changed.output).toContain(`BSUID ${user.bsuids.default} → ${after.bsuids.default}`);
  });

  it("exits 1 naming the problem for an unknown user, and 2 with the usage for an unknown command", async () => {
    const missing = await cli("send", "u999", "text", "hi");
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.output).toContain("user_not_found");
    const unknown = await cli("teleport");
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain("Usage: npm run simulator");
  });

  it("tells the user to start the stack when nothing listens at the URL", async () => {
    const lines: string[] = [];
    const code = await runSimulatorCli(["--url", "http://127.0.0.1:9", "list"], (line) => lines.push(line), {});
    expect(code).toBe(1);
    expect(lines.join("\n")).toContain("is the local stack running (npm start)?");
  });
});
