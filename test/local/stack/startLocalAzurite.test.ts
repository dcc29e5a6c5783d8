import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLocalAzurite, type LocalAzurite } from "../../../local/stack/startLocalAzurite";

const appRoot = join(__dirname, "..", "..", "..");
const FREE = { blob: 0, queue: 0, table: 0 };
const started: LocalAzurite[] = [];

async function start(options: Omit<Parameters<typeof startLocalAzurite>[0], "appRoot">): Promise<LocalAzurite> {
  const azurite = await startLocalAzurite({ appRoot, ...options });
  started.push(azurite);
  return azurite;
}

const portOf = (endpoint: string | undefined) => Number(new URL(endpoint ?? "http://x").port);

/** Another project's Azurite, in memory, on ports of its own. */
let foreign: LocalAzurite;
let taken = 0;

beforeAll(async () => {
  foreign = await startLocalAzurite({ appRoot, inMemory: true, ports: FREE });
  taken = portOf(foreign.tableEndpoint);
}, 60_000);

afterAll(() => foreign?.stop());

afterEach(async () => {
  for (const azurite of started.splice(0).reverse()) await azurite.stop();
});

describe("startLocalAzurite", () => {
  it("starts its own Azurite and says whose the port is when another project's in-memory Azurite holds it", async () => {
    const location = join(mkdtempSync(join(tmpdir(), "azurite-")), ".azurite");

    const own = await start({ location, ports: { blob: 0, queue: 0, table: taken } });
    expect(own.started).toBe(true);
    expect(portOf(own.tableEndpoint)).not.toBe(taken);
    expect(own.notices.join("\n")).toMatch(
      new RegExp(`port ${taken} is taken by an Azurite that is not this project's .*one in memory.*own Azurite`),
    );
  }, 60_000);

  it("says so in memory too, where it never uses another Azurite", async () => {
    const own = await start({ inMemory: true, ports: { blob: 0, queue: 0, table: taken } });
    expect(own.started).toBe(true);
    expect(own.notices.join("\n")).toContain(`port ${taken} is taken by an Azurite that is not this stack's`);
  }, 60_000);

  it("uses the Azurite this project started on the same data folder, whatever its ports, and names it", async () => {
    const location = join(mkdtempSync(join(tmpdir(), "azurite-")), ".azurite");
    const first = await start({ location, ports: FREE, startedBy: "npm run azurite" });
    expect(existsSync(join(location, "running-azurite.json"))).toBe(true);

    const second = await start({ location, ports: FREE });
    expect(second.started).toBe(false);
    expect(second.tableEndpoint).toBe(first.tableEndpoint);
    expect(second.connectionString).toBe(first.connectionString);
    expect(second.notices.join("\n")).toMatch(
      /using this project's Azurite, already running \(started by npm run azurite/,
    );

    await first.stop();
    expect(existsSync(join(location, "running-azurite.json"))).toBe(false);
  }, 60_000);

  it("fails naming the port and its holder when exact ports are asked for and one is taken", async () => {
    const location = join(mkdtempSync(join(tmpdir(), "azurite-")), ".azurite");
    await expect(start({ location, ports: { blob: 0, queue: 0, table: taken }, exactPorts: true })).rejects.toThrow(
      `port ${taken} (Azurite's table service) is taken by an Azurite that is not this project's`,
    );
  }, 60_000);
});
