import { execFile } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { listPackageFiles } from "../../bench/listPackageFiles";
import { DEFERRED_BUNDLES, DEFERRED_MODULES, DEFERRED_PACKAGES } from "../../scripts/bundleApp";

const root = join(__dirname, "..", "..");
const vendor = (file: string) => join(root, "dist", "vendor", file);

/** Runs `script` in a fresh Node process (nothing of vitest's module graph) and returns its stdout. */
async function runFresh(script: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
    cwd: root,
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return stdout;
}

describe("deployment bundles", () => {
  it("packages the entry, its deferred bundles and the host files, and nothing else", () => {
    const paths = listPackageFiles(root).map((file) => file.path);
    expect(paths).toEqual(
      [
        "dist/main.js",
        ...Object.values(DEFERRED_BUNDLES).map((file) => `dist/vendor/${file}`),
        "host.json",
        "package.json",
        "routes.json",
      ].sort((a, b) => a.localeCompare(b)),
    );
  });

  it("leaves each deferred package out of the entry and points its require at a bundle that exists", () => {
    const entry = readFileSync(join(root, "dist", "main.js"), "utf8");
    for (const [name, file] of Object.entries(DEFERRED_PACKAGES)) {
      expect(entry, name).toContain(`require("./vendor/${file}")`);
      expect(entry, name).not.toContain(`require("${name}")`);
      expect(existsSync(vendor(file)), file).toBe(true);
    }
    // MSAL is the bulk of @azure/identity; finding it in the entry would mean the split leaked.
    expect(entry).not.toMatch(/msal/i);
  });

  it("keeps the send validators out of the entry, in a bundle that validates a send body", async () => {
    const entry = readFileSync(join(root, "dist", "main.js"), "utf8");
    expect(entry).toContain(
      `require("./vendor/${DEFERRED_MODULES["lib/schemaValidation/compiledSendValidators.ts"]!}")`,
    );
    expect(entry).not.toContain('title:"send request"');
    const bundle = vendor(DEFERRED_MODULES["lib/schemaValidation/compiledSendValidators.ts"]!);
    const stdout = await runFresh(`
      const { outboundMessage } = require(${JSON.stringify(bundle)});
      process.stdout.write(JSON.stringify([outboundMessage({ kind: "text", text: "hi" }), outboundMessage({ kind: "text" })]));
    `);
    expect(JSON.parse(stdout)).toEqual([true, false]);
  });

  it("sends and receives a queue message through Azurite with the storage-queue bundle", async () => {
    const queueName = `bundle${Date.now()}`;
    const stdout = await runFresh(
      `
      const { QueueClient } = require(${JSON.stringify(vendor(DEFERRED_PACKAGES["@azure/storage-queue"]!))});
      (async () => {
        const queue = new QueueClient(process.env.STORAGE, ${JSON.stringify(queueName)});
        await queue.createIfNotExists();
        await queue.sendMessage("forwarded through the bundle");
        const { receivedMessageItems } = await queue.receiveMessages();
        process.stdout.write(receivedMessageItems.map((m) => m.messageText).join(","));
        await queue.delete();
      })().catch((error) => { console.error(error); process.exit(1); });
    `,
      { STORAGE: inject("storageConnectionString") },
    );
    expect(stdout).toBe("forwarded through the bundle");
  });

  describe("identity bundle", () => {
    // The App Service managed-identity protocol, which Azure Functions uses: a local endpoint named by
    // IDENTITY_ENDPOINT, authenticated by the IDENTITY_HEADER secret.
    const requests: { url: string; secret: string | undefined }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      requests.push({ url: req.url ?? "", secret: req.headers["x-identity-header"] as string | undefined });
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          access_token: "token-from-the-local-identity-endpoint",
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          resource: "https://storage.azure.com",
          token_type: "Bearer",
        }),
      );
    });
    let endpoint = "";
    beforeAll(async () => {
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("gets a user-assigned managed identity token the way the app asks for one", async () => {
      const clientId = "00000000-0000-4000-8000-00000000c11e";
      const stdout = await runFresh(
        `
        const identity = require(${JSON.stringify(vendor(DEFERRED_PACKAGES["@azure/identity"]!))});
        new identity.DefaultAzureCredential();
        new identity.ManagedIdentityCredential({ clientId: ${JSON.stringify(clientId)} })
          .getToken("https://storage.azure.com/.default")
          .then((token) => process.stdout.write(token.token))
          .catch((error) => { console.error(error); process.exit(1); });
      `,
        { IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: "local-secret", MSI_ENDPOINT: "", MSI_SECRET: "" },
      );
      expect(stdout).toBe("token-from-the-local-identity-endpoint");
      const asked = requests.at(-1);
      expect(asked?.secret).toBe("local-secret");
      expect(asked?.url).toContain(`client_id=${clientId}`);
      expect(asked?.url).toContain(`resource=${encodeURIComponent("https://storage.azure.com")}`);
    });
  });
});
